// discwright/device: the recorder (IDiscRecorder2 + IDiscRecorder2Ex), layer 3.

export { DiscRecorder, type DiscRecorderOptions, type CommandOptions } from './recorder.js';
export { openRecorder, listRecorders } from './open.js';
export type { ExclusiveOnOpen } from './client-name.js';
export { addressKind, openTransport, type AddressKind } from './address.js';
export { checkCdb, requiredCdbLength } from './cdb-check.js';
export * from './types.js';
export {
  DEFAULT_TRANSFER_BYTES,
  MAX_TRANSFER_BYTES,
  type TransferLimits,
} from './transfer-limits.js';
export {
  writablePosition,
  closeTrack,
  closeSession,
  readBlockChunks,
  type WritablePosition,
  type CloseOptions,
  type ReadRange,
} from './media-ops.js';
