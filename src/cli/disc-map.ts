// `discwright info --map` (issue #22; docs/disc-map.md): the disc's layout from READ DISC
// INFORMATION and READ TRACK INFORMATION of every track: sessions, tracks with their mode, state
// and size, the NWA, free space, and the gaps between sessions (lead-out and lead-in, which the
// drive does not describe further). Drawn as one proportional bar with a legend; `--json` prints
// the same structure. Every figure is the drive's; a track it cannot describe is left out and
// named in `unavailable`.

import type { DiscRecorder } from '../device/recorder.js';
import { ReadTrackAddressType } from '../device/types.js';
import { DwError } from '../errors.js';
import type { TrackInformation } from '../scsi/mmc/read-track-information.js';
import { DISC_STATUS, formatMB, mediaFamilyOfProfile } from './format.js';

/** Tracks read at most (a CD has at most 99; DVD±R and BD-R a few thousand). */
export const MAP_MAX_TRACKS = 8192;

export type TrackState = 'complete' | 'open' | 'invisible' | 'reserved';

export interface MapTrack {
  readonly number: number;
  readonly session: number;
  readonly state: TrackState;
  /** `data`, `data mode 1`, `data mode 2`, `audio`. */
  readonly mode: string;
  readonly startLba: number;
  /** The track's size (an invisible track's is the free space after its start). */
  readonly blocks: number;
  /** Blocks recorded in it. */
  readonly recordedBlocks: number;
  readonly nextWritableAddress: number | null;
  readonly freeBlocks: number;
}

export type SegmentKind = 'track' | 'free' | 'reserved' | 'gap' | 'closed';

/** One stretch of the bar, in LBA order; together they cover 0..capacity. */
export interface MapSegment {
  readonly kind: SegmentKind;
  readonly startLba: number;
  readonly blocks: number;
  readonly track?: number;
  readonly session?: number;
  readonly label: string;
}

export interface DiscMap {
  readonly status: 'blank' | 'appendable' | 'complete' | 'random-writable';
  readonly capacityBlocks: number;
  readonly sessions: readonly {
    readonly number: number;
    readonly state: 'complete' | 'open';
    readonly tracks: readonly MapTrack[];
  }[];
  readonly nextWritableAddress: number | null;
  readonly freeBlocks: number;
  readonly segments: readonly MapSegment[];
  readonly unavailable: Readonly<Record<string, string>>;
}

function stateOf(t: TrackInformation): TrackState {
  if (t.rt) return 'reserved';
  if (t.blank) return 'invisible';
  return t.nwaV ? 'open' : 'complete';
}

function modeOf(t: TrackInformation, cd: boolean): string {
  if (!cd) return 'data';
  // Track Mode bit 2 (MMC-6 Table 6-5, CONTROL field): set for data tracks.
  if ((t.trackMode & 0x04) === 0) return 'audio';
  return t.dataMode === 1 || t.dataMode === 2 ? `data mode ${t.dataMode}` : 'data';
}

function recordedOf(t: TrackInformation, state: TrackState): number {
  if (state === 'complete') return t.logicalTrackSize;
  if (t.nwaV) return Math.max(0, t.nextWritableAddress - t.logicalTrackStartAddress);
  return 0;
}

/** Reads the layout. Throws only when READ DISC INFORMATION fails (no disc, no drive). */
export async function readDiscMap(recorder: DiscRecorder, cd: boolean): Promise<DiscMap> {
  const disc = await recorder.discInformation({ msf: cd });
  const unavailable: Record<string, string> = {};
  const tracks: MapTrack[] = [];
  const first = disc.numberOfFirstTrackOnDisc;
  const last = Math.min(disc.lastTrackNumberInLastSession, first + MAP_MAX_TRACKS - 1);
  for (let n = first; n <= last; n++) {
    try {
      const t = await recorder.trackInformation(n, ReadTrackAddressType.TRACK);
      const state = stateOf(t);
      tracks.push({
        number: t.logicalTrackNumber,
        session: t.sessionNumber,
        state,
        mode: modeOf(t, cd),
        startLba: t.logicalTrackStartAddress,
        blocks: t.logicalTrackSize,
        recordedBlocks: Math.min(recordedOf(t, state), t.logicalTrackSize),
        nextWritableAddress: t.nwaV ? t.nextWritableAddress : null,
        freeBlocks: t.freeBlocks,
      });
    } catch (e) {
      unavailable[`track ${n}`] = e instanceof DwError ? e.code : String(e);
    }
  }
  tracks.sort((a, b) => a.startLba - b.startLba);
  const trackEnd = tracks.reduce((m, t) => Math.max(m, t.startLba + t.blocks), 0);
  const leadOut = disc.lastPossibleLeadOutStartAddress;
  // An invisible or open last track runs to the end of the disc: its end is the capacity the
  // drive means. Otherwise the last possible lead-out start is (when the drive gives one).
  const lastTrack = tracks.at(-1);
  const capacityBlocks =
    (lastTrack !== undefined && lastTrack.state !== 'complete') || leadOut === null || leadOut <= 0
      ? trackEnd
      : Math.max(leadOut, trackEnd);
  const status = DISC_STATUS[disc.discStatus];
  const sessionNumbers = [...new Set(tracks.map((t) => t.session))].sort((a, b) => a - b);
  const lastSession = disc.numberOfSessions;
  const sessions = sessionNumbers.map((number) => ({
    number,
    state:
      number < lastSession || status === 'complete' || status === 'random-writable'
        ? ('complete' as const)
        : ('open' as const),
    tracks: tracks.filter((t) => t.session === number),
  }));
  const writable = tracks.find((t) => t.nextWritableAddress !== null && t.state !== 'complete');
  return {
    status,
    capacityBlocks,
    sessions,
    nextWritableAddress: status === 'complete' ? null : (writable?.nextWritableAddress ?? null),
    freeBlocks: tracks.reduce((sum, t) => sum + (t.state === 'complete' ? 0 : t.freeBlocks), 0),
    segments: segmentsOf(tracks, capacityBlocks, status),
    unavailable,
  };
}

function segmentsOf(
  tracks: readonly MapTrack[],
  capacity: number,
  status: DiscMap['status'],
): MapSegment[] {
  const out: MapSegment[] = [];
  let at = tracks[0]?.startLba ?? 0;
  let prevSession: number | undefined;
  for (const t of tracks) {
    if (t.startLba > at) {
      out.push({
        kind: 'gap',
        startLba: at,
        blocks: t.startLba - at,
        label:
          prevSession !== undefined && prevSession !== t.session
            ? `lead-out of session ${prevSession} and lead-in of session ${t.session}`
            : 'gap',
      });
    }
    const where = { track: t.number, session: t.session };
    if (t.recordedBlocks > 0) {
      out.push({
        kind: 'track',
        startLba: t.startLba,
        blocks: t.recordedBlocks,
        ...where,
        label: `track ${t.number} (session ${t.session}, ${t.mode}, ${t.state})`,
      });
    }
    const rest = t.blocks - t.recordedBlocks;
    if (rest > 0) {
      out.push({
        kind: t.state === 'reserved' ? 'reserved' : 'free',
        startLba: t.startLba + t.recordedBlocks,
        blocks: rest,
        ...where,
        label:
          t.state === 'reserved'
            ? `reserved for track ${t.number}, not yet written`
            : `free (${t.state === 'invisible' ? 'invisible' : 'open'} track ${t.number})`,
      });
    }
    at = Math.max(at, t.startLba + t.blocks);
    prevSession = t.session;
  }
  if (capacity > at) {
    out.push({
      kind: status === 'complete' ? 'closed' : 'gap',
      startLba: at,
      blocks: capacity - at,
      label: status === 'complete' ? 'not writable (disc finalized)' : 'not described by the drive',
    });
  }
  return out;
}

const BAR: Record<SegmentKind, readonly string[]> = {
  track: ['█', '▓'],
  free: ['·'],
  reserved: ['▒'],
  gap: ['░'],
  closed: ['×'],
};

/** The bar's cells per segment: proportional, at least one for every segment. */
export function barCells(segments: readonly MapSegment[], width: number): number[] {
  const total = segments.reduce((s, x) => s + x.blocks, 0);
  if (total === 0) return segments.map(() => 0);
  const cells = segments.map((s) => Math.max(1, Math.round((s.blocks / total) * width)));
  // Take back what rounding and the minimum added from the widest segments.
  let excess = cells.reduce((a, b) => a + b, 0) - width;
  while (excess > 0) {
    const i = cells.indexOf(Math.max(...cells));
    if ((cells[i] ?? 0) <= 1) break;
    cells[i] = (cells[i] ?? 1) - 1;
    excess--;
  }
  return cells;
}

/** The text form: status line, the bar between brackets, a legend line per segment. */
export function discMapText(m: DiscMap, width = 60): string {
  const lines: string[] = [];
  const sessions = m.sessions.length;
  lines.push(
    `disc map: ${m.status}, ${sessions} session(s), ${m.sessions.reduce((n, s) => n + s.tracks.length, 0)} track(s), ` +
      `${m.capacityBlocks} blocks (${formatMB(m.capacityBlocks * 2048)})`,
  );
  const cells = barCells(m.segments, width);
  let bar = '';
  let trackIndex = 0;
  const glyphs = m.segments.map((s) => {
    const set = BAR[s.kind];
    const g = s.kind === 'track' ? (set[trackIndex++ % set.length] ?? '█') : (set[0] ?? '?');
    return g;
  });
  m.segments.forEach((_, i) => (bar += (glyphs[i] ?? '?').repeat(cells[i] ?? 0)));
  lines.push(`[${bar}]`);
  m.segments.forEach((s, i) => {
    const end = s.startLba + s.blocks - 1;
    lines.push(
      `  ${glyphs[i] ?? '?'} ${s.label}: LBA ${s.startLba}..${end}, ${s.blocks} blocks (${formatMB(s.blocks * 2048)})`,
    );
  });
  lines.push(
    `  NWA ${m.nextWritableAddress === null ? 'none' : String(m.nextWritableAddress)}, ` +
      `free ${m.freeBlocks} blocks (${formatMB(m.freeBlocks * 2048)})`,
  );
  for (const [k, v] of Object.entries(m.unavailable)) lines.push(`  ${k}: unavailable (${v})`);
  return lines.join('\n');
}

/** What `info --map` prints: the text form, or the structure as JSON. */
export async function mapCommandOutput(recorder: DiscRecorder, json: boolean): Promise<string> {
  let cd = false;
  try {
    cd = mediaFamilyOfProfile(await recorder.getCurrentProfile()) === 'CD';
  } catch {
    cd = false; // no profile: the track modes are shown without CD's distinctions
  }
  const map = await readDiscMap(recorder, cd);
  return json ? JSON.stringify(map, null, 2) : discMapText(map);
}
