// CD reading and the mechanism of the virtual drive: READ CD (MMC-6 6.19), READ SUB-CHANNEL
// (6.32) and MECHANISM STATUS (6.11). READ CD returns the selected fields (sync, header,
// sub-header, user data, EDC/ECC) of each sector as recorded: raw DAO and SAO sectors as kept
// (2,448 bytes), Track-at-Once Mode 1 sectors rebuilt with the sync, header and EDC/ECC the drive
// recorded them with; sub-channel selection 001b (raw P-W, 96 bytes) and 010b (formatted Q, 16
// bytes) and 100b (R-W, 96 bytes) come from the kept sub-channel or, for TAO, from the drive's
// track table (cd-map.ts). C2 error information (01b: 294 bytes, a bit per main-channel byte;
// 10b: the block error byte, a pad byte, then the 294) follows the main fields: zero, as the
// virtual disc reads without error, except on an audio sector where an injected read fault with
// a medium error lands (faults.ts), which reads with every C2 bit set instead of failing. The
// fields asked for must be contiguous in the sector (a gap is 05/24/00, as MMC requires). The
// pregap −150..−1 reads where it was recorded (SAO, raw).

import { decodeReadCdCdb, ExpectedSectorType } from '../../../scsi/mmc/read-cd.js';
import {
  AUDIO_STATUS_NONE,
  decodeReadSubChannelCdb,
  encodeReadSubChannelData,
  SubChannelFormat,
  type SubChannelData,
} from '../../../scsi/mmc/read-sub-channel.js';
import {
  decodeMechanismStatusCdb,
  encodeMechanismStatusData,
  MechanismState,
} from '../../../scsi/mmc/mechanism-status.js';
import { buildMode1Sector, packRawPW, pChannel, decodeQ } from '../../../scsi/cd/index.js';
import { fail, failAt, Sense } from '../check.js';
import type { DriveCore } from '../core.js';
import type { Disc } from '../disc.js';
import { cdMap, mapPosition, modelMcn, modelPosition, modelQ, qOf } from '../cd-map.js';
import { FULL_SECTOR_BYTES } from '../cd-sectors.js';
import { userData } from './block-io.js';
import { cdbOf, EMPTY, upTo, type Handler } from './exchange.js';

/** Bytes of a full CD sector: sync, header, user data and EDC/ECC (or audio). */
const RAW_SECTOR = 2352;

/** The last sector READ CD read: READ SUB-CHANNEL's current position. */
const position = new WeakMap<DriveCore, number>();

type Kind = 'audio' | 'mode1' | 'form1' | 'form2' | 'mode2';

/** A sector as the disc holds it: its 2,352 main bytes (when known) and its kind. */
interface Sector {
  readonly main: Uint8Array | undefined;
  readonly kind: Kind;
  readonly sub: Uint8Array | undefined;
  readonly cooked: Uint8Array | undefined;
}

function kindOf(main: Uint8Array, audio: boolean): Kind {
  if (audio) return 'audio';
  if (main[15] === 1) return 'mode1';
  if (main[15] !== 2) return 'mode1';
  // Mode 2: the sub-header's Form bit (sub-mode bit 5), when both copies agree.
  const subMode = main[18] as number;
  if (subMode !== main[22]) return 'mode2';
  return subMode & 0x20 ? 'form2' : 'form1';
}

/**
 * The sector at `lba`. `whole`: the caller wants more than user data (sync, headers, EDC/ECC), so
 * a cooked Mode 1 sector is rebuilt; `sub`: the sub-channel is wanted.
 */
async function sectorAt(
  core: DriveCore,
  disc: Disc,
  lba: number,
  whole: boolean,
  wantSub: boolean,
): Promise<Sector> {
  const block = await core.store.readBlock(lba);
  if (block !== undefined && block.length === FULL_SECTOR_BYTES) {
    const main = block.subarray(0, RAW_SECTOR);
    const q = decodeQ(qOf(block));
    const audio = q.crcOk ? (q.control & 4) === 0 : (disc.trackAt(lba)?.trackMode ?? 4) === 0;
    return { main, kind: kindOf(main, audio), sub: block.subarray(RAW_SECTOR), cooked: undefined };
  }
  const modelled = wantSub ? modelQ(disc, lba) : undefined;
  const sub = modelled && packRawPW(pChannel(modelled.pause), modelled.q);
  const audio =
    (modelPosition(disc, lba)?.track.trackMode ?? disc.trackAt(lba)?.trackMode ?? 4) === 0;
  if (block === undefined) {
    // Never sent by the host: a TAO pause or padding the drive recorded.
    if (audio) return { main: new Uint8Array(RAW_SECTOR), kind: 'audio', sub, cooked: undefined };
    const zeros = new Uint8Array(2048);
    const main = whole ? buildMode1Sector(lba, zeros) : undefined;
    return { main, kind: 'mode1', sub, cooked: zeros };
  }
  if (block.length >= RAW_SECTOR) {
    const main = block.subarray(0, RAW_SECTOR);
    return { main, kind: kindOf(main, audio), sub, cooked: undefined };
  }
  if (block.length === 2048) {
    return {
      main: whole ? buildMode1Sector(lba, block) : undefined,
      kind: 'mode1',
      sub,
      cooked: block,
    };
  }
  return { main: undefined, kind: 'mode2', sub, cooked: userData(block) };
}

const EXPECTED: Readonly<Record<number, readonly Kind[]>> = {
  [ExpectedSectorType.CD_DA]: ['audio'],
  [ExpectedSectorType.MODE_1]: ['mode1'],
  [ExpectedSectorType.MODE_2_FORMLESS]: ['mode2', 'form1', 'form2'],
  [ExpectedSectorType.MODE_2_FORM_1]: ['form1'],
  [ExpectedSectorType.MODE_2_FORM_2]: ['form2'],
};

/** Field boundaries [header end, sub-header end, user end] of each data kind. */
const LAYOUT: Readonly<Record<Exclude<Kind, 'audio'>, readonly [number, number, number]>> = {
  mode1: [16, 16, 2064],
  form1: [16, 24, 2072],
  form2: [16, 24, 2348],
  mode2: [16, 16, 2352],
};

export const readCd: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeReadCdCdb);
  const disc = core.media();
  if (disc.spec.family !== 'cd') {
    fail(Sense.CANNOT_READ_INCOMPATIBLE_FORMAT, undefined, 'READ CD reads CD media');
  }
  if (cdb.c2ErrorInformation === 3) {
    failAt(Sense.INVALID_FIELD_IN_CDB, { commandData: true, fieldPointer: 9, bitPointer: 2 }, 'C2');
  }
  // Sub-channel Data Selection: 000b none, 001b raw P-W, 010b formatted Q, 100b R-W; the rest
  // are reserved.
  if (![0, 1, 2, 4].includes(cdb.subChannelSelection)) {
    failAt(
      Sense.INVALID_FIELD_IN_CDB,
      { commandData: true, fieldPointer: 10, bitPointer: 2 },
      'reserved sub-channel selection',
    );
  }
  if (!contiguous(cdb, false)) badSelection();
  if (cdb.expectedSectorType > 5) {
    failAt(Sense.INVALID_FIELD_IN_CDB, { commandData: true, fieldPointer: 1, bitPointer: 4 });
  }
  const count = cdb.transferLength;
  const whole = cdb.sync || cdb.headerCodes !== 0 || cdb.edcEcc;
  if (cdb.lba < -150) fail(Sense.LBA_OUT_OF_RANGE, cdb.lba, 'the lead-in is not readable');
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const lba = cdb.lba + i;
    // A pause the drive recorded (TAO) reads as part of its track, though no track holds it.
    const pause = disc.trackAt(lba) === undefined && modelPosition(disc, lba)?.pause === true;
    if (lba < 0) {
      if (!pause && (await core.store.readBlock(lba)) === undefined) {
        fail(Sense.LBA_OUT_OF_RANGE, lba, 'the pregap was not recorded');
      }
    } else if (!pause) {
      disc.checkRead(lba, 1);
    }
    const s = await sectorAt(core, disc, lba, whole, cdb.subChannelSelection !== 0);
    const allowed = EXPECTED[cdb.expectedSectorType];
    if (allowed !== undefined && !allowed.includes(s.kind)) {
      fail(Sense.ILLEGAL_MODE_FOR_THIS_TRACK, lba, `a ${s.kind} sector`);
    }
    // A Mode 2 Form 1/2 sector has a sub-header between header and user data.
    if ((s.kind === 'form1' || s.kind === 'form2') && !contiguous(cdb, true)) badSelection();
    const fault = x.faults.hit('read', lba, 1);
    const c2Set = fault !== undefined && cdb.c2ErrorInformation !== 0 && s.kind === 'audio';
    if (fault !== undefined && !(c2Set && fault.sense.senseKey === 3)) {
      fail(fault.sense, fault.lba >>> 0);
    }
    parts.push(mainFields(cdb, s, lba));
    if (cdb.c2ErrorInformation !== 0) parts.push(c2Field(cdb.c2ErrorInformation, c2Set));
    if (cdb.subChannelSelection !== 0) {
      const sub = s.sub ?? new Uint8Array(96);
      if (cdb.subChannelSelection === 1) parts.push(sub.subarray(0, 96));
      else if (cdb.subChannelSelection === 4) {
        // R-W: bits 5..0 of each byte, P and Q bits zero (kept de-interleaved, as sent).
        parts.push(Uint8Array.from(sub.subarray(0, 96), (b) => b & 0x3f));
      } else {
        const q = new Uint8Array(16);
        q.set(qOf(concatSub(sub)), 0);
        parts.push(q);
      }
    }
    position.set(core, lba);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** C2 error bits per main-channel byte; 294 bytes, or 296 with the block error byte first. */
const C2_BYTES = 294;

function c2Field(selection: number, bad: boolean): Uint8Array {
  const bits = new Uint8Array(C2_BYTES).fill(bad ? 0xff : 0);
  if (selection === 1) return bits;
  const out = new Uint8Array(C2_BYTES + 2);
  // Block error byte: the OR of every C2 byte; then a pad byte of zero.
  out[0] = bad ? 0xff : 0;
  out.set(bits, 2);
  return out;
}

/**
 * Whether the fields READ CD selects are contiguous in the sector (sync, header, sub-header when
 * `subHeader`, user data, EDC/ECC), as MMC requires of the data selection.
 */
function contiguous(cdb: ReturnType<typeof decodeReadCdCdb>, subHeader: boolean): boolean {
  const fields = [cdb.sync, (cdb.headerCodes & 1) !== 0];
  if (subHeader) fields.push((cdb.headerCodes & 2) !== 0);
  fields.push(cdb.userData, cdb.edcEcc);
  const first = fields.indexOf(true);
  return first < 0 || fields.slice(first, fields.lastIndexOf(true) + 1).every(Boolean);
}

function badSelection(): never {
  return failAt(
    Sense.INVALID_FIELD_IN_CDB,
    { commandData: true, fieldPointer: 9 },
    'the selected fields are not contiguous',
  );
}

/** A raw P-W block placed where qOf() looks for it. */
function concatSub(sub: Uint8Array): Uint8Array {
  const b = new Uint8Array(FULL_SECTOR_BYTES);
  b.set(sub.subarray(0, 96), RAW_SECTOR);
  return b;
}

function mainFields(cdb: ReturnType<typeof decodeReadCdCdb>, s: Sector, lba: number): Uint8Array {
  const wantsHeader = cdb.sync || cdb.headerCodes !== 0 || cdb.edcEcc;
  if (s.kind === 'audio') return cdb.userData ? (s.main ?? new Uint8Array(RAW_SECTOR)) : EMPTY;
  if (s.main === undefined) {
    if (wantsHeader) fail(Sense.INVALID_FIELD_IN_CDB, lba, 'headers of this sector are not kept');
    return cdb.userData ? (s.cooked ?? EMPTY) : EMPTY;
  }
  const [headerEnd, subEnd, userEnd] = LAYOUT[s.kind];
  const m = s.main;
  const pieces: Uint8Array[] = [];
  if (cdb.sync) pieces.push(m.subarray(0, 12));
  if (cdb.headerCodes & 1) pieces.push(m.subarray(12, headerEnd));
  if (cdb.headerCodes & 2) pieces.push(m.subarray(headerEnd, subEnd));
  if (cdb.userData) pieces.push(m.subarray(subEnd, userEnd));
  if (cdb.edcEcc) pieces.push(m.subarray(userEnd, RAW_SECTOR));
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const readSubChannel: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeReadSubChannelCdb);
  const disc = core.media();
  if (disc.spec.family !== 'cd') {
    fail(Sense.CANNOT_READ_INCOMPATIBLE_FORMAT, undefined, 'READ SUB-CHANNEL reads CD media');
  }
  if (cdb.format < 1 || cdb.format > 3) {
    failAt(Sense.INVALID_FIELD_IN_CDB, { commandData: true, fieldPointer: 3 }, 'parameter list');
  }
  const encode = (d: SubChannelData | undefined) =>
    upTo(
      encodeReadSubChannelData(cdb.subQ ? d : undefined, {
        msf: cdb.msf,
        audioStatus: AUDIO_STATUS_NONE,
      }),
      cdb.allocationLength,
    );
  const map = await cdMap(core);
  if (cdb.format === SubChannelFormat.MCN) {
    const mcn = map !== undefined ? map.mediaCatalogNumber : modelMcn(disc);
    return encode({ format: 0x02, mediaCatalogNumber: mcn });
  }
  if (cdb.format === SubChannelFormat.ISRC) {
    const t = map?.tracks.find((tr) => tr.number === cdb.trackNumber);
    const modelTrack = disc.tracks.find((tr) => tr.number === cdb.trackNumber && tr.nwa > tr.start);
    if (t === undefined && modelTrack === undefined) {
      failAt(Sense.INVALID_FIELD_IN_CDB, { commandData: true, fieldPointer: 6 }, 'no such track');
    }
    return encode({
      format: 0x03,
      adr: 1,
      control: t?.control ?? (modelTrack?.trackMode ?? 4) & 0x0f,
      trackNumber: cdb.trackNumber,
      isrc: t !== undefined ? t.isrc : modelTrack?.isrc,
    });
  }
  const lba = position.get(core) ?? map?.tracks[0]?.start ?? 0;
  const at = map !== undefined ? mapPosition(map, lba) : undefined;
  if (at !== undefined) {
    const index1 = at.track.start;
    return encode({
      format: 0x01,
      adr: 1,
      control: at.track.control,
      trackNumber: at.track.number,
      indexNumber: at.index,
      absoluteLba: lba,
      relativeLba: lba - index1,
    });
  }
  const modelled = modelQ(disc, lba, false);
  if (modelled === undefined) return encode(undefined);
  const q = decodeQ(modelled.q);
  const tno = q.fields[0] ?? 0;
  const start = disc.tracks.find((t) => t.number === tno)?.start ?? 0;
  return encode({
    format: 0x01,
    adr: 1,
    control: q.control,
    trackNumber: tno,
    indexNumber: q.fields[1] ?? 1,
    absoluteLba: lba,
    relativeLba: lba - start,
  });
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
