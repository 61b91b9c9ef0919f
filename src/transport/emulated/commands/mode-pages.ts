// MODE SENSE(10) and MODE SELECT(10) of the virtual drive, with the pages it has: 01h Read/Write
// Error Recovery, 05h Write Parameters (checked against what the loaded media can record) and 2Ah
// capabilities; current, changeable and default values, no saved ones.

import { decodeModeSense10Cdb, encodeModeSense10Data } from '../../../scsi/spc/mode-sense-10.js';
import { decodeModeSelect10Cdb, decodeModeSelect10Data } from '../../../scsi/spc/mode-select-10.js';
import { ALL_MODE_PAGES, ModePageRequestType, ModePageType } from '../../../scsi/spc/mode-pages.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
  type WriteParametersPage,
} from '../../../scsi/mmc/mode-pages/write-parameters.js';
import {
  decodeIsrcField,
  decodeMcnField,
} from '../../../scsi/mmc/mode-pages/write-parameters-codes.js';
import {
  decodeReadWriteErrorRecoveryPage,
  encodeReadWriteErrorRecoveryPage,
} from '../../../scsi/mmc/mode-pages/read-write-error-recovery.js';
import {
  encodeCapabilitiesAndMechanicalStatusPage,
  LoadingMechanismType as CapLoadingMechanismType,
} from '../../../scsi/mmc/mode-pages/capabilities-and-mechanical-status.js';
import { fail, Sense } from '../check.js';
import { defaultWriteParameters, type DriveCore } from '../core.js';
import { CD_BLOCK_TYPES_BY_WRITE_TYPE, type MediaSpec } from '../media.js';
import type { CdMasteringSupport } from '../address.js';
import { cdbOf, parameterList, parse, upTo, type Handler } from './exchange.js';

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

export const modeSense10: Handler = (core, x) => {
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
function validateWriteParameters(
  spec: MediaSpec | undefined,
  wp: WriteParametersPage,
  mastering: CdMasteringSupport,
): void {
  const family = spec?.family ?? 'cd';
  const writeTypes = spec?.writeTypes ?? [0, 1, 2, 3];
  if (!writeTypes.includes(wp.writeType)) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `write type ${wp.writeType}`);
  }
  if (family === 'cd') {
    if (!(CD_BLOCK_TYPES_BY_WRITE_TYPE[wp.writeType] ?? []).includes(wp.dataBlockType)) {
      fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `data block type ${wp.dataBlockType}`);
    }
    // What CD Mastering lists: raw at all, and raw with R-W (Data Block Types 2 and 3).
    if (
      wp.writeType === 3 &&
      (mastering === 'sao' || (mastering === 'raw16' && wp.dataBlockType !== 1))
    ) {
      fail(
        Sense.INVALID_FIELD_IN_PARAMETER_LIST,
        undefined,
        `raw data block type ${wp.dataBlockType} (mastering=${mastering})`,
      );
    }
  } else if (wp.dataBlockType !== 8) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'DVD and BD record Mode 1 blocks only');
  }
  if (wp.testWrite && spec !== undefined && !spec.testWrite) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `${spec.name} has no test write`);
  }
  if (wp.multiSession === 2)
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'multi-session 10b');
  // A valid bit over a code that is not one: MMC drives refuse the page (05/26/00).
  if (decodeMcnField(wp.mediaCatalogNumber) === null) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'MCVAL set, N1..N13 not 13 digits');
  }
  if (decodeIsrcField(wp.internationalStandardRecordingCode) === null) {
    fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'TCVAL set, I1..I12 not an ISRC');
  }
}

export const modeSelect10: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeModeSelect10Cdb);
  if (cdb.sp) fail(Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
  if (cdb.parameterListLength === 0) return;
  const list = parse(() => decodeModeSelect10Data(parameterList(x, cdb.parameterListLength)));
  if (list.blockDescriptors.length > 0) fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
  for (const page of list.pages) {
    switch (page.pageCode) {
      case ModePageType.WRITE_PARAMETERS: {
        const wp = parse(() => decodeWriteParametersPage(page.bytes));
        validateWriteParameters(core.spec, wp, core.options.cdMastering);
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
