// discwright/engine: the IWriteEngine2 counterpart (layer 4).

export {
  WriteEngine,
  type WriteEngineOptions,
  type WriteSectionOptions,
  type UpdateListener,
} from './write-engine.js';
export { mergeResults } from './section.js';
export type { WriteEngineEventArgs } from './event-args.js';
export { toBlockReader, type BlockReader, type BlockSource } from './sources.js';
export { backoffMs, CHUNK_BUDGET_MS, WRITE_TIMEOUT_SEC } from './write-chunk.js';
export {
  resumeSection,
  type ResumeResult,
  type ResumeSectionOptions,
  type SeekableSource,
} from './resume.js';
