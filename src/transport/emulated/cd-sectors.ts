// The sectors a Session-at-Once recording puts on the virtual CD (ECMA-130): the main channel
// from what the host sent in the cue sheet's data form (the drive adds sync, header, EDC/ECC to
// 2,048/2,336-byte forms and makes generated sectors itself) and the sub-channel the drive writes:
// P set in pauses, Q mode 1 positions with mode 2 (MCN) and mode 3 (ISRC) frames, R-W from the
// host when the form carries them. Each sector is kept as 2,448 bytes (2,352 + raw P-W), the same
// shape raw DAO writes, so reading back is one path (cd-map.ts, commands/read-cd.ts).

import {
  buildMode1Sector,
  encodeQ,
  packRawPW,
  pChannel,
  RAW_SECTOR_BYTES,
  SYNC_PATTERN,
  bcdMsf,
} from '../../scsi/cd/index.js';
import { lbaToMsf } from '../../scsi/mmc/msf.js';
import { cueMainFormBytes, CueMainForm } from '../../scsi/mmc/send-cue-sheet.js';
import { pointAt, type CuePlan } from './cue-plan.js';

/** Bytes of a sector as kept: main channel and raw P-W. */
export const FULL_SECTOR_BYTES = 2448;

const ZERO_2048 = new Uint8Array(2048);

/** A Mode 2 formless sector: sync, header (mode 2), 2,336 bytes. */
function mode2Sector(lba: number, data: Uint8Array, out: Uint8Array): void {
  out.set(SYNC_PATTERN, 0);
  out.set(bcdMsf(lbaToMsf(lba)), 12);
  out[15] = 2;
  out.set(data.subarray(0, 2336), 16);
}

/** R-W channels (6 × 12 bytes) from the low 6 bits of 96 host sub-channel bytes. */
function rwFrom(sub: Uint8Array): Uint8Array[] {
  const channels = Array.from({ length: 6 }, () => new Uint8Array(12));
  for (let i = 0; i < 96; i++) {
    for (let ch = 0; ch < 6; ch++) {
      const bit = ((sub[i] as number) >> (5 - ch)) & 1;
      const c = channels[ch] as Uint8Array;
      c[i >> 3] = (c[i >> 3] as number) | (bit << (7 - (i & 7)));
    }
  }
  return channels;
}

/** The Q frame the drive writes at `lba` of the plan (−150 ≤ lba < lead-out). */
export function planQ(plan: CuePlan, lba: number): { q: Uint8Array; pause: boolean } {
  const { point, track } = pointAt(plan, lba);
  const aframe = (lba + 150) % 100;
  // Mode 2 / mode 3 once per 100 sectors each, never on the first sector of an index.
  if (point.index >= 1 && point.lba !== lba) {
    if (aframe === 50 && plan.mediaCatalogNumber !== undefined) {
      const q = encodeQ({
        adr: 2,
        control: point.control,
        mediaCatalogNumber: plan.mediaCatalogNumber,
        aframe: (lba + 150) % 75,
      });
      return { q, pause: false };
    }
    if (aframe === 25 && track.isrc !== undefined) {
      const q = encodeQ({
        adr: 3,
        control: point.control,
        isrc: track.isrc,
        aframe: (lba + 150) % 75,
      });
      return { q, pause: false };
    }
  }
  const pause = point.index === 0;
  const q = encodeQ({
    adr: 1,
    control: point.control,
    trackNumber: point.trackNumber,
    index: point.index,
    relativeFrames: pause ? track.index1 - 1 - lba : lba - track.index1,
    absolute: lbaToMsf(lba),
  });
  return { q, pause };
}

/**
 * The 2,448-byte sector at `lba` from the host's bytes for it (`hostBytesAt` long; empty for a
 * generated sector).
 */
export function composeSector(plan: CuePlan, lba: number, host: Uint8Array): Uint8Array {
  const out = new Uint8Array(FULL_SECTOR_BYTES);
  const form = pointAt(plan, lba).point.dataForm;
  const main = form & 0x3f;
  const mainBytes = cueMainFormBytes(main) ?? 0;
  const data = host.subarray(0, mainBytes);
  switch (main) {
    case CueMainForm.CD_DA:
    case CueMainForm.MODE1_RAW:
    case CueMainForm.MODE2_RAW:
      out.set(data, 0);
      break;
    case CueMainForm.MODE1:
      buildMode1Sector(lba, data, out.subarray(0, RAW_SECTOR_BYTES));
      break;
    case CueMainForm.MODE1_GENERATED:
      buildMode1Sector(lba, ZERO_2048, out.subarray(0, RAW_SECTOR_BYTES));
      break;
    case CueMainForm.MODE2:
      mode2Sector(lba, data, out);
      break;
    case CueMainForm.MODE2_GENERATED:
      mode2Sector(lba, new Uint8Array(2336), out);
      break;
    default:
      break; // CD-DA generated: silence
  }
  const { q, pause } = planQ(plan, lba);
  const sub =
    mainBytes > 0 && (form & 0xc0) !== 0 ? host.subarray(mainBytes, mainBytes + 96) : undefined;
  out.set(
    packRawPW(pChannel(pause), q, sub === undefined ? undefined : rwFrom(sub)),
    RAW_SECTOR_BYTES,
  );
  return out;
}

/** A lead-in sector of an SAO recording: silence, and the host's CD-TEXT symbols in R-W. */
export function composeLeadInSector(symbols: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(FULL_SECTOR_BYTES);
  if (symbols !== undefined) {
    out.set(packRawPW(pChannel(false), new Uint8Array(12), rwFrom(symbols)), RAW_SECTOR_BYTES);
  }
  return out;
}
