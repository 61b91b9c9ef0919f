// The end of a raw disc-at-once session on the virtual CD-R/RW (docs/raw-cd.md, "Virtual drive").
// In raw mode (Write Type 03h) the host writes the whole session with its sub-channel, lead-in
// through lead-out; the drive writes nothing of its own. A real recorder therefore treats the
// session as closed once its lead-out has been recorded: at the SYNCHRONIZE CACHE that follows a
// WRITE whose last sector carries a lead-out Q (TNO AAh), the session is closed here. Whether
// another session may follow is what the host wrote into the lead-in: a Q mode 5 B0 pointer with
// the start of the next program area allows one; no B0, or B0 with FF:FF:FF, closes the disc.
// Without a host-written lead-in (a raw write from −150) the Write Parameters' Multi-session
// field decides, as for SAO and TAO.
//
// Raw sectors are kept as 2,448 bytes whatever the Data Block Type (rawSectorsAsKept): 2,368-byte
// sectors (type 1) get their 16-byte P-Q block turned into raw P-W with R-W zero, as a recorder
// writes them; packed P-W (type 2) is kept as sent (the recorder's R-W interleaving is not
// modelled, as for SAO's packed R-W: docs/raw-cd.md).

import {
  CHANNEL_BYTES,
  decodeQ,
  packRawPW,
  pChannel,
  RAW_SECTOR_BYTES,
} from '../../scsi/cd/index.js';
import { FULL_SECTOR_BYTES } from './cd-sectors.js';
import { qOf } from './cd-map.js';
import type { DriveCore } from './core.js';

/** Q POINT of the mode 5 entry giving the next program area's start (Orange Book). */
const POINT_NEXT_PROGRAM_AREA = 0xb0;
/** TNO of a lead-out Q frame. */
const TNO_LEAD_OUT = 0xaa;
/** Lead-in sectors searched for B0: the TOC cycles within far fewer (102 entries × 3 + mode 5). */
const LEAD_IN_SEARCH = 1000;

/** Data Block Type 1: 2,352 bytes of main channel + 16 bytes of P-Q (src/scsi/cd/pq16.ts). */
const RAW_PQ = 1;
const RAW_PQ_BYTES = 2368;

/**
 * The sectors a raw WRITE records, as kept (2,448 bytes each), from its data-out in the Data
 * Block Type's size. Type 1: Q is the block's bytes 0..11 and P its byte 15 bit 7, taken as sent
 * (bytes 12..14 are not looked at, as a recorder does not); types 2 and 3 are kept as they are.
 */
export function rawSectorsAsKept(dataBlockType: number, data: Uint8Array): Uint8Array {
  if (dataBlockType !== RAW_PQ) return data;
  const count = data.length / RAW_PQ_BYTES;
  const out = new Uint8Array(count * FULL_SECTOR_BYTES);
  for (let i = 0; i < count; i++) {
    const from = data.subarray(i * RAW_PQ_BYTES, (i + 1) * RAW_PQ_BYTES);
    const to = out.subarray(i * FULL_SECTOR_BYTES, (i + 1) * FULL_SECTOR_BYTES);
    to.set(from.subarray(0, RAW_SECTOR_BYTES));
    const pq = from.subarray(RAW_SECTOR_BYTES);
    const p = ((pq[15] as number) & 0x80) !== 0;
    packRawPW(pChannel(p), pq.subarray(0, CHANNEL_BYTES), undefined, to.subarray(RAW_SECTOR_BYTES));
  }
  return out;
}

/** Q of a recorded 2,448-byte sector when its CRC holds; undefined otherwise. */
async function goodQ(core: DriveCore, lba: number): Promise<Uint8Array | undefined> {
  const block = await core.store.readBlock(lba);
  if (block?.length !== FULL_SECTOR_BYTES) return undefined;
  const q = qOf(block);
  return decodeQ(q).crcOk ? q : undefined;
}

/** Whether the lead-in written in [from, to) allows a next session (B0 with an address). */
async function leadInAllowsNext(core: DriveCore, from: number, to: number): Promise<boolean> {
  for (let lba = from; lba < Math.min(to, from + LEAD_IN_SEARCH); lba++) {
    const q = await goodQ(core, lba);
    if (q === undefined || ((q[0] ?? 0) & 0x0f) !== 5 || q[1] !== 0) continue;
    if (q[2] !== POINT_NEXT_PROGRAM_AREA) continue;
    return !(q[3] === 0xff && q[4] === 0xff && q[5] === 0xff);
  }
  return false;
}

/** SYNCHRONIZE CACHE in raw mode: closes the session when its lead-out has been written. */
export async function finishRawSession(core: DriveCore): Promise<void> {
  const disc = core.disc;
  const ctx = core.writeContext();
  if (disc?.spec.family !== 'cd' || ctx.writeType !== 3 || ctx.testWrite) return;
  const t = disc.invisibleTrack;
  if (t === undefined || t.nwa <= t.first) return;
  const last = await goodQ(core, t.nwa - 1);
  if (last === undefined || ((last[0] ?? 0) & 0x0f) !== 1 || last[1] !== TNO_LEAD_OUT) return;
  // The lead-out's first sector: the run of lead-out frames the host ended with.
  let leadOut = t.nwa - 1;
  while (leadOut > t.first && (await goodQ(core, leadOut - 1))?.[1] === TNO_LEAD_OUT) leadOut--;
  const programArea = t.start - 150;
  const next =
    t.first < programArea
      ? await leadInAllowsNext(core, t.first, programArea)
      : core.writeParameters.multiSession !== 0;
  disc.close(2, t.number, ctx, next, leadOut);
  core.dirty = true;
  core.generation++;
}
