// The sidecar's schema (docs/virtual-drive.md, "Damaged or missing files"): what a sidecar must
// hold for the drive to trust it. Every field is checked for its type and range, the media name,
// the versions, and the layout for being one the disc model (disc.ts) could have produced: tracks
// numbered from 1 and in order without overlap, within the capacity, each NWA within its track,
// sessions closed in order, structures of the sizes SEND DISC STRUCTURE takes, the minimal-blank
// and pseudo-overwrite states only on the media that have them, side-map blocks
// of a sector size the drive writes. A sidecar that carries a digest (every one this drive
// writes) must match it, which catches an edit that leaves a plausible layout (an NWA moved back
// over recorded blocks). Unknown keys are ignored, so a newer writer may add some. Pure but for
// base64 and SHA-256 from Node.

import { createHash } from 'node:crypto';
import { isValidIsrc, isValidMcn } from '../../../scsi/cd/subchannel.js';
import { MAX_TRACKS as CD_MAX_TRACKS, type DiscJson } from '../disc-layout.js';
import { DATA_BLOCK_SIZES, MEDIA, MEDIA_IDS, Profile, type MediaSpec } from '../media.js';
import type { SidecarJson } from './sidecar.js';

/** The sidecar `format` value. */
export const SIDECAR_FORMAT = 'discwright-virtual-disc';

/** Track numbers are 16-bit in READ TRACK INFORMATION: no layout holds more tracks. */
const MAX_TRACK_COUNT = 0xffff;
/** Largest capacity an address accepts (`capacity=`). */
const MAX_CAPACITY = 0x7fffffff;
/** Lengths of the host-written structures (structures.ts). */
const DMI_BYTES = 2048;
const DCB_MIN_BYTES = 40;
const DCB_MAX_BYTES = 16 * 2048;
/** Blocks a raw CD session writes past the capacity: its lead-out (disc.ts checkWrite). */
const CD_LEAD_OUT_BLOCKS = 6750;
/** Pre-gap and lead-in before a later CD session's first track (disc.ts checkWrite). */
const CD_SESSION_LEAD_IN = 150 + 4500;

const BLOCK_SIZES: ReadonlySet<number> = new Set([2048, ...Object.values(DATA_BLOCK_SIZES)]);

/** The SHA-256 digest of a sidecar's text without its digest (`sha256:<hex>`). */
export function sidecarDigest(body: string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** Thrown by the checks below: `where` is the field (`disc.tracks[0].nwa`), `what` its fault. */
export class SidecarFault extends Error {
  constructor(
    readonly where: string,
    readonly what: string,
  ) {
    super(where === '' ? what : `${where} ${what}`);
    this.name = 'SidecarFault';
  }
}

function fault(where: string, what: string): never {
  throw new SidecarFault(where, what);
}

type Json = Record<string, unknown>;

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function object(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    fault(where, `is ${show(v)}, not a JSON object`);
  }
  return v as Json;
}

function array(v: unknown, where: string, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) fault(where, `is ${show(v)}, not a list`);
  if (v.length < min || v.length > max) {
    fault(where, `has ${v.length} entries, not ${min}..${max}`);
  }
  return v;
}

function int(o: Json, key: string, where: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    fault(`${where}.${key}`, `is ${show(v)}, not an integer`);
  }
  if (v < min || v > max) fault(`${where}.${key}`, `is ${v}, outside ${min}..${max}`);
  return v;
}

function bool(o: Json, key: string, where: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fault(`${where}.${key}`, `is ${show(v)}, not true or false`);
  return v;
}

/** Canonical base64 of `min`..`max` bytes; returns the byte count. */
function base64(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    fault(where, `is ${show(v)}, not base64`);
  }
  const bytes = Buffer.from(v, 'base64');
  if (bytes.toString('base64') !== v) fault(where, 'is not canonical base64');
  if (bytes.length < min || bytes.length > max) {
    fault(where, `holds ${bytes.length} bytes, not ${min === max ? min : `${min}..${max}`}`);
  }
  return bytes.length;
}

interface Track {
  readonly number: number;
  readonly session: number;
  readonly start: number;
  readonly nwa: number;
  readonly first: number;
  readonly size: number | undefined;
  readonly reserved: boolean;
  readonly closed: boolean;
}

/** One track, in order after `prev` (undefined for the first). */
function checkTrack(
  v: unknown,
  i: number,
  prev: Track | undefined,
  disc: { spec: MediaSpec; capacity: number; sessions: number; last: boolean },
): Track {
  const where = `disc.tracks[${i}]`;
  const t = object(v, where);
  const { spec, capacity } = disc;
  const cd = spec.family === 'cd';
  const number = int(t, 'number', where, i + 1, i + 1);
  const session = int(t, 'session', where, prev?.session ?? 1, disc.sessions);
  const end = prev === undefined ? 0 : prev.start + (prev.size ?? 0);
  const start = int(t, 'start', where, end, capacity + spec.trackGap);
  const lowest = cd ? (session === 1 ? spec.leadInStart : start - CD_SESSION_LEAD_IN) : start;
  const first = int(t, 'first', where, lowest, start);
  const sizeValue = t.size;
  let size: number | undefined;
  if (sizeValue === undefined || sizeValue === null) {
    if (!disc.last) fault(`${where}.size`, 'is missing; only the last track may be open-ended');
  } else {
    const slack = cd ? CD_LEAD_OUT_BLOCKS : spec.allocationUnit;
    size = int(t, 'size', where, 1, capacity + slack - start);
  }
  const limit = size !== undefined ? start + size : capacity + (cd ? CD_LEAD_OUT_BLOCKS : 0);
  const nwa = int(t, 'nwa', where, first, limit);
  const reserved = bool(t, 'reserved', where);
  const closed = bool(t, 'closed', where);
  bool(t, 'damaged', where);
  if (size === undefined && (reserved || closed)) {
    fault(`${where}.size`, `is missing on a ${closed ? 'closed' : 'reserved'} track`);
  }
  int(t, 'trackMode', where, 0, 15);
  const dataMode = int(t, 'dataMode', where, 1, 15);
  if (dataMode !== 1 && dataMode !== 2 && dataMode !== 15) {
    fault(`${where}.dataMode`, `is ${dataMode}, not 1, 2 or 15`);
  }
  // The codes a CD track's Q carries (Track-at-Once with page 05h's MCVAL/TCVAL), when present.
  for (const [key, valid] of [
    ['mcn', isValidMcn],
    ['isrc', isValidIsrc],
  ] as const) {
    const code = t[key];
    if (code !== undefined && (!cd || typeof code !== 'string' || !valid(code))) {
      fault(`${where}.${key}`, `is ${show(code)}, not ${cd ? `a valid ${key}` : 'allowed here'}`);
    }
  }
  return { number, session, start, nwa, first, size, reserved, closed };
}

/** The layout (`disc`): checked against the media it names and against itself. */
function checkDisc(v: unknown): DiscJson {
  const d = object(v, 'disc');
  int(d, 'version', 'disc', 1, 1);
  const media = d.media;
  if (typeof media !== 'string' || !(MEDIA_IDS as readonly string[]).includes(media)) {
    fault('disc.media', `is ${show(media)}, not one of ${MEDIA_IDS.join(', ')}`);
  }
  const spec = MEDIA[media as (typeof MEDIA_IDS)[number]];
  const formatted = bool(d, 'formatted', 'disc');
  // A BD-R takes FORMAT UNIT (spare areas, SRM+POW) but stays sequential: never `formatted`.
  if (formatted && (spec.formatTypes.length === 0 || spec.id === 'bd-r')) {
    fault('disc.formatted', `is true, but ${spec.name} cannot be formatted for random writing`);
  }
  const profile =
    formatted && spec.id === 'dvd-rw' ? Profile.DVD_RW_RESTRICTED_OVERWRITE : spec.profile;
  int(d, 'profile', 'disc', profile, profile);
  const capacity = int(d, 'capacity', 'disc', 1, MAX_CAPACITY);
  const finalized = bool(d, 'finalized', 'disc');
  if (formatted && finalized) fault('disc.finalized', 'is true on a formatted disc');

  const sessions = array(d.sessions, 'disc.sessions', 1, MAX_TRACK_COUNT);
  sessions.forEach((s, i) => {
    const where = `disc.sessions[${i}]`;
    const session = object(s, where);
    int(session, 'number', where, i + 1, i + 1);
    const closed = bool(session, 'closed', where);
    if (!closed && (i < sessions.length - 1 || finalized)) {
      fault(
        `${where}.closed`,
        `is false, but ${finalized ? 'the disc is finalized' : 'a later session exists'}`,
      );
    }
  });
  const lastSessionClosed = (sessions[sessions.length - 1] as Json).closed === true;

  const maxTracks = spec.family === 'cd' ? CD_MAX_TRACKS : MAX_TRACK_COUNT;
  const tracks = array(d.tracks, 'disc.tracks', 1, maxTracks);
  let prev: Track | undefined;
  tracks.forEach((t, i) => {
    const last = i === tracks.length - 1;
    const track = checkTrack(t, i, prev, { spec, capacity, sessions: sessions.length, last });
    const sessionClosed = track.session < sessions.length || lastSessionClosed;
    if (!track.closed && (sessionClosed || finalized)) {
      fault(`disc.tracks[${i}].closed`, `is false in a closed ${finalized ? 'disc' : 'session'}`);
    }
    prev = track;
  });
  if (formatted) {
    const t = prev;
    if (tracks.length !== 1 || t?.start !== 0 || t.nwa !== capacity || t.size !== capacity) {
      fault('disc.tracks', `of a formatted disc must be one track of ${capacity} blocks`);
    }
  }
  if (d.structures !== undefined) checkStructures(d.structures);
  // States added after the first layout: absent in older sidecars, meaning false.
  if (d.minimallyBlanked !== undefined && bool(d, 'minimallyBlanked', 'disc')) {
    if (spec.id !== 'dvd-rw' || formatted) {
      fault('disc.minimallyBlanked', `is true, but only a sequential DVD-RW is blanked minimally`);
    }
  }
  if (d.bgFormat !== undefined) {
    if (d.bgFormat !== 'running' && d.bgFormat !== 'stopped') {
      fault('disc.bgFormat', `is ${show(d.bgFormat)}, not "running" or "stopped"`);
    }
    if (spec.id !== 'dvd+rw' || !formatted) {
      fault('disc.bgFormat', 'is given, but only a formatted DVD+RW formats in background');
    }
  }
  if (d.pow !== undefined && bool(d, 'pow', 'disc') && spec.id !== 'bd-r') {
    fault('disc.pow', `is true, but only a BD-R is formatted for pseudo-overwrite`);
  }
  if (d.rawCapacity !== undefined) {
    if (formatted) fault('disc.rawCapacity', 'is given for a formatted disc');
    int(d, 'rawCapacity', 'disc', capacity + 1, MAX_CAPACITY);
  }
  return d as unknown as DiscJson;
}

function checkStructures(v: unknown): void {
  const st = object(v, 'disc.structures');
  if (st.dmi !== undefined) base64(st.dmi, 'disc.structures.dmi', DMI_BYTES, DMI_BYTES);
  const stamp = st.timestamp;
  if (stamp !== undefined && (typeof stamp !== 'string' || !/^\d{14}$/.test(stamp))) {
    fault('disc.structures.timestamp', `is ${show(stamp)}, not YYYYMMDDhhmmss`);
  }
  if (st.dcbs === undefined) return;
  const seen = new Set<number>();
  array(st.dcbs, 'disc.structures.dcbs', 0, MAX_TRACK_COUNT).forEach((x, i) => {
    const where = `disc.structures.dcbs[${i}]`;
    const dcb = object(x, where);
    const cd = int(dcb, 'contentDescriptor', where, 1, 0xfffffffe);
    if (seen.has(cd)) fault(`${where}.contentDescriptor`, `${cd} appears twice`);
    seen.add(cd);
    base64(dcb.data, `${where}.data`, DCB_MIN_BYTES, DCB_MAX_BYTES);
    if (Buffer.from(dcb.data as string, 'base64').readUInt32BE(0) !== cd) {
      fault(`${where}.data`, `does not start with its content descriptor ${cd}`);
    }
  });
}

/** Side-map blocks (`odd`): LBA keys within the disc, blocks of a sector size the drive writes. */
function checkOdd(v: unknown, disc: DiscJson, stride: number | null): void {
  const odd = object(v, 'odd');
  const spec = MEDIA[disc.media];
  const lowest = Math.min(0, spec.leadInStart);
  const highest = disc.capacity + (spec.family === 'cd' ? CD_LEAD_OUT_BLOCKS : 0) - 1;
  for (const [key, value] of Object.entries(odd)) {
    const lba = Number(key);
    if (!Number.isSafeInteger(lba) || String(lba) !== key || lba < lowest || lba > highest) {
      fault('odd', `has the key ${show(key)}, not an LBA in ${lowest}..${highest}`);
    }
    const bytes = base64(value, `odd["${key}"]`, 1, Math.max(...BLOCK_SIZES));
    if (!BLOCK_SIZES.has(bytes)) fault(`odd["${key}"]`, `holds ${bytes} bytes, not a sector`);
    if (spec.family !== 'cd')
      fault('odd', `holds LBA ${key}, but ${spec.name} has one sector size`);
    if (lba >= 0 && (stride === null || bytes === stride)) {
      fault(`odd["${key}"]`, `holds a block of the main area's sector size`);
    }
  }
}

/**
 * Checks a parsed sidecar; returns it typed, or throws SidecarFault naming the field. The digest
 * is checked last, so a field that is plainly wrong is named as such.
 */
export function checkSidecar(raw: unknown): SidecarJson<DiscJson> {
  const top = object(raw, 'the sidecar');
  if (top.format !== SIDECAR_FORMAT) {
    fault('format', `is ${show(top.format)}, not "${SIDECAR_FORMAT}": not a discwright sidecar`);
  }
  if (top.version !== 1) {
    fault(
      'version',
      `is ${show(top.version)}; this discwright reads version 1 (a newer one may read it)`,
    );
  }
  const disc = checkDisc(top.disc);
  const stride = top.stride;
  if (stride !== null && (typeof stride !== 'number' || !BLOCK_SIZES.has(stride))) {
    fault(
      'stride',
      `is ${show(stride)}, not null or a sector size (${[...BLOCK_SIZES].join(', ')})`,
    );
  }
  if (stride !== null && MEDIA[disc.media].family !== 'cd' && stride !== 2048) {
    fault('stride', `is ${stride}, but ${MEDIA[disc.media].name} blocks are 2048 bytes`);
  }
  checkOdd(top.odd, disc, stride);
  const extent = recordedExtent(disc, new Set(Object.keys(top.odd as Json).map(Number)));
  if (stride === null && extent !== undefined && extent > 0) {
    fault('stride', `is null, but the tracks record blocks up to LBA ${extent - 1}`);
  }
  const digest = top.digest;
  if (digest !== undefined) {
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      fault('digest', `is ${show(digest)}, not sha256:<64 hex digits>`);
    }
    // The digest covers the sidecar's text as written before the digest was added to it.
    const body: Json = {};
    for (const [k, value] of Object.entries(top)) if (k !== 'digest') body[k] = value;
    if (sidecarDigest(JSON.stringify(body)) !== digest) {
      fault('', 'its content does not match its digest: it was changed after discwright wrote it');
    }
  }
  return top as unknown as SidecarJson<DiscJson>;
}

/** The LBAs of the side map (`odd` keys). */
export function oddLbas(json: SidecarJson<DiscJson>): Set<number> {
  return new Set(Object.keys(json.odd).map(Number));
}

/**
 * Main-area blocks the image must hold for a sequential layout: one past the highest LBA ≥ 0 a
 * track records that is not in the side map (0 when none). A formatted disc reads every block,
 * written or not, so its layout says nothing about the image: undefined.
 */
export function recordedExtent(disc: DiscJson, odd: ReadonlySet<number>): number | undefined {
  if (disc.formatted) return undefined;
  let extent = 0;
  for (const t of disc.tracks) {
    const low = Math.max(t.first, 0);
    let last = t.nwa - 1;
    while (last >= low && odd.has(last)) last--;
    if (last >= low) extent = Math.max(extent, last + 1);
  }
  return extent;
}
