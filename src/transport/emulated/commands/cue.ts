// Session-at-Once on the virtual CD-R/RW: SEND CUE SHEET (MMC-6 6.33) and the WRITEs that follow
// it. The cue sheet is checked (cue-plan.ts); the host then sends, in order, the lead-in's CD-TEXT
// (96 bytes a sector, when the lead-in's data form says so) and every sector from the session's
// pregap (−150 in the first session) whose form it supplies, each in its form's size; the drive makes the generated ones (pauses in 01h/14h/34h)
// itself. Every sector is kept as 2,448 bytes with the sub-channel the drive writes
// (cd-sectors.ts). The host's data goes through the drive buffer as any WRITE's does (underruns,
// a full buffer: block-io.ts), and an injected write fault fails the WRITE with nothing of it
// recorded. SYNCHRONIZE CACHE after the last sector writes the lead-out and closes the session.

import { decodeSendCueSheetCdb } from '../../../scsi/mmc/send-cue-sheet.js';
import { fail, failAt, Sense } from '../check.js';
import type { DriveCore } from '../core.js';
import { hostBytesAt, planCueSheet, type CuePlan } from '../cue-plan.js';
import { cdMap } from '../cd-map.js';
import { composeLeadInSector, composeSector, FULL_SECTOR_BYTES } from '../cd-sectors.js';
import { cdbOf, EMPTY, parameterList, type Exchange, type Handler } from './exchange.js';
import { pace } from './pace.js';

export const sendCueSheet: Handler = async (core, x) => {
  const cdb = cdbOf(x, decodeSendCueSheetCdb);
  const disc = core.media();
  if (disc.spec.family !== 'cd') {
    // Session-at-Once with a cue sheet is CD Mastering: not a mode of DVD or BD media.
    fail(Sense.ILLEGAL_MODE_FOR_THIS_TRACK, undefined, 'SEND CUE SHEET needs CD media');
  }
  if (core.writeParameters.writeType !== 2) {
    fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'Write Type is not Session-at-Once');
  }
  const size = cdb.cueSheetSize;
  // The CD Mastering feature reports a Maximum Cue Sheet Length of FFFFh (features.ts).
  if (size === 0 || size % 8 !== 0 || size > 0xffff) {
    failAt(Sense.INVALID_FIELD_IN_CDB, { commandData: true, fieldPointer: 6 }, 'cue sheet size');
  }
  const t = disc.invisibleTrack;
  if (disc.finalized || t === undefined || t.nwa !== t.start || t.first !== t.start) {
    fail(Sense.COMMAND_SEQUENCE_ERROR, undefined, 'no empty session to record');
  }
  const bytes = parameterList(x, size);
  // A later session (the previous one closed with Multi-session 11b) starts after the overhead
  // the close left (disc.ts); its tracks are numbered on from the TOC's last one.
  const map = t.session > 1 ? await cdMap(core) : undefined;
  core.cue = planCueSheet(bytes, {
    capacity: Math.min(disc.capacity, disc.rawCapacity),
    leadInStart: disc.lastSessionLeadIn(),
    pregap: t.start - 150,
    firstTrackNumber:
      t.session > 1 ? (map?.tracks[map.tracks.length - 1]?.number ?? t.number - 1) + 1 : undefined,
  });
};

/** The drive records the generated sectors from `plan.next` on (pauses it makes itself). */
function generatedRun(plan: CuePlan, until: number): number {
  let n = plan.next;
  while (n < until && n >= plan.pregap && n < plan.leadOut && hostBytesAt(plan, n) === 0) n++;
  return n;
}

/** A WRITE while a cue sheet is in effect. */
export async function saoWrite(core: DriveCore, x: Exchange, lba: number, count: number) {
  const plan = core.cue as CuePlan;
  const disc = core.media();
  const data = x.command.dataOut ?? EMPTY;
  if (count === 0) return;
  const gapEnd = generatedRun(plan, lba);
  if (lba !== gapEnd) {
    fail(Sense.INVALID_ADDRESS_FOR_WRITE, lba, `Session-at-Once expects LBA ${gapEnd}`);
  }
  if (lba < plan.pregap && plan.next < plan.pregap && lba + count > plan.pregap) {
    fail(Sense.INVALID_ADDRESS_FOR_WRITE, lba, 'a WRITE ends the lead-in before the pregap');
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const n = lba + i;
    if (n >= plan.leadOut) fail(Sense.LBA_OUT_OF_RANGE, n, 'the cue sheet ends at the lead-out');
    const size = hostBytesAt(plan, n);
    if (size === 0) fail(Sense.INVALID_ADDRESS_FOR_WRITE, n, 'the drive generates this sector');
    total += size;
  }
  if (data.length !== total) {
    fail(
      Sense.ILLEGAL_MODE_FOR_THIS_TRACK,
      undefined,
      `${data.length} bytes, the cue sheet says ${total}`,
    );
  }
  const ctx = core.writeContext();
  const fault = x.faults.hit('write', lba, count);
  if (fault !== undefined) fail(fault.sense, fault.lba >>> 0);
  await pace(core, x, disc.invisibleTrack, lba, data.length);
  if (lba < plan.pregap) {
    // Lead-in: CD-TEXT symbols, kept with the sectors but outside any track.
    for (let i = 0; i < count; i++) {
      const sector = composeLeadInSector(data.subarray(i * 96, i * 96 + 96));
      if (!ctx.testWrite) await core.store.write(lba + i, FULL_SECTOR_BYTES, sector);
    }
    plan.next = lba + count;
    core.generation++;
    return;
  }
  // From the pregap on: the generated run before `lba`, the host's sectors, the run after.
  const from = Math.max(plan.next, plan.pregap);
  const sectors: Uint8Array[] = [];
  for (let n = from; n < lba; n++) sectors.push(composeSector(plan, n, EMPTY));
  let at = 0;
  for (let i = 0; i < count; i++) {
    const size = hostBytesAt(plan, lba + i);
    sectors.push(composeSector(plan, lba + i, data.subarray(at, at + size)));
    at += size;
  }
  plan.next = lba + count;
  const after = generatedRun(plan, plan.leadOut);
  for (let n = plan.next; n < after; n++) sectors.push(composeSector(plan, n, EMPTY));
  plan.next = after;
  const first = plan.tracks[0];
  const sectorCtx = {
    ...ctx,
    trackMode: first?.control ?? 0,
    dataMode: ((plan.points[1]?.dataForm ?? 0) & 0x3f) >= 0x30 ? 2 : 1,
  };
  const track = disc.checkWrite(from, sectors.length, sectorCtx);
  if (!ctx.testWrite) {
    const bytes = new Uint8Array(sectors.length * FULL_SECTOR_BYTES);
    for (const [i, s] of sectors.entries()) bytes.set(s, i * FULL_SECTOR_BYTES);
    if (from + sectors.length > 0 && core.store.stride === undefined) {
      await core.fixStride(FULL_SECTOR_BYTES);
    }
    await core.store.write(from, FULL_SECTOR_BYTES, bytes);
  }
  disc.commitWrite(track, from, sectors.length, sectorCtx);
  core.dirty = true;
  core.generation++;
  if (!ctx.testWrite) core.recorded(data.length);
}

/** SYNCHRONIZE CACHE after the cue sheet's last sector: lead-out written, session closed. */
export function finishSao(core: DriveCore): void {
  const plan = core.cue;
  const disc = core.disc;
  if (plan === undefined || disc === undefined || plan.next < plan.leadOut) return;
  const t = disc.invisibleTrack;
  core.cue = undefined;
  if (t === undefined) return;
  disc.close(2, t.number, core.writeContext(), core.writeParameters.multiSession !== 0);
  core.dirty = true;
  core.generation++;
}
