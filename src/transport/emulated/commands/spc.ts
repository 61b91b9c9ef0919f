// SPC commands of the virtual drive: TEST UNIT READY, REQUEST SENSE, INQUIRY, START STOP UNIT
// (eject and load) and PREVENT ALLOW MEDIUM REMOVAL.

import { encodeDescriptorSense, encodeFixedSense } from '../../../scsi/sense-encode.js';
import { decodeTestUnitReadyCdb } from '../../../scsi/spc/test-unit-ready.js';
import { decodeRequestSenseCdb } from '../../../scsi/spc/request-sense.js';
import {
  decodeInquiryCdb,
  encodeInquiryData,
  PeripheralDeviceType,
} from '../../../scsi/spc/inquiry.js';
import { encodeBlockLimits, encodeSupportedVpdPages, VpdPage } from '../../../scsi/spc/vpd.js';
import { decodeStartStopUnitCdb } from '../../../scsi/spc/start-stop-unit.js';
import { decodePreventAllowMediumRemovalCdb } from '../../../scsi/spc/prevent-allow-medium-removal.js';
import { fail, Sense } from '../check.js';
import { cdbOf, upTo, type Handler } from './exchange.js';

export const testUnitReady: Handler = (core, x) => {
  cdbOf(x, decodeTestUnitReadyCdb);
  core.media();
};

export const requestSense: Handler = (core, x) => {
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
    // An IMMED operation still running: its NOT READY sense with the progress indication.
    sense = core.operation.sense() ?? Sense.NO_SENSE;
  }
  // DESC asks for descriptor format; the drive supports it, so it answers 72h sense.
  const bytes = cdb.desc ? encodeDescriptorSense(sense) : encodeFixedSense(sense);
  return upTo(bytes, cdb.allocationLength);
};

export const inquiry: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeInquiryCdb);
  // Of the vital product data pages only the mandatory Supported VPD Pages page (SPC-4 7.8.14),
  // and Block Limits (B0h) when the address asks for it (`blockLimits=`): an SBC page that most
  // MMC drives do not list (docs/decisions.md, "Transfer size from the path").
  const limits = core.options.blockLimits;
  if (cdb.evpd && cdb.pageCode === VpdPage.SUPPORTED_VPD_PAGES) {
    const pages = limits === undefined ? [0x00] : [0x00, VpdPage.BLOCK_LIMITS];
    return upTo(encodeSupportedVpdPages(PeripheralDeviceType.MMC, pages), cdb.allocationLength);
  }
  if (cdb.evpd && cdb.pageCode === VpdPage.BLOCK_LIMITS && limits !== undefined) {
    const page = encodeBlockLimits(PeripheralDeviceType.MMC, {
      optimalTransferLengthGranularity: 0,
      maximumTransferLength: limits.maximum,
      optimalTransferLength: limits.optimal,
    });
    return upTo(page, cdb.allocationLength);
  }
  // Any other page, or a page code without EVPD, is an invalid field.
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

export const startStopUnit: Handler = async (core, x) => {
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

export const preventAllow: Handler = (core, x) => {
  const cdb = cdbOf(x, decodePreventAllowMediumRemovalCdb);
  core.prevented = (cdb.prevent & 1) !== 0; // Prevent (bit 0; bit 1 is the persistent form)
};
