// discwright/testing: what users import to test their own burning code without hardware. The
// virtual drive (an emulated MMC recorder behind the Transport interface), its control surface
// (faults, command log, media inspection) and the virtual clock that paces it without sleeping.
// See docs/virtual-drive.md.

export {
  openVirtualDrive,
  VirtualDrive,
  VirtualDriveControl,
  MediaInspection,
  Faults,
  MEDIA,
  MEDIA_IDS,
  Profile,
  Sense,
  parseVirtualAddress,
} from '../transport/emulated/index.js';
export type {
  LogEntry,
  OpenVirtualDriveOptions,
  ImageWriteFault,
  VirtualDriveOptions,
  FullBufferPolicy,
  SenseFormat,
  StreamingSupport,
  LoaderType,
  FailAtOptions,
  BusyOptions,
  MediaId,
  MediaSpec,
  SenseCode,
  Track,
  Session,
  DiscStatus,
} from '../transport/emulated/index.js';
export { VirtualClock, systemClock } from '../transport/clock.js';
export type { Clock } from '../transport/clock.js';
