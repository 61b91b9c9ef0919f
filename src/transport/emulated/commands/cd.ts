// CD reading and the mechanism of the virtual drive: READ CD (MMC-6 6.19) and MECHANISM STATUS
// (6.11), which every real CD/DVD/BD drive answers (docs/virtual-drive.md, "Checked against real
// drives"). READ CD returns the user data of each sector, or the whole 2352-byte sector where the
// host wrote it raw; the other field selections (sync and header over cooked data, C2, sub-channel)
// are not modelled and answer 05/24/00.

import { decodeReadCdCdb, HeaderCodes } from '../../../scsi/mmc/read-cd.js';
import {
  decodeMechanismStatusCdb,
  encodeMechanismStatusData,
  MechanismState,
} from '../../../scsi/mmc/mechanism-status.js';
import { fail, Sense } from '../check.js';
import { userData } from './block-io.js';
import { cdbOf, EMPTY, upTo, type Handler } from './exchange.js';

/** Bytes of a full CD sector: sync, header, user data and EDC/ECC (or audio). */
const RAW_SECTOR = 2352;

export const readCd: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeReadCdCdb);
  const disc = core.media();
  if (disc.spec.family !== 'cd') {
    fail(Sense.CANNOT_READ_INCOMPATIBLE_FORMAT, undefined, 'READ CD reads CD media');
  }
  if (cdb.subChannelSelection !== 0 || cdb.c2ErrorInformation !== 0) {
    fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'sub-channel and C2 data are not modelled');
  }
  const whole = cdb.sync && cdb.headerCodes === HeaderCodes.ALL && cdb.userData && cdb.edcEcc;
  const userOnly = !cdb.sync && cdb.headerCodes === 0 && cdb.userData && !cdb.edcEcc;
  const nothing = !cdb.sync && cdb.headerCodes === 0 && !cdb.userData && !cdb.edcEcc;
  if (!whole && !userOnly && !nothing) {
    fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'field selection not modelled');
  }
  const count = cdb.transferLength;
  if (count === 0 || nothing) {
    disc.checkRead(cdb.lba, Math.max(count, 1));
    return EMPTY;
  }
  disc.checkRead(cdb.lba, count);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const lba = cdb.lba + i;
    const block = await core.store.readBlock(lba);
    const track = disc.trackAt(lba);
    const audio = track !== undefined && (track.trackMode & 4) === 0;
    if (block !== undefined && block.length >= RAW_SECTOR && (whole || audio)) {
      // Raw-written sectors (and audio, whose user data is the whole sector) come back as written.
      parts.push(block.subarray(0, RAW_SECTOR));
    } else if (whole) {
      fail(Sense.INVALID_FIELD_IN_CDB, lba, 'sync and header of a cooked sector are not modelled');
    } else {
      parts.push(userData(block));
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

export const mechanismStatus: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeMechanismStatusCdb);
  // No changer: the header alone, door open while the tray is out.
  const data = encodeMechanismStatusData({
    fault: false,
    changerState: 0,
    currentSlot: 0,
    mechanismState: MechanismState.IDLE,
    doorOpen: core.tray === 'open',
    currentLba: 0,
    numberOfSlotsAvailable: 0,
    slotTableLength: 0,
  });
  return upTo(data, cdb.allocationLength);
};
