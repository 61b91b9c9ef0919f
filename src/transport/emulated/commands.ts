// The virtual drive's command handlers: one function per opcode. Each decodes its CDB (and
// parameter list) with the codecs of src/scsi, asks the disc model, and builds its reply with
// the codecs' encoders, so the drive never parses or lays out bytes itself. A handler returns
// the complete data-in (the drive truncates it to the allocation length) or throws
// CheckCondition.

import type { ScsiCommand } from '../../scsi/command.js';
import type { DataOutKeeper } from './store.js';
import { Opcode } from '../../scsi/opcodes.js';
import { MalformedDataError } from '../../errors.js';
import { encodeDescriptorSense, encodeFixedSense } from '../../scsi/sense.js';
import { decodeTestUnitReadyCdb } from '../../scsi/spc/test-unit-ready.js';
import { decodeRequestSenseCdb } from '../../scsi/spc/request-sense.js';
import {
  decodeInquiryCdb,
  encodeInquiryData,
  PeripheralDeviceType,
} from '../../scsi/spc/inquiry.js';
import { decodeStartStopUnitCdb } from '../../scsi/spc/start-stop-unit.js';
import { decodePreventAllowMediumRemovalCdb } from '../../scsi/spc/prevent-allow-medium-removal.js';
import { decodeModeSense10Cdb, encodeModeSense10Data } from '../../scsi/spc/mode-sense-10.js';
import { decodeModeSelect10Cdb, decodeModeSelect10Data } from '../../scsi/spc/mode-select-10.js';
import { ALL_MODE_PAGES, ModePageRequestType, ModePageType } from '../../scsi/spc/mode-pages.js';
import { decodeRead10Cdb } from '../../scsi/block/read-10.js';
import { decodeRead12Cdb } from '../../scsi/block/read-12.js';
import { decodeWrite10Cdb } from '../../scsi/block/write-10.js';
import { decodeWrite12Cdb } from '../../scsi/block/write-12.js';
import {
  decodeReadCapacity10Cdb,
  encodeReadCapacity10Data,
} from '../../scsi/block/read-capacity-10.js';
import { decodeSynchronizeCache10Cdb } from '../../scsi/block/synchronize-cache-10.js';
import {
  decodeGetConfigurationCdb,
  encodeGetConfigurationData,
  selectFeatures,
} from '../../scsi/mmc/get-configuration.js';
import {
  decodeGetEventStatusNotificationCdb,
  encodeMediaEventStatus,
  encodeNoEventAvailable,
  NotificationClassMask,
} from '../../scsi/mmc/get-event-status-notification.js';
import {
  BgFormatStatus,
  decodeReadDiscInformationCdb,
  DiscInformationDataType,
  DiscStatus,
  encodeReadDiscInformationData,
  LastSessionState,
} from '../../scsi/mmc/read-disc-information.js';
import {
  decodeReadTrackInformationCdb,
  encodeReadTrackInformationData,
  INVISIBLE_TRACK_NUMBER,
  ReadTrackAddressType,
} from '../../scsi/mmc/read-track-information.js';
import {
  decodeReadTocPmaAtipCdb,
  encodeReadTocPmaAtipData,
  LEAD_OUT_TRACK_NUMBER,
  TocFormat,
  TocPoint,
  type RawTocDescriptor,
} from '../../scsi/mmc/read-toc-pma-atip.js';
import { lbaToMsf } from '../../scsi/mmc/msf.js';
import { decodeReserveTrackCdb } from '../../scsi/mmc/reserve-track.js';
import { decodeCloseTrackSessionCdb } from '../../scsi/mmc/close-track-session.js';
import { decodeBlankCdb } from '../../scsi/mmc/blank.js';
import {
  decodeFormatUnitCdb,
  decodeFormatUnitData,
  FORMAT_CODE_MMC,
} from '../../scsi/mmc/format-unit.js';
import {
  CapacityDescriptorType,
  decodeReadFormatCapacitiesCdb,
  encodeReadFormatCapacitiesData,
} from '../../scsi/mmc/read-format-capacities.js';
import {
  decodeReadBufferCapacityCdb,
  encodeReadBufferCapacityData,
} from '../../scsi/mmc/read-buffer-capacity.js';
import {
  decodeGetPerformanceCdb,
  encodePerformanceData,
  encodeWriteSpeedData,
  PerformanceType,
  WriteRotationControl,
} from '../../scsi/mmc/get-performance.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
  MultiSession,
  type WriteParametersPage,
} from '../../scsi/mmc/mode-pages/write-parameters.js';
import {
  decodeReadWriteErrorRecoveryPage,
  encodeReadWriteErrorRecoveryPage,
} from '../../scsi/mmc/mode-pages/read-write-error-recovery.js';
import {
  encodeCapabilitiesAndMechanicalStatusPage,
  LoadingMechanismType as CapLoadingMechanismType,
} from '../../scsi/mmc/mode-pages/capabilities-and-mechanical-status.js';
import {
  decodeSetStreamingCdb,
  decodeSetStreamingData,
  StreamingType,
} from '../../scsi/mmc/set-streaming.js';
import { decodeSetCdSpeedCdb, SET_CD_SPEED_MAXIMUM } from '../../scsi/mmc/set-cd-speed.js';
import {
  decodeReadDiscStructureCdb,
  encodeReadDiscStructureData,
} from '../../scsi/mmc/read-disc-structure.js';
import {
  decodeSendDiscStructureCdb,
  decodeSendDiscStructureData,
} from '../../scsi/mmc/send-disc-structure.js';
import { readStructure, sendStructure } from './structures.js';
import { CheckCondition, fail, Sense } from './check.js';
import { defaultWriteParameters, type DriveCore } from './core.js';
import type { Disc, Track } from './disc.js';
import type { Faults } from './faults.js';
import { driveFeatures } from './features.js';
import { CD_BLOCK_TYPES_BY_WRITE_TYPE, type MediaSpec } from './media.js';

/** What a handler sees of the command being executed. */
export interface Exchange extends DataOutKeeper {
  readonly command: ScsiCommand;
  readonly faults: Faults;
  /** The codec that decoded the CDB; the command log decodes its copy again when asked. */
  decoder: ((cdb: Uint8Array) => unknown) | undefined;
  /** Waits on the drive's clock (honours the command's abort signal and timeout). */
  wait(ms: number): Promise<void>;
}

export type Handler = (
  core: DriveCore,
  x: Exchange,
) => Promise<Uint8Array | void> | Uint8Array | void;

const EMPTY = new Uint8Array(0);

/** Decodes a CDB with a codec; a CDB the codec rejects is an invalid field in the CDB. */
function cdbOf<T>(x: Exchange, decode: (cdb: Uint8Array) => T): T {
  let v: T;
  try {
    v = decode(x.command.cdb);
  } catch (e) {
    if (e instanceof MalformedDataError) fail(Sense.INVALID_FIELD_IN_CDB, undefined, e.message);
    throw e;
  }
  x.decoder = decode;
  return v;
}

/** The parameter list of a data-out command, `length` bytes long. */
function parameterList(x: Exchange, length: number): Uint8Array {
  const data = x.command.dataOut ?? EMPTY;
  if (data.length < length) fail(Sense.PARAMETER_LIST_LENGTH_ERROR);
  return data.subarray(0, length);
}

/** Runs a codec on a parameter list; malformed lists are an invalid field in the parameter list. */
function parse<T>(decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof MalformedDataError) {
      fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, e.message);
    }
    throw e;
  }
}

/** A reply cut to the CDB's allocation length, as a drive sends it. */
function upTo(bytes: Uint8Array, allocationLength: number): Uint8Array {
  return bytes.length > allocationLength ? bytes.subarray(0, allocationLength) : bytes;
}

// ---- SPC ------------------------------------------------------------------------------------

const testUnitReady: Handler = (core, x) => {
  cdbOf(x, decodeTestUnitReadyCdb);
  core.media();
};

const requestSense: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeRequestSenseCdb);
  let sense = core.attention ?? x.faults.pendingAttention;
  if (sense !== undefined) {
    // Reporting a unit attention through REQUEST SENSE clears it (SPC-4 5.14).
    if (core.attention !== undefined) core.attention = undefined;
    else x.faults.pendingAttention = undefined;
  } else if (core.tray === 'open') {
    sense = Sense.MEDIUM_NOT_PRESENT_TRAY_OPEN;
  } else if (core.disc === undefined) {
    sense = Sense.MEDIUM_NOT_PRESENT_TRAY_CLOSED;
  } else {
    sense = Sense.NO_SENSE;
  }
  // DESC asks for descriptor format; the drive supports it, so it answers 72h sense.
  const bytes = cdb.desc ? encodeDescriptorSense(sense) : encodeFixedSense(sense);
  return upTo(bytes, cdb.allocationLength);
};

const inquiry: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeInquiryCdb);
  // No vital product data pages: EVPD, or a page code without it, is an invalid field.
  if (cdb.evpd || cdb.pageCode !== 0) fail(Sense.INVALID_FIELD_IN_CDB);
  const media = core.options.media;
  const name = media === 'none' ? 'DRIVE' : (core.productMediaName ?? media.toUpperCase());
  const data = encodeInquiryData({
    peripheralDeviceType: PeripheralDeviceType.MMC,
    rmb: true,
    version: 5,
    responseDataFormat: 2,
    vendorIdentification: 'DISCWRT',
    productIdentification: `VIRTUAL ${name}`.slice(0, 16),
    productRevisionLevel: '1.00',
  });
  return upTo(data, cdb.allocationLength);
};

const startStopUnit: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeStartStopUnitCdb);
  if (cdb.powerCondition !== 0 || !cdb.loEj) {
    if (cdb.powerCondition === 0 && cdb.start) core.media();
    return;
  }
  if (!cdb.start) {
    if (core.prevented) fail(Sense.MEDIUM_REMOVAL_PREVENTED);
    await core.openTray();
    return;
  }
  // A slot drive has nothing to pull a disc back in: the Load bit of its Removable Medium
  // feature is zero, and LoEj with Start asks for what it cannot do.
  if (core.options.loader === 'slot') fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'slot loader');
  core.closeTray();
};

const preventAllow: Handler = (core, x) => {
  const cdb = cdbOf(x, decodePreventAllowMediumRemovalCdb);
  core.prevented = (cdb.prevent & 1) !== 0; // Prevent (bit 0; bit 1 is the persistent form)
};

// ---- mode pages ------------------------------------------------------------------------------

const ALL_ONES_16 = new Uint8Array(16).fill(0xff);

/** Write Parameters fields a host may change: every field but PS. */
function changeableWriteParameters(): Uint8Array {
  return encodeWriteParametersPage({
    bufe: true,
    lsV: true,
    testWrite: true,
    writeType: 0x0f,
    multiSession: 0x03,
    fp: true,
    copy: true,
    trackMode: 0x0f,
    dataBlockType: 0x0f,
    linkSize: 0xff,
    initiatorApplicationCode: 0x3f,
    sessionFormat: 0xff,
    packetSize: 0xffffffff,
    audioPauseLength: 0xffff,
    mediaCatalogNumber: ALL_ONES_16,
    internationalStandardRecordingCode: ALL_ONES_16,
    subHeader: new Uint8Array(4).fill(0xff),
  });
}

function capabilitiesPage(core: DriveCore): Uint8Array {
  const spec = core.spec;
  const speeds = spec === undefined ? [] : [...spec.speedsX].reverse();
  const kBps = (x: number) => Math.round(x * (spec?.oneXKBps ?? 176));
  const max = speeds[0] ?? 1;
  return encodeCapabilitiesAndMechanicalStatusPage({
    dvdRamRead: true,
    dvdRRead: true,
    dvdRomRead: true,
    cdRwRead: true,
    cdRRead: true,
    dvdRamWrite: true,
    dvdRWrite: true,
    testWrite: true,
    cdRwWrite: true,
    cdRWrite: true,
    buf: true,
    multiSession: true,
    mode2Form1: true,
    mode2Form2: true,
    loadingMechanismType:
      core.options.loader === 'tray'
        ? CapLoadingMechanismType.TRAY
        : CapLoadingMechanismType.CADDY_SLOT,
    eject: true,
    lock: true,
    lockState: core.prevented,
    preventJumper: false,
    maxReadSpeedKBps: kBps(max),
    numberOfVolumeLevels: 0,
    bufferSizeKB: Math.min(0xffff, Math.floor(core.options.bufferBytes / 1024)),
    currentReadSpeedKBps: Math.min(core.readSpeedKBps, kBps(max)),
    maxWriteSpeedKBps: kBps(max),
    currentWriteSpeedKBps: kBps(core.effectiveSpeedX()),
    rotationControlSelected: 0,
    currentWriteSpeedSelectedKBps: kBps(core.effectiveSpeedX()),
    writeSpeedPerformanceDescriptors: speeds.map((s) => ({
      rotationControl: 0,
      writeSpeedSupportedKBps: kBps(s),
    })),
  });
}

function modePage(core: DriveCore, pageCode: number, pageControl: number): Uint8Array | undefined {
  const changeable = pageControl === ModePageRequestType.CHANGEABLE_VALUES;
  const defaults = pageControl === ModePageRequestType.DEFAULT_VALUES;
  switch (pageCode) {
    case ModePageType.READ_WRITE_ERROR_RECOVERY:
      return changeable
        ? encodeReadWriteErrorRecoveryPage({})
        : encodeReadWriteErrorRecoveryPage(defaults ? {} : core.errorRecovery);
    case ModePageType.WRITE_PARAMETERS:
      if (changeable) return changeableWriteParameters();
      return encodeWriteParametersPage(
        defaults ? defaultWriteParameters(core.spec, core.options.bufe) : core.writeParameters,
      );
    case ModePageType.LEGACY_CAPABILITIES:
      return changeable ? encodeCapabilitiesAndMechanicalStatusPage({}) : capabilitiesPage(core);
    default:
      return undefined;
  }
}

const MODE_PAGES = [
  ModePageType.READ_WRITE_ERROR_RECOVERY,
  ModePageType.WRITE_PARAMETERS,
  ModePageType.LEGACY_CAPABILITIES,
];

const modeSense10: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeModeSense10Cdb);
  if (cdb.pageControl === ModePageRequestType.SAVED_VALUES)
    fail(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
  if (cdb.subpageCode !== 0 && !(cdb.pageCode === ALL_MODE_PAGES && cdb.subpageCode === 0xff)) {
    fail(Sense.INVALID_FIELD_IN_CDB);
  }
  const codes = cdb.pageCode === ALL_MODE_PAGES ? MODE_PAGES : [cdb.pageCode];
  const pages: Uint8Array[] = [];
  for (const code of codes) {
    const page = modePage(core, code, cdb.pageControl);
    if (page === undefined) fail(Sense.INVALID_FIELD_IN_CDB, undefined, `no mode page ${code}`);
    pages.push(page);
  }
  return upTo(encodeModeSense10Data({ pages }), cdb.allocationLength);
};

/** Checks a Write Parameters page against what the loaded media accepts. */
function validateWriteParameters(spec: MediaSpec | undefined, wp: WriteParametersPage): void {
  const family = spec?.family ?? 'cd';
  const writeTypes = spec?.writeTypes ?? [0, 1, 2, 3];
  if (!writeTypes.includes(wp.writeType)) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `write type ${wp.writeType}`);
  }
  if (family === 'cd') {
    if (!(CD_BLOCK_TYPES_BY_WRITE_TYPE[wp.writeType] ?? []).includes(wp.dataBlockType)) {
      fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `data block type ${wp.dataBlockType}`);
    }
  } else if (wp.dataBlockType !== 8) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'DVD and BD record Mode 1 blocks only');
  }
  if (wp.testWrite && spec !== undefined && !spec.testWrite) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `${spec.name} has no test write`);
  }
  if (wp.multiSession === 2)
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'multi-session 10b');
}

const modeSelect10: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeModeSelect10Cdb);
  if (cdb.sp) fail(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
  if (cdb.parameterListLength === 0) return;
  const list = parse(() => decodeModeSelect10Data(parameterList(x, cdb.parameterListLength)));
  if (list.blockDescriptors.length > 0) fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
  for (const page of list.pages) {
    switch (page.pageCode) {
      case ModePageType.WRITE_PARAMETERS: {
        const wp = parse(() => decodeWriteParametersPage(page.bytes));
        validateWriteParameters(core.spec, wp);
        if (wp.testWrite !== core.writeParameters.testWrite) core.disc?.clearSimulation();
        core.writeParameters = { ...wp, ps: false };
        core.updateRate();
        break;
      }
      case ModePageType.READ_WRITE_ERROR_RECOVERY:
        core.errorRecovery = parse(() => decodeReadWriteErrorRecoveryPage(page.bytes));
        break;
      default:
        fail(
          Sense.INVALID_FIELD_IN_PARAMETER_LIST,
          undefined,
          `page ${page.pageCode} is not changeable`,
        );
    }
  }
};

// ---- block commands --------------------------------------------------------------------------

/** The 2048 user bytes a READ returns for a block stored with another sector size (CD). */
function userData(block: Uint8Array | undefined): Uint8Array {
  if (block === undefined) return new Uint8Array(2048);
  switch (block.length) {
    case 2048:
      return block;
    case 2056: // Mode 2 Form 1 with sub-header
    case 2336: // Mode 2 formless: sub-header then user data
      return block.subarray(8, 2056);
    case 2352:
    case 2368:
    case 2448: {
      const mode = block[15];
      if (mode === 1) return block.subarray(16, 2064); // sync, header, Mode 1 user data
      if (mode === 2) return block.subarray(24, 2072); // sync, header, sub-header, Form 1 data
      break;
    }
    default:
      break;
  }
  // Audio and Form 2 sectors have no 2048-byte user data.
  return fail(Sense.ILLEGAL_MODE_FOR_THIS_TRACK);
}

async function readBlocks(
  core: DriveCore,
  x: Exchange,
  lba: number,
  count: number,
): Promise<Uint8Array> {
  const disc = core.media();
  if (count === 0) return EMPTY;
  disc.checkRead(lba, count);
  const fault = x.faults.hit('read', lba, count);
  if (fault !== undefined) fail(fault.sense, fault.lba >>> 0);
  const store = core.store;
  if (store.stride === 2048 && store.plain(lba, count)) return store.readRun(lba, count);
  if (store.stride === undefined) return new Uint8Array(count * 2048);
  const out = new Uint8Array(count * 2048);
  for (let i = 0; i < count; i++) out.set(userData(await store.readBlock(lba + i)), i * 2048);
  return out;
}

const read10: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeRead10Cdb);
  return readBlocks(core, x, cdb.lba, cdb.transferLength);
};

const read12: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeRead12Cdb);
  return readBlocks(core, x, cdb.lba, cdb.transferLength);
};

async function writeBlocks(
  core: DriveCore,
  x: Exchange,
  lba: number,
  count: number,
): Promise<void> {
  const disc = core.media();
  const blockSize = core.writeBlockSize();
  const data = x.command.dataOut ?? EMPTY;
  if (data.length !== count * blockSize) {
    // The data-out does not hold whole blocks of the sector size the Write Parameters select.
    fail(
      Sense.ILLEGAL_MODE_FOR_THIS_TRACK,
      undefined,
      `${data.length} bytes for ${count} blocks of ${blockSize}`,
    );
  }
  if (count === 0) return;
  const ctx = core.writeContext();
  const track = disc.checkWrite(lba, count, ctx);
  const fault = x.faults.hit('write', lba, count);
  if (fault !== undefined) {
    const before = fault.lba - lba;
    if ((fault.sense.senseKey === 0x3 || fault.sense.senseKey === 0x4) && before > 0) {
      await record(core, disc, track, lba, data.subarray(0, before * blockSize), blockSize);
    }
    fail(fault.sense, fault.lba >>> 0);
  }
  const buffer = core.buffer;
  if (buffer.paced) {
    if (buffer.underran()) {
      const spec = disc.spec;
      if (!spec.bufeControlled || core.writeParameters.bufe) {
        buffer.linked();
      } else {
        buffer.lost();
        if (track !== undefined && !ctx.testWrite) disc.damage(track);
        core.dirty = true;
        fail(Sense.LOSS_OF_STREAMING, lba >>> 0);
      }
    }
    const waitMs = buffer.waitFor(data.length);
    if (waitMs > 0) {
      if (core.options.onFullBuffer === 'busy') fail(Sense.NOT_READY_LONG_WRITE_IN_PROGRESS);
      await x.wait(waitMs);
    }
    buffer.accept(data.length);
  }
  await record(core, disc, track, lba, data, blockSize, x);
}

async function record(
  core: DriveCore,
  disc: Disc,
  track: Track | undefined,
  lba: number,
  data: Uint8Array,
  blockSize: number,
  keeper?: DataOutKeeper,
): Promise<void> {
  const ctx = core.writeContext();
  const count = data.length / blockSize;
  // Test Write: the laser stays at read power; the address rules apply but nothing is recorded.
  // The store may keep the data (keeper.kept); the caller learns that only from a GOOD result,
  // so nothing after this call may fail the command.
  if (!ctx.testWrite) await core.store.write(lba, blockSize, data, keeper);
  disc.commitWrite(track, lba, count, ctx);
  core.dirty = true;
}

const write10: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeWrite10Cdb);
  return writeBlocks(core, x, cdb.lba, cdb.transferLength);
};

const write12: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeWrite12Cdb);
  // The Streaming bit is valid only where Real Time Streaming reports SW.
  if (cdb.streaming && core.options.streaming !== 'on') {
    fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'Streaming without SW');
  }
  return writeBlocks(core, x, cdb.lba, cdb.transferLength);
};

const readCapacity10: Handler = (core, x) => {
  cdbOf(x, decodeReadCapacity10Cdb);
  const disc = core.media();
  return encodeReadCapacity10Data({ lastLba: disc.lastReadableLba(), blockLength: 2048 });
};

/** Waits until the buffer is recorded, then makes data and layout durable. */
async function drain(core: DriveCore, x: Exchange): Promise<void> {
  await x.wait(core.buffer.drainTime());
  core.buffer.stop();
  await core.flush();
}

const synchronizeCache10: Handler = async (core, x) => {
  cdbOf(x, decodeSynchronizeCache10Cdb);
  core.media();
  await drain(core, x);
};

// ---- MMC -------------------------------------------------------------------------------------

const getConfiguration: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeGetConfigurationCdb);
  if (cdb.rt === 3) fail(Sense.INVALID_FIELD_IN_CDB);
  const loaded = core.tray === 'closed' ? core.disc : undefined;
  const descriptors = selectFeatures(
    driveFeatures(core, loaded),
    cdb.rt,
    cdb.startingFeatureNumber,
  );
  const data = encodeGetConfigurationData({ currentProfile: loaded?.profile ?? 0, descriptors });
  return upTo(data, cdb.allocationLength);
};

const SUPPORTED_EVENT_CLASSES = NotificationClassMask.MEDIA;

const getEventStatusNotification: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeGetEventStatusNotificationCdb);
  // Asynchronous event reporting is not offered.
  if (!cdb.polled) fail(Sense.INVALID_FIELD_IN_CDB);
  if ((cdb.notificationClassRequest & NotificationClassMask.MEDIA) === 0) {
    return upTo(encodeNoEventAvailable(SUPPORTED_EVENT_CLASSES), cdb.allocationLength);
  }
  const event = core.mediaEvent;
  core.mediaEvent = 0;
  const data = encodeMediaEventStatus(
    {
      mediaEventCode: event,
      mediaPresent: core.tray === 'closed' && core.disc !== undefined,
      doorOrTrayOpen: core.tray === 'open',
      startSlot: 0,
      endSlot: 0,
    },
    SUPPORTED_EVENT_CLASSES,
  );
  return upTo(data, cdb.allocationLength);
};

function discStatusOf(disc: Disc): { discStatus: DiscStatus; lastSession: LastSessionState } {
  if (disc.random) {
    const others = disc.spec.id === 'dvd-ram' || disc.spec.id === 'bd-re';
    return {
      discStatus: others ? DiscStatus.OTHERS : DiscStatus.COMPLETE,
      lastSession: LastSessionState.COMPLETE,
    };
  }
  const s = disc.status();
  const discStatus =
    s.disc === 'blank'
      ? DiscStatus.EMPTY
      : s.disc === 'complete'
        ? DiscStatus.COMPLETE
        : DiscStatus.INCOMPLETE;
  const lastSession =
    s.lastSession === 'empty'
      ? LastSessionState.EMPTY
      : s.lastSession === 'incomplete'
        ? LastSessionState.INCOMPLETE
        : s.lastSession === 'damaged'
          ? LastSessionState.DAMAGED
          : LastSessionState.COMPLETE;
  return { discStatus, lastSession };
}

const readDiscInformation: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeReadDiscInformationCdb);
  if (cdb.dataType !== DiscInformationDataType.STANDARD) fail(Sense.INVALID_FIELD_IN_CDB);
  const disc = core.media();
  const { discStatus, lastSession } = discStatusOf(disc);
  const last = disc.lastSession;
  const inLast = disc.tracks.filter((t) => t.session === last?.number);
  const cd = disc.spec.family === 'cd';
  const open = !disc.finalized && !disc.random;
  const firstInLast = inLast[0] ?? disc.lastTrack;
  const data = encodeReadDiscInformationData(
    {
      erasable: disc.spec.erasable,
      stateOfLastSession: lastSession,
      discStatus,
      numberOfFirstTrackOnDisc: 1,
      numberOfSessions: Math.max(1, disc.sessions.length),
      firstTrackNumberInLastSession: firstInLast?.number ?? 1,
      lastTrackNumberInLastSession: (inLast[inLast.length - 1] ?? disc.lastTrack)?.number ?? 1,
      didV: false,
      dbcV: false,
      uru: false,
      dacV: false,
      dbit: false,
      bgFormatStatus:
        disc.random && (disc.spec.id === 'dvd+rw' || disc.spec.id === 'bd-re')
          ? BgFormatStatus.COMPLETE
          : BgFormatStatus.NONE,
      discType: 0,
      discIdentification: 0,
      lastSessionLeadInStartAddress: open
        ? cd
          ? disc.lastSessionLeadIn()
          : (firstInLast?.start ?? 0)
        : null,
      lastPossibleLeadOutStartAddress: open ? disc.capacity : null,
      discBarCode: new Uint8Array(8),
      discApplicationCode: 0,
      numberOfOpcTables: 0,
      opcTableEntries: [],
    },
    { msf: cd },
  );
  return upTo(data, cdb.allocationLength);
};

const readTrackInformation: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeReadTrackInformationCdb);
  const disc = core.media();
  let track: Track | undefined;
  switch (cdb.addressNumberType) {
    case ReadTrackAddressType.LBA:
      track = disc.trackAt(cdb.address);
      break;
    case ReadTrackAddressType.TRACK:
      track =
        cdb.address === INVISIBLE_TRACK_NUMBER
          ? disc.tracks.find((t) => !t.closed && !t.reserved && !disc.random)
          : disc.track(cdb.address);
      break;
    case ReadTrackAddressType.SESSION:
      track = disc.tracks.find((t) => t.session === cdb.address);
      break;
    default:
      break;
  }
  if (track === undefined) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no such track');
  const recorded = disc.recorded(track);
  const open = !track.closed && !disc.finalized && !disc.random;
  const free = disc.freeBlocks(track);
  const nwaV = open && free > 0 && !track.damaged;
  const lraV = recorded > 0 || (track.closed && (track.size ?? 0) > 0);
  const lastRecorded =
    track.closed && track.size !== undefined ? track.start + track.size - 1 : track.nwa - 1;
  const incremental =
    (disc.spec.id === 'dvd-r' || disc.spec.id === 'dvd-rw') && core.writeParameters.writeType === 0;
  const data = encodeReadTrackInformationData({
    logicalTrackNumber: track.number,
    sessionNumber: track.session,
    ljrs: 0,
    damage: track.damaged,
    copy: false,
    trackMode: track.trackMode,
    rt: track.reserved,
    blank: recorded === 0 && !track.closed,
    packetInc: incremental && !track.reserved,
    fp: false,
    dataMode: recorded === 0 && !track.closed ? 15 : track.dataMode,
    lraV,
    nwaV,
    logicalTrackStartAddress: track.start,
    nextWritableAddress: nwaV ? track.nwa : 0,
    freeBlocks: free,
    fixedPacketSizeBlockingFactor: disc.spec.allocationUnit === 1 ? 0 : disc.spec.allocationUnit,
    logicalTrackSize: disc.trackSize(track),
    lastRecordedAddress: lraV ? lastRecorded : 0,
    readCompatibilityLba: 0,
    nextLayerJumpAddress: 0,
    lastLayerJumpAddress: 0,
  });
  return upTo(data, cdb.allocationLength);
};

/** Tracks that appear in a TOC: closed ones and those holding data. */
function tocTracks(disc: Disc): Track[] {
  return disc.tracks.filter((t) => t.closed || disc.recorded(t) > 0);
}

function trackEnd(disc: Disc, t: Track): number {
  return t.closed && t.size !== undefined ? t.start + t.size : t.nwa;
}

function tocControl(disc: Disc, t: Track): number {
  return disc.spec.family === 'cd' ? t.trackMode & 0x0f : 0x4;
}

const readTocPmaAtip: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeReadTocPmaAtipCdb);
  const disc = core.media();
  const tracks = tocTracks(disc);
  const allocationLength = cdb.allocationLength;
  if (tracks.length === 0) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no TOC on a blank disc');
  const first = tracks[0]!;
  const last = tracks[tracks.length - 1]!;
  switch (cdb.format) {
    case TocFormat.FORMATTED_TOC: {
      const from = cdb.trackSessionNumber;
      if (from > last.number && from !== LEAD_OUT_TRACK_NUMBER) fail(Sense.INVALID_FIELD_IN_CDB);
      const listed = tracks.filter((t) =>
        from === LEAD_OUT_TRACK_NUMBER ? false : t.number >= from,
      );
      const descriptors = [
        ...listed.map((t) => ({
          adr: 1,
          control: tocControl(disc, t),
          trackNumber: t.number,
          trackStartAddress: t.start,
        })),
        {
          adr: 1,
          control: tocControl(disc, last),
          trackNumber: LEAD_OUT_TRACK_NUMBER,
          trackStartAddress: trackEnd(disc, last),
        },
      ];
      return upTo(
        encodeReadTocPmaAtipData(
          {
            format: TocFormat.FORMATTED_TOC,
            firstTrackNumber: first.number,
            lastTrackNumber: last.number,
            descriptors,
          },
          { msf: cdb.msf },
        ),
        allocationLength,
      );
    }
    case TocFormat.MULTI_SESSION_INFORMATION: {
      const closed = disc.sessions.filter((s) => s.closed);
      const session = closed[closed.length - 1]?.number ?? 1;
      const t = tracks.find((tr) => tr.session === session) ?? first;
      return upTo(
        encodeReadTocPmaAtipData(
          {
            format: TocFormat.MULTI_SESSION_INFORMATION,
            firstCompleteSessionNumber: 1,
            lastCompleteSessionNumber: session,
            descriptors: [
              {
                adr: 1,
                control: tocControl(disc, t),
                trackNumber: t.number,
                trackStartAddress: t.start,
              },
            ],
          },
          { msf: cdb.msf },
        ),
        allocationLength,
      );
    }
    case TocFormat.RAW_TOC: {
      if (disc.spec.family !== 'cd')
        fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'raw TOC is CD only');
      const closed = disc.sessions.filter((s) => s.closed);
      if (closed.length === 0) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no complete session');
      const descriptors: RawTocDescriptor[] = [];
      const q = (
        session: number,
        control: number,
        point: number,
        p: { m: number; s: number; f: number },
      ) =>
        descriptors.push({
          sessionNumber: session,
          adr: 1,
          control,
          tno: 0,
          point,
          min: 0,
          sec: 0,
          frame: 0,
          zero: 0,
          pmin: p.m,
          psec: p.s,
          pframe: p.f,
        });
      for (const s of closed) {
        const inS = tracks.filter((t) => t.session === s.number);
        const a = inS[0];
        const z = inS[inS.length - 1];
        if (a === undefined || z === undefined) continue;
        const c = tocControl(disc, a);
        q(s.number, c, TocPoint.FIRST_TRACK, { m: a.number, s: 0, f: 0 });
        q(s.number, c, TocPoint.LAST_TRACK, { m: z.number, s: 0, f: 0 });
        const lo = lbaToMsf(trackEnd(disc, z));
        q(s.number, c, TocPoint.LEAD_OUT, lo);
        for (const t of inS) {
          const m = lbaToMsf(t.start);
          q(s.number, tocControl(disc, t), t.number, m);
        }
      }
      return upTo(
        encodeReadTocPmaAtipData({
          format: TocFormat.RAW_TOC,
          firstCompleteSessionNumber: closed[0]!.number,
          lastCompleteSessionNumber: closed[closed.length - 1]!.number,
          descriptors,
        }),
        allocationLength,
      );
    }
    default:
      return fail(Sense.INVALID_FIELD_IN_CDB, undefined, `TOC format ${cdb.format}`);
  }
};

const reserveTrack: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeReserveTrackCdb);
  const disc = core.media();
  if (cdb.rmz) fail(Sense.INVALID_FIELD_IN_CDB);
  const start = disc.invisibleTrack?.start ?? 0;
  disc.reserve(cdb.arsv ? cdb.reservationLba - start : cdb.reservationSize);
  await core.persist();
};

const closeTrackSession: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeCloseTrackSessionCdb);
  const disc = core.media();
  await x.wait(core.buffer.drainTime());
  core.buffer.stop();
  disc.close(
    cdb.closeFunction,
    cdb.logicalTrackNumber,
    core.writeContext(),
    core.writeParameters.multiSession === MultiSession.NEXT_SESSION_ALLOWED,
  );
  await core.flush();
};

const blankHandler: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeBlankCdb);
  const disc = core.media();
  disc.blank(cdb.blankingType);
  core.buffer.stop();
  await core.store.clear();
  await core.flush();
};

const formatUnit: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeFormatUnitCdb);
  const disc = core.media();
  if (!cdb.fmtData || cdb.formatCode !== FORMAT_CODE_MMC) fail(Sense.INVALID_FIELD_IN_CDB);
  const data = x.command.dataOut ?? EMPTY;
  if (data.length < 12) fail(Sense.PARAMETER_LIST_LENGTH_ERROR);
  const list = parse(() => decodeFormatUnitData(data));
  disc.format(list.formatDescriptor.formatType, list.formatDescriptor.numberOfBlocks);
  core.buffer.stop();
  await core.store.clear();
  await core.flush();
};

const readFormatCapacities: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeReadFormatCapacitiesCdb);
  const disc = core.tray === 'closed' ? core.disc : undefined;
  const tdp = (type: number) => (type === 0x26 ? 0 : type === 0x10 || type === 0x15 ? 16 : 2048);
  const data =
    disc === undefined
      ? encodeReadFormatCapacitiesData({
          currentMaximumCapacity: {
            numberOfBlocks: 12219392,
            descriptorType: CapacityDescriptorType.NO_MEDIA,
            blockLength: 2048,
          },
          formattableCapacities: [],
        })
      : encodeReadFormatCapacitiesData({
          currentMaximumCapacity: {
            numberOfBlocks: disc.capacity,
            descriptorType:
              disc.random || (disc.spec.formatTypes.length === 0 && disc.status().disc !== 'blank')
                ? CapacityDescriptorType.FORMATTED
                : CapacityDescriptorType.UNFORMATTED,
            blockLength: 2048,
          },
          formattableCapacities: disc.formattable().map(([formatType, numberOfBlocks]) => ({
            numberOfBlocks,
            formatType,
            typeDependentParameter: tdp(formatType),
          })),
        });
  return upTo(data, cdb.allocationLength);
};

const readBufferCapacity: Handler = (core, x) => {
  if (!core.options.readBufferCapacity) fail(Sense.INVALID_COMMAND_OPERATION_CODE);
  const cdb = cdbOf(x, decodeReadBufferCapacityCdb);
  const buffer = core.buffer;
  const free = buffer.paced ? buffer.free : buffer.size;
  const data = cdb.block
    ? encodeReadBufferCapacityData({
        blockDataReturned: true,
        bufferAvailableBlocks: Math.floor(free / core.writeBlockSize()),
      })
    : encodeReadBufferCapacityData({
        blockDataReturned: false,
        bufferLengthBytes: buffer.size,
        bufferAvailableBytes: free,
      });
  return upTo(data, cdb.allocationLength);
};

const getPerformance: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeGetPerformanceCdb);
  const disc = core.media();
  const spec = disc.spec;
  const kBps = (s: number) => Math.round(s * spec.oneXKBps);
  const top = spec.speedsX[spec.speedsX.length - 1] ?? 1;
  const endLba = Math.max(0, disc.capacity - 1);
  switch (cdb.type) {
    case PerformanceType.WRITE_SPEED: {
      const descriptors = [...spec.speedsX]
        .reverse()
        .slice(0, cdb.maximumNumberOfDescriptors)
        .map((s) => ({
          wrc: WriteRotationControl.DEFAULT,
          rdd: false,
          exact: true,
          mrw: false,
          endLba,
          readSpeedKBps: kBps(top),
          writeSpeedKBps: kBps(s),
        }));
      return encodeWriteSpeedData({ descriptors });
    }
    case PerformanceType.PERFORMANCE: {
      const speed = cdb.write
        ? kBps(core.effectiveSpeedX())
        : Math.min(core.readSpeedKBps, kBps(top));
      // No exceptions: Except = 01b / 10b lists none.
      const descriptors =
        cdb.except === 0 && cdb.maximumNumberOfDescriptors > 0
          ? [{ startLba: 0, startPerformanceKBps: speed, endLba, endPerformanceKBps: speed }]
          : [];
      return encodePerformanceData({ write: cdb.write, except: cdb.except !== 0, descriptors });
    }
    default:
      return fail(Sense.INVALID_FIELD_IN_CDB, undefined, `performance type ${cdb.type}`);
  }
};

const setStreaming: Handler = (core, x) => {
  // SET STREAMING belongs to the Real Time Streaming feature: without it, no such command.
  if (core.options.streaming === 'absent') fail(Sense.INVALID_COMMAND_OPERATION_CODE);
  const cdb = cdbOf(x, decodeSetStreamingCdb);
  if (cdb.type !== StreamingType.PERFORMANCE_DESCRIPTOR) fail(Sense.INVALID_FIELD_IN_CDB);
  const d = parse(() => decodeSetStreamingData(parameterList(x, cdb.parameterListLength)));
  if (d.writeTimeMs === 0 || d.readTimeMs === 0) fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
  // Write Size is in kB (1000 bytes) per Write Time in ms, so the ratio is kB/s × 1000.
  core.selectWriteSpeed(Math.floor((d.writeSizeKB * 1000) / d.writeTimeMs));
  core.readSpeedKBps = Math.min(0xffff, Math.floor((d.readSizeKB * 1000) / d.readTimeMs));
};

const setCdSpeed: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeSetCdSpeedCdb);
  core.selectWriteSpeed(cdb.writeSpeedKBps === SET_CD_SPEED_MAXIMUM ? 0xffff : cdb.writeSpeedKBps);
  core.readSpeedKBps = cdb.readSpeedKBps;
};

const readDiscStructure: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeReadDiscStructureCdb);
  const disc = core.media();
  const payload = readStructure(disc, cdb);
  return upTo(encodeReadDiscStructureData(payload), cdb.allocationLength);
};

const sendDiscStructure: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeSendDiscStructureCdb);
  const disc = core.media();
  if (cdb.parameterListLength === 0) return;
  const payload = parse(() =>
    decodeSendDiscStructureData(parameterList(x, cdb.parameterListLength)),
  );
  sendStructure(disc, cdb, payload);
  await core.persist();
};

/** The handler for each opcode the virtual drive implements; anything else is 05/20/00. */
export const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [Opcode.TEST_UNIT_READY, testUnitReady],
  [Opcode.REQUEST_SENSE, requestSense],
  [Opcode.FORMAT_UNIT, formatUnit],
  [Opcode.INQUIRY, inquiry],
  [Opcode.START_STOP_UNIT, startStopUnit],
  [Opcode.PREVENT_ALLOW_MEDIUM_REMOVAL, preventAllow],
  [Opcode.READ_FORMAT_CAPACITIES, readFormatCapacities],
  [Opcode.READ_CAPACITY_10, readCapacity10],
  [Opcode.READ_10, read10],
  [Opcode.WRITE_10, write10],
  [Opcode.SYNCHRONIZE_CACHE_10, synchronizeCache10],
  [Opcode.READ_TOC_PMA_ATIP, readTocPmaAtip],
  [Opcode.GET_CONFIGURATION, getConfiguration],
  [Opcode.GET_EVENT_STATUS_NOTIFICATION, getEventStatusNotification],
  [Opcode.READ_DISC_INFORMATION, readDiscInformation],
  [Opcode.READ_TRACK_INFORMATION, readTrackInformation],
  [Opcode.RESERVE_TRACK, reserveTrack],
  [Opcode.MODE_SELECT_10, modeSelect10],
  [Opcode.MODE_SENSE_10, modeSense10],
  [Opcode.CLOSE_TRACK_SESSION, closeTrackSession],
  [Opcode.READ_BUFFER_CAPACITY, readBufferCapacity],
  [Opcode.BLANK, blankHandler],
  [Opcode.READ_12, read12],
  [Opcode.WRITE_12, write12],
  [Opcode.GET_PERFORMANCE, getPerformance],
  [Opcode.SET_STREAMING, setStreaming],
  [Opcode.SET_CD_SPEED, setCdSpeed],
  [Opcode.READ_DISC_STRUCTURE, readDiscStructure],
  [Opcode.SEND_DISC_STRUCTURE, sendDiscStructure],
]);

/** Commands that neither report nor clear a unit attention (SPC-4 5.14, MMC-6 GESN). */
export const UNIT_ATTENTION_EXEMPT: ReadonlySet<number> = new Set([
  Opcode.INQUIRY,
  Opcode.REQUEST_SENSE,
  Opcode.GET_EVENT_STATUS_NOTIFICATION,
]);

export { CheckCondition };
