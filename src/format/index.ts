// Layer 5, whole-disc burning: DiscFormat2Data (IDiscFormat2Data + IBurnVerification),
// DiscFormat2Erase (IDiscFormat2Erase), formatMedia, and the media state they read
// (docs/burning.md).

export {
  DiscFormat2Data,
  type DiscFormat2DataEventArgs,
  type DiscFormat2DataOptions,
  type DataUpdateListener,
  type DataWriteOptions,
} from './disc-format2-data.js';
export type { BurnResult } from './data-write.js';
export {
  formatMedia,
  chooseFormat,
  type FormatMediaOptions,
  type FormatChoice,
} from './format-media.js';
export {
  SUPPORTED_PROFILES,
  physicalTypeOfProfile,
  mediaStateFlags,
  readMedia,
  writableArea,
  previousSession,
  type MediaSnapshot,
  type WritableArea,
  type PreviousSession,
} from './media-state.js';
export { MAX_WRITE_SPEED } from './write-setup.js';
export type {
  Multisession,
  MultisessionRandomWrite,
  MultisessionSequential,
} from './multisession.js';
export { DiscFormat2Erase, type EraseUpdateListener } from './disc-format2-erase.js';
export { verifyImage } from './verify.js';
export { openDataSource, type OpenedSource } from './data-source.js';
export { closeMedia, type CloseRequest, type CloseOutcome } from './close-media.js';
export {
  RawCDImageCreator,
  RawCDImageTrackInfo,
  ImapiCdTrackDigitalCopySetting,
  type AddTrackOptions,
  type RawCDImage,
} from './raw-cd-image-creator.js';
export {
  CdSectorType,
  Format2RawCdDataSectorType,
  RAW_CD_LIMITS,
  type DiscLayout,
  type LaidOutTrack,
} from './raw-cd/layout.js';
export {
  DiscFormat2RawCD,
  type DiscFormat2RawCDOptions,
  type RawCdUpdateListener,
} from './disc-format2-raw-cd.js';
export {
  Format2RawCdWriteAction,
  type DiscFormat2RawCDEventArgs,
  type WriteEngine2Fields,
} from './format2-events.js';
export type { RawWriteOptions } from './raw-cd-stream.js';
export { DiscFormat2Base, type Format2Codes, type RequestedSpeed } from './disc-format2-base.js';
export type { SourceSlice, SourceSlices, RawTrackSource } from './raw-cd/track-source.js';
export {
  parseCueSheet,
  CUE_LIMITS,
  CUE_SECTOR_BYTES,
  type CueSheet,
  type CueTrack,
  type CueFile,
  type CueIndex,
  type CueCdText,
  type CueTrackType,
  type CueFileType,
  type CueFlag,
} from './cue/cue-sheet.js';
export {
  readCueSheet,
  addCueTracks,
  cueImageCreator,
  cueFilePath,
  CUE_TRACK_SECTOR_TYPE,
} from './cue/cue-image.js';
export {
  DiscFormat2TrackAtOnce,
  Format2TaoWriteAction,
  type DiscFormat2TrackAtOnceOptions,
  type AddAudioTrackOptions,
  type DiscFormat2TrackAtOnceEventArgs,
  type TaoUpdateListener,
} from './disc-format2-track-at-once.js';
