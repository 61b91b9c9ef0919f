// The virtual drive's Session-at-Once plan (MMC-6 6.33 SEND CUE SHEET): the cue sheet checked the
// way a recorder checks it (05/26/00 with the field pointer on the byte in error, 05/26/01 for a
// data form it does not support), then the session it describes: which form every LBA from the
// session's pregap (−150 in the first session) to the lead-out takes, and the Q sub-channel the drive writes for each (docs/raw-cd.md,
// "Virtual drive").

import {
  CUE_TNO_LEAD_OUT,
  cueMainFormBytes,
  CueMainForm,
  CueSubchannelForm,
} from '../../scsi/mmc/send-cue-sheet.js';
import { failAt, Sense } from './check.js';

/** One ADR 1 point of the plan (absolute LBA). */
export interface PlanPoint {
  readonly control: number;
  readonly trackNumber: number;
  readonly index: number;
  readonly dataForm: number;
  readonly lba: number;
}

/** A track of the plan: its points and where index 1 starts. */
export interface PlanTrack {
  readonly number: number;
  readonly control: number;
  readonly index1: number;
  /** First LBA of the track (index 0 if it has one, else index 1). */
  readonly first: number;
  readonly isrc: string | undefined;
}

export interface CuePlan {
  readonly leadInForm: number;
  /** The session's first pregap sector: −150, or 150 before a later session's program area. */
  readonly pregap: number;
  readonly points: readonly PlanPoint[];
  readonly tracks: readonly PlanTrack[];
  readonly leadOut: number;
  readonly mediaCatalogNumber: string | undefined;
  /** Next LBA the host sends (the lead-in start when CD-TEXT is sent, else the pregap on). */
  next: number;
}

const GENERATED = new Set<number>([
  CueMainForm.CD_DA_GENERATED,
  CueMainForm.MODE1_GENERATED,
  CueMainForm.MODE2_GENERATED,
]);
const XA_FORMS = new Set([0x20, 0x21, 0x22, 0x23, 0x24]);

function bad(at: number, detail: string, bitPointer?: number): never {
  return failAt(
    Sense.INVALID_FIELD_IN_PARAMETER_LIST,
    { commandData: false, fieldPointer: at, ...(bitPointer !== undefined ? { bitPointer } : {}) },
    `cue sheet: ${detail}`,
  );
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isIsrcChar = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x5a);

/** Checks the DATA FORM byte at `at` against the CTL of its point. */
function checkForm(b: Uint8Array, at: number, control: number, leadInOrOut: boolean): void {
  const form = b[at + 3] as number;
  const main = form & 0x3f;
  const sub = form & 0xc0;
  if (XA_FORMS.has(main)) {
    failAt(Sense.PARAMETER_NOT_SUPPORTED, { commandData: false, fieldPointer: at + 3 }, 'XA form');
  }
  const size = cueMainFormBytes(main);
  if (size === undefined || sub === 0x80) bad(at + 3, `data form ${form.toString(16)}h`);
  const data = (control & 0x4) !== 0;
  const dataForm = main >= 0x10;
  if (data !== dataForm) bad(at + 3, 'data form does not match CTL');
  if (leadInOrOut && !GENERATED.has(main)) bad(at + 3, 'lead-in/lead-out must be generated');
  if (leadInOrOut && sub === CueSubchannelForm.PACKED_RW) bad(at + 3, 'packed R-W in the lead-in');
}

/** Where the session a cue sheet describes lies on the disc. */
export interface CueSession {
  /** The last possible start of the lead-out (the ATIP's). */
  readonly capacity: number;
  /** The session's lead-in start (the ATIP's in the first session). */
  readonly leadInStart: number;
  /** The first pregap sector: −150 in the first session, the program area's start − 150 later. */
  readonly pregap: number;
  /** The number a later session's first track must take (one past the TOC's last); the first
   *  session's may start anywhere (IMAPI2's startingTrackNumber). */
  readonly firstTrackNumber: number | undefined;
}

/**
 * Validates a cue sheet and returns the session plan. Its times are absolute: the lead-in and the
 * first track's index 0 sit at the session's first pregap sector (00:00:00 in the first session),
 * as libburn and cdrecord write them for an appendable disc.
 */
export function planCueSheet(b: Uint8Array, where: CueSession): CuePlan {
  const { capacity, leadInStart, pregap, firstTrackNumber } = where;
  let mcn: string | undefined;
  const isrcs = new Map<number, [string, number]>();
  const points: PlanPoint[] = [];
  let leadInForm: number | undefined;
  let leadOut: number | undefined;
  let pendingIsrc: [string, number, number] | undefined;
  for (let at = 0; at < b.length; at += 8) {
    const adr = (b[at] as number) & 0x0f;
    const control = (b[at] as number) >> 4;
    if (leadOut !== undefined) bad(at, 'entry after the lead-out');
    if (adr === 2 || adr === 3) {
      if (at + 16 > b.length || ((b[at + 8] as number) & 0x0f) !== adr) {
        bad(at + 8 < b.length ? at + 8 : at, `ADR ${adr} needs a second descriptor`, 3);
      }
      if (adr === 2) {
        if (leadInForm !== undefined || mcn !== undefined) bad(at, 'catalogue number out of place');
        const digits = [...b.subarray(at + 1, at + 8), ...b.subarray(at + 9, at + 15)];
        const wrong = digits.findIndex((c) => !isDigit(c));
        if (wrong >= 0) bad(wrong < 7 ? at + 1 + wrong : at + 2 + wrong, 'catalogue digit');
        if (b[at + 15] !== 0) bad(at + 15, 'catalogue descriptor byte 7');
        mcn = String.fromCharCode(...digits);
      } else {
        if (leadInForm === undefined) bad(at, 'ISRC before the lead-in');
        if (b[at + 9] !== b[at + 1]) bad(at + 9, 'ISRC descriptors name different tracks');
        const chars = [...b.subarray(at + 2, at + 8), ...b.subarray(at + 10, at + 16)];
        for (const [i, c] of chars.entries()) {
          const ok = i < 5 ? isIsrcChar(c) : isDigit(c);
          if (!ok) bad(i < 6 ? at + 2 + i : at + 4 + i, 'ISRC character');
        }
        pendingIsrc = [String.fromCharCode(...chars), b[at + 1] as number, at + 1];
      }
      at += 8;
      continue;
    }
    if (adr !== 1) bad(at, `ADR ${adr}`, 3);
    const tno = b[at + 1] as number;
    const index = b[at + 2] as number;
    const [m, s, f] = [b[at + 5] as number, b[at + 6] as number, b[at + 7] as number];
    if (m > 99) bad(at + 5, 'MIN');
    if (s > 59) bad(at + 6, 'SEC');
    if (f > 74) bad(at + 7, 'FRAME');
    if (((b[at + 4] as number) & 0x7f) !== 0) bad(at + 4, 'reserved SCMS bits');
    const lba = (m * 60 + s) * 75 + f - 150;
    if (leadInForm === undefined) {
      if (tno !== 0) bad(at + 1, 'the first point must be the lead-in (TNO 0)');
      if (index !== 0) bad(at + 2, 'lead-in index');
      if (lba !== pregap) bad(at + 5, 'lead-in time must be the session start');
      checkForm(b, at, control, true);
      leadInForm = b[at + 3];
      continue;
    }
    const prev = points[points.length - 1];
    if (tno === CUE_TNO_LEAD_OUT) {
      if (prev === undefined) bad(at + 1, 'lead-out without tracks');
      if (index !== 1) bad(at + 2, 'lead-out index must be 01');
      checkForm(b, at, control, true);
      if (lba <= prev.lba) bad(at + 5, 'time goes back');
      leadOut = lba;
      if (lba > capacity) bad(at + 5, `lead-out ${lba} beyond the disc (${capacity})`);
      continue;
    }
    if (tno < 1 || tno > 99) bad(at + 1, `TNO ${tno}`);
    checkForm(b, at, control, false);
    if (prev === undefined || tno !== prev.trackNumber) {
      if (prev !== undefined && tno !== prev.trackNumber + 1) bad(at + 1, 'tracks out of order');
      if (prev !== undefined && prev.index === 0) bad(at + 1, 'previous track has no index 1');
      if (index > 1) bad(at + 2, 'a track starts at index 0 or 1');
      if (prev === undefined && firstTrackNumber !== undefined && tno !== firstTrackNumber) {
        bad(at + 1, `the session's first track is ${firstTrackNumber}`);
      }
      if (prev === undefined && (index !== 0 || lba !== pregap)) {
        bad(index !== 0 ? at + 2 : at + 5, 'the first track starts with index 0 at the session');
      }
    } else {
      if (index !== prev.index + 1 || index > 99) bad(at + 2, 'indexes out of order');
      if ((control & 0x4) !== (prev.control & 0x4)) bad(at, 'CTL changes within a track', 7);
    }
    if (prev !== undefined && lba <= prev.lba) bad(at + 5, 'time goes back');
    if (
      index === 1 &&
      prev?.trackNumber === tno &&
      prev.index === 0 &&
      tno === points[0]?.trackNumber
    ) {
      if (lba - prev.lba < 150) bad(at + 5, 'the first pregap is shorter than 2 seconds');
    }
    if (pendingIsrc !== undefined) {
      if (pendingIsrc[1] !== tno) bad(pendingIsrc[2], 'ISRC for another track');
      isrcs.set(tno, [pendingIsrc[0], pendingIsrc[2]]);
      pendingIsrc = undefined;
    }
    points.push({ control, trackNumber: tno, index, dataForm: b[at + 3] as number, lba });
  }
  if (leadInForm === undefined || leadOut === undefined || points.length === 0) {
    bad(Math.max(0, b.length - 8), 'a cue sheet runs from the lead-in through the lead-out');
  }
  const tracks = buildTracks(points, isrcs, leadOut, b);
  const cdText = (leadInForm & 0xc0) === CueSubchannelForm.RAW_PW;
  return {
    leadInForm,
    pregap,
    points,
    tracks,
    leadOut,
    mediaCatalogNumber: mcn,
    next: cdText ? leadInStart : pregap,
  };
}

function buildTracks(
  points: readonly PlanPoint[],
  isrcs: ReadonlyMap<number, [string, number]>,
  leadOut: number,
  b: Uint8Array,
): PlanTrack[] {
  const tracks: PlanTrack[] = [];
  for (const p of points) {
    if (tracks.length > 0 && tracks[tracks.length - 1]?.number === p.trackNumber) {
      if (p.index === 1) {
        const t = tracks.pop() as PlanTrack;
        tracks.push({ ...t, index1: p.lba });
      }
      continue;
    }
    tracks.push({
      number: p.trackNumber,
      control: p.control,
      index1: p.lba,
      first: p.lba,
      isrc: isrcs.get(p.trackNumber)?.[0],
    });
  }
  // Red Book: a track lasts at least 4 seconds from index 1.
  for (const [i, t] of tracks.entries()) {
    const end = tracks[i + 1]?.first ?? leadOut;
    if (end - t.index1 < 300) {
      const at = points.findIndex((p) => p.trackNumber === t.number && p.index === 1);
      bad(Math.min(b.length - 8, at * 8) + 5, `track ${t.number} is shorter than 4 seconds`);
    }
  }
  return tracks;
}

/** The point in effect at `lba` (pregap ≤ lba < lead-out), and its track. */
export function pointAt(plan: CuePlan, lba: number): { point: PlanPoint; track: PlanTrack } {
  let point = plan.points[0] as PlanPoint;
  for (const p of plan.points) {
    if (p.lba > lba) break;
    point = p;
  }
  const track = plan.tracks.find((t) => t.number === point.trackNumber) as PlanTrack;
  return { point, track };
}

/** Host bytes of sector `lba`: main form plus 96 with sub-channel; 0 when the drive makes it. */
export function hostBytesAt(plan: CuePlan, lba: number): number {
  if (lba < plan.pregap) return (plan.leadInForm & 0xc0) !== 0 ? 96 : 0;
  if (lba >= plan.leadOut) return 0;
  const form = pointAt(plan, lba).point.dataForm;
  const main = cueMainFormBytes(form & 0x3f) ?? 0;
  if (main === 0) return 0;
  return main + ((form & 0xc0) !== 0 ? 96 : 0);
}
