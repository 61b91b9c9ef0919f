// discwright public API: the recorder (IDiscRecorder2 / IDiscRecorder2Ex), the write engine
// (IWriteEngine2), whole-disc burning (DiscFormat2Data, DiscFormat2Erase), errors and HRESULTs,
// and the types they use. The codecs are in `discwright/scsi`, the virtual drive for tests in
// `discwright/testing`.

export * from './errors.js';
export type {
  Transport,
  TransportLimits,
  ExecuteOptions,
  ScsiCommand,
  ScsiResult,
  PlatformInfo,
  ExclusiveAccessHooks,
  DataOutHold,
  HeldWriteCapability,
  HeldWriteResult,
} from './transport/transport.js';
export { systemClock, VirtualClock, type Clock } from './transport/clock.js';
export {
  WriteEngine,
  toBlockReader,
  resumeSection,
  type ResumeResult,
  type ResumeSectionOptions,
  type SeekableSource,
  type WriteEngineOptions,
  type WriteSectionOptions,
  type UpdateListener,
  type WriteEngineEventArgs,
  type BlockReader,
  type BlockSource,
} from './engine/index.js';
export {
  DiscRecorder,
  openRecorder,
  listRecorders,
  writablePosition,
  closeTrack,
  closeSession,
  readBlockChunks,
  type WritablePosition,
  type CloseOptions,
  type ReadRange,
  type DiscRecorderOptions,
  type CommandOptions,
  type ExclusiveOnOpen,
} from './device/index.js';
export * from './device/types.js';
export {
  DiscFormat2Data,
  DiscFormat2Erase,
  formatMedia,
  closeMedia,
  verifyImage,
  MAX_WRITE_SPEED,
  type DiscFormat2DataEventArgs,
  type DiscFormat2DataOptions,
  type DataUpdateListener,
  type DataWriteOptions,
  type EraseUpdateListener,
  type BurnResult,
  type FormatMediaOptions,
  type FormatChoice,
  type CloseRequest,
  type CloseOutcome,
  RawCDImageCreator,
  RawCDImageTrackInfo,
  DiscFormat2RawCD,
  type DiscFormat2RawCDOptions,
  CdSectorType,
  Format2RawCdDataSectorType,
  ImapiCdTrackDigitalCopySetting,
  type AddTrackOptions,
  type RawCDImage,
} from './format/index.js';
export { decodeSense, summarizeSense, toFixedSense18 } from './scsi/sense.js';
export { hrFromSense, hrFromSenseCodes } from './scsi/sense-hresult.js';
export {
  openIscsiTransport,
  IscsiTransport,
  discoverTargets,
  parseIscsiAddress,
  parseIscsiPortal,
  redactIscsiAddress,
  ENV_PASSWORD,
  ENV_TARGET_PASSWORD,
  type IscsiTransportOptions,
  type IscsiAddress,
  type IscsiCredentials,
  type DiscoveredTarget,
  type SessionParameters,
} from './transport/iscsi/index.js';
