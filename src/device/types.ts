// The recorder interfaces (spec §4.8): DiscRecorder2 (IDiscRecorder2) and DiscRecorderEx
// (IDiscRecorder2Ex), plus the IMAPI2 enumerations of spec §5. The write engine talks only to
// DiscRecorderEx, so a test or another platform can substitute its own recorder.

import type { HResult } from '../errors.js';
import type { ModePageRequestType } from '../scsi/spc/mode-pages.js';
import type { ReadTrackAddressType } from '../scsi/mmc/read-track-information.js';
import type { Clock } from '../transport/clock.js';
import type { DataOutHold } from '../transport/transport.js';
import type { ExclusiveOnOpen } from './client-name.js';
import type { TransferLimits } from './transfer-limits.js';

/** IMAPI_SECTOR_SIZE. */
export const IMAPI_SECTOR_SIZE = 2048;
/** IMAPI2_DEFAULT_COMMAND_TIMEOUT, seconds: the default timeout of the typed helpers. */
export const IMAPI2_DEFAULT_COMMAND_TIMEOUT = 10;

// ProfileType and FeaturePageType are the MMC code tables of the codec layer.
export { ProfileType } from '../scsi/mmc/profiles.js';
export { FeaturePageType } from '../scsi/mmc/features/feature-codes.js';
export { ModePageType, ModePageRequestType } from '../scsi/spc/mode-pages.js';

export { ReadTrackAddressType } from '../scsi/mmc/read-track-information.js';

/** IMAPI_MEDIA_PHYSICAL_TYPE. */
export const MediaPhysicalType = {
  UNKNOWN: 0,
  CDROM: 1,
  CDR: 2,
  CDRW: 3,
  DVDROM: 4,
  DVDRAM: 5,
  DVDPLUSR: 6,
  DVDPLUSRW: 7,
  DVDPLUSR_DUALLAYER: 8,
  DVDDASHR: 9,
  DVDDASHRW: 0xa,
  DVDDASHR_DUALLAYER: 0xb,
  DISK: 0xc,
  DVDPLUSRW_DUALLAYER: 0xd,
  HDDVDROM: 0xe,
  HDDVDR: 0xf,
  HDDVDRAM: 0x10,
  BDROM: 0x11,
  BDR: 0x12,
  BDRE: 0x13,
  MAX: 0x13,
} as const;

/** IMAPI_MEDIA_WRITE_PROTECT_STATE (flags). */
export const MediaWriteProtectState = {
  UNTIL_POWERDOWN: 0x1,
  BY_CARTRIDGE: 0x2,
  BY_MEDIA_SPECIFIC_REASON: 0x4,
  BY_SOFTWARE_WRITE_PROTECT: 0x8,
  BY_DISC_CONTROL_BLOCK: 0x10,
  READ_ONLY_MEDIA: 0x4000,
} as const;

/** IMAPI_FORMAT2_DATA_WRITE_ACTION. */
export const Format2DataWriteAction = {
  VALIDATING_MEDIA: 0,
  FORMATTING_MEDIA: 1,
  INITIALIZING_HARDWARE: 2,
  CALIBRATING_POWER: 3,
  WRITING_DATA: 4,
  FINALIZATION: 5,
  COMPLETED: 6,
  VERIFYING: 7,
} as const;

/** IMAPI_FORMAT2_DATA_MEDIA_STATE (flags). */
export const Format2DataMediaState = {
  UNKNOWN: 0,
  OVERWRITE_ONLY: 0x1,
  RANDOMLY_WRITABLE: 0x1,
  BLANK: 0x2,
  APPENDABLE: 0x4,
  FINAL_SESSION: 0x8,
  INFORMATIONAL_MASK: 0xf,
  DAMAGED: 0x400,
  ERASE_REQUIRED: 0x800,
  NON_EMPTY_SESSION: 0x1000,
  WRITE_PROTECTED: 0x2000,
  FINALIZED: 0x4000,
  UNSUPPORTED_MEDIA: 0x8000,
  UNSUPPORTED_MASK: 0xfc00,
} as const;

/** IMAPI_BURN_VERIFICATION_LEVEL. */
export const BurnVerificationLevel = { NONE: 0, QUICK: 1, FULL: 2 } as const;

/** IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPE. */
export const Format2RawCdDataSectorType = {
  SUBCODE_PQ_ONLY: 1,
  SUBCODE_IS_COOKED: 2,
  SUBCODE_IS_RAW: 3,
} as const;
export type Format2RawCdDataSectorType =
  (typeof Format2RawCdDataSectorType)[keyof typeof Format2RawCdDataSectorType];

/** IMAPI_FORMAT2_RAW_CD_WRITE_ACTION. */
export const Format2RawCdWriteAction = {
  UNKNOWN: 0,
  PREPARING: 1,
  WRITING: 2,
  FINISHING: 3,
} as const;

/** IMAPI_CD_SECTOR_TYPE. */
export const CdSectorType = {
  AUDIO: 0,
  MODE_ZERO: 1,
  MODE1: 2,
  MODE2FORM0: 3,
  MODE2FORM1: 4,
  MODE2FORM2: 5,
  MODE1RAW: 6,
  MODE2FORM0RAW: 7,
  MODE2FORM1RAW: 8,
  MODE2FORM2RAW: 9,
} as const;
export type CdSectorType = (typeof CdSectorType)[keyof typeof CdSectorType];

/** What a sendCommand* call resolves with (spec §4.5). */
export interface SenseResult {
  /** S_OK, or S_IMAPI_COMMAND_HAS_SENSE_DATA when the device failed the command. */
  readonly hr: HResult;
  /** 18-byte fixed-format sense; all zero on S_OK. */
  readonly sense: Uint8Array;
}

/** What a held send resolves with (HeldSendCapability). */
export interface HeldSenseResult extends SenseResult {
  /** The transport kept `data` and calls `hold.release()` later; only with S_OK. */
  readonly held: boolean;
}

/**
 * Beyond IMAPI2: the recorder's side of held writes (the zero-copy hand-off; Transport.heldWrites
 * has the contract), present while the recorder's transport declares them. The write engine
 * sends its WRITEs through it when present, offering the hold of the slot each comes from.
 */
export interface HeldSendCapability {
  /**
   * SendCommandSendDataToDevice, with the same checks and results, offering the transport a
   * hold on `data`. With `held: true` the transport keeps reading `data` after the command
   * completed and calls `hold.release()` exactly once when it no longer does; until then the
   * caller does not change `data`. Otherwise `data` is the caller's again once this settled.
   */
  sendCommandSendDataToDevice(
    cdb: Uint8Array,
    timeoutSec: number,
    data: Uint8Array,
    hold: DataOutHold,
  ): Promise<HeldSenseResult>;
}

/**
 * Beyond IMAPI2: the recorder's side of queued writes (Transport.queuedWrites has the contract),
 * present while the recorder's transport declares them. The write engine keeps up to `depth`
 * WRITEs in flight through it (docs/decisions.md, "Queued writes").
 */
export interface QueuedSendCapability {
  /** How many queued sends the transport takes at once now (>= 1; it may drop). */
  readonly depth: number;
  /**
   * SendCommandSendDataToDevice, with the same checks and results, sent beside other queued
   * sends (ORDERED: the device applies them in call order) and beside the recorder's queue.
   */
  sendCommandSendDataToDevice(
    cdb: Uint8Array,
    timeoutSec: number,
    data: Uint8Array,
  ): Promise<SenseResult>;
  /** Aborts every queued send in flight; resolves once all have settled. */
  abortQueued(): Promise<void>;
}

/** IDiscRecorder2Ex::GetAdapterDescriptor, platform-neutral. */
export interface AdapterDescriptor {
  readonly busType: string;
  readonly maximumTransferLength: number;
  readonly maximumNonPageAlignedTransferLength: number;
  readonly alignment: number;
}

/** IDiscRecorder2Ex::GetDeviceDescriptor, platform-neutral. */
export interface DeviceDescriptor {
  readonly busType: string;
  readonly vendorId: string;
  readonly productId: string;
  readonly productRevision: string;
  readonly removableMedia: boolean;
  /** SCSI peripheral device type (5 = CD/DVD). */
  readonly deviceType: number;
}

/** IDiscRecorder2Ex (spec §4.3). The engine uses only this interface. */
export interface DiscRecorderEx {
  sendCommandNoData(cdb: Uint8Array, timeoutSec: number): Promise<SenseResult>;
  sendCommandSendDataToDevice(
    cdb: Uint8Array,
    timeoutSec: number,
    data: Uint8Array,
  ): Promise<SenseResult>;
  sendCommandGetDataFromDevice(
    cdb: Uint8Array,
    timeoutSec: number,
    length: number,
  ): Promise<SenseResult & { readonly data: Uint8Array }>;
  readDvdStructure(
    format: number,
    address: number,
    layer: number,
    agid: number,
  ): Promise<Uint8Array>;
  sendDvdStructure(format: number, data: Uint8Array): Promise<void>;
  getAdapterDescriptor(): Promise<AdapterDescriptor>;
  getDeviceDescriptor(): Promise<DeviceDescriptor>;
  getDiscInformation(): Promise<Uint8Array>;
  getTrackInformation(address: number, type: ReadTrackAddressType): Promise<Uint8Array>;
  getFeaturePage(feature: number, currentOnly: boolean): Promise<Uint8Array>;
  getModePage(page: number, request: ModePageRequestType): Promise<Uint8Array>;
  setModePage(request: ModePageRequestType, page: Uint8Array): Promise<void>;
  getSupportedFeaturePages(currentOnly: boolean): Promise<number[]>;
  getSupportedProfiles(currentOnly: boolean): Promise<number[]>;
  getSupportedModePages(request: ModePageRequestType): Promise<number[]>;
  getByteAlignmentMask(): Promise<number>;
  getMaximumNonPageAlignedTransferSize(): Promise<number>;
  getMaximumPageAlignedTransferSize(): Promise<number>;
  /**
   * Beyond IMAPI2, optional: the path's and the drive's transfer limits (transfer-limits.ts); the
   * write engine's default WRITE size is `preferredBytes`. Without it: 64 KiB.
   */
  getTransferLimits?(): Promise<TransferLimits>;
  /** Beyond IMAPI2: held writes, present where the transport declares them (HeldSendCapability). */
  readonly heldWrites?: HeldSendCapability | undefined;
  /** Beyond IMAPI2: queued writes, present where the transport declares them. */
  readonly queuedWrites?: QueuedSendCapability | undefined;
}

/** IDiscRecorder2 (spec §4.2). */
export interface DiscRecorder2 {
  initializeDiscRecorder(uniqueId: string): Promise<void>;
  readonly activeDiscRecorder: string;
  readonly vendorId: string;
  readonly productId: string;
  readonly productRevision: string;
  readonly volumeName: string;
  readonly volumePathNames: string[];
  readonly deviceCanLoadMedia: boolean;
  readonly legacyDeviceNumber: number;
  ejectMedia(): Promise<void>;
  closeTray(): Promise<void>;
  acquireExclusiveAccess(force: boolean, clientName: string): Promise<void>;
  releaseExclusiveAccess(): Promise<void>;
  getExclusiveAccessOwner(): Promise<string>;
  disableMcn(): Promise<void>;
  enableMcn(): Promise<void>;
  getSupportedFeaturePages(currentOnly: boolean): Promise<number[]>;
  getSupportedProfiles(currentOnly: boolean): Promise<number[]>;
  getSupportedModePages(request: ModePageRequestType): Promise<number[]>;
}

/** DiscRecorder.open / fromTransport options. */
export interface DiscRecorderOptions {
  /** Passed to the transport (the virtual drive paces itself with it). */
  readonly clock?: Clock;
  /**
   * Take exclusive access right after the transport opens, before the first command (INQUIRY)
   * reaches the device, as a burner must: held elsewhere, opening fails and nothing was sent.
   * Held as one reference of acquireExclusiveAccess(); close() releases it.
   */
  readonly exclusive?: ExclusiveOnOpen;
  /** Open for inspection and reading only (OpenTransportOptions.readOnly; `info`, `read`). */
  readonly readOnly?: boolean;
}

export interface CommandOptions {
  /** Default IMAPI2_DEFAULT_COMMAND_TIMEOUT (10 s). */
  readonly timeoutSec?: number;
}
