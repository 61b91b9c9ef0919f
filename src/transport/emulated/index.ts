// The virtual drive (docs/virtual-drive.md): an emulated MMC recorder behind the Transport
// interface, with its control surface for tests.

export { openVirtualDrive, VirtualDrive } from './drive.js';
export type { OpenVirtualDriveOptions } from './drive.js';
export type { ImageWriteFault } from './image/image-writer.js';
export { VirtualDriveControl, MediaInspection } from './control.js';
export type { LogEntry } from './command-log.js';
export { parseVirtualAddress } from './address.js';
export type {
  VirtualDriveOptions,
  FullBufferPolicy,
  SenseFormat,
  StreamingSupport,
  LoaderType,
} from './address.js';
export { Faults } from './faults.js';
export type { FailAtOptions, BusyOptions } from './faults.js';
export { MEDIA, MEDIA_IDS, Profile } from './media.js';
export type { MediaId, MediaSpec } from './media.js';
export { Sense } from './check.js';
export type { SenseCode } from './check.js';
export type { Track, Session, DiscStatus } from './disc-layout.js';
