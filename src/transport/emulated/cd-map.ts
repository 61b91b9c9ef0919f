// What a CD player would find on the virtual disc, read from the recorded sectors themselves: for
// sectors kept with their sub-channel (raw DAO and Session-at-Once keep 2,448 bytes), the Q
// channel gives each session's tracks, their indexes and control, the MCN, the ISRCs and where
// the session's lead-out starts, and the first lead-in's R-W the CD-TEXT packs. Track-at-Once
// sectors carry no sub-channel in the store; for them `modelQ` gives the Q the drive wrote from
// its own track table, with the MCN and ISRC page 05h carried when each track was written. READ TOC,
// READ CD and READ SUB-CHANNEL answer from here (docs/raw-cd.md, "Virtual drive").

import {
  CD_TEXT_PACK_BYTES,
  cdTextPacksFromSymbols,
  decodeCdTextPacks,
  decodeQ,
  encodeQ,
  unpackRawPW,
} from '../../scsi/cd/index.js';
import { lbaToMsf } from '../../scsi/mmc/msf.js';
import type { DriveCore } from './core.js';
import type { DiscLayout } from './disc-layout.js';
import { FULL_SECTOR_BYTES } from './cd-sectors.js';

export interface MapTrack {
  readonly number: number;
  /** The session whose program area holds the track. */
  readonly session: number;
  control: number;
  /** First sector of index 0, when the track has a pause. */
  pregap: number | undefined;
  /** Index 1 (the track's start in the TOC). */
  start: number;
  /** Index n's first LBA at [n] (index 0 and 1 included when present). */
  readonly indexes: number[];
  isrc: string | undefined;
  /** The header's mode byte at index 1 of a data track (1 or 2). */
  dataMode: number | undefined;
}

/** A session found on the disc: its tracks and where its lead-out starts. */
export interface MapSession {
  readonly number: number;
  readonly tracks: readonly MapTrack[];
  readonly leadOut: number;
}

export interface CdMap {
  /** The tracks of every session, in order. */
  readonly tracks: readonly MapTrack[];
  readonly sessions: readonly MapSession[];
  /** The last session's lead-out. */
  readonly leadOut: number;
  readonly mediaCatalogNumber: string | undefined;
  /** CD-TEXT packs found in the lead-in's R-W (one cycle), or undefined. */
  readonly cdText: Uint8Array | undefined;
}

const cache = new WeakMap<DriveCore, { generation: number; map: CdMap | undefined }>();

/** The 12 Q bytes of a 2,448-byte sector. */
export function qOf(block: Uint8Array): Uint8Array {
  return unpackRawPW(block.subarray(2352, FULL_SECTOR_BYTES))[1] as Uint8Array;
}

/**
 * The written range of each recorded session: from its pregap (or the first sector written, when
 * later) to its next writable address; the lead-in of a later session is left out.
 */
function sessionRanges(core: DriveCore): { number: number; first: number; end: number }[] {
  const disc = core.disc;
  if (disc === undefined || disc.spec.family !== 'cd') return [];
  const out: { number: number; first: number; end: number }[] = [];
  for (const s of disc.sessions) {
    const tracks = disc.tracks.filter((t) => t.session === s.number && t.nwa > t.first);
    if (tracks.length === 0) continue;
    const pregap = Math.min(...tracks.map((t) => t.start)) - 150;
    const first = Math.max(pregap, Math.min(...tracks.map((t) => t.first)));
    out.push({ number: s.number, first, end: Math.max(...tracks.map((t) => t.nwa)) });
  }
  return out;
}

/** The tracks of one session from the Q of its sectors; undefined without sub-channel. */
async function scanSession(
  core: DriveCore,
  range: { number: number; first: number; end: number },
  found: { mcn: string | undefined },
): Promise<MapSession | undefined> {
  const tracks: MapTrack[] = [];
  let leadOut = range.end;
  for (let lba = range.first; lba < range.end; lba++) {
    const block = await core.store.readBlock(lba);
    if (block?.length !== FULL_SECTOR_BYTES) continue;
    const q = qOf(block);
    const d = decodeQ(q);
    if (!d.crcOk) continue;
    const current = tracks[tracks.length - 1];
    if (d.adr === 2) found.mcn = d.mediaCatalogNumber;
    if (d.adr === 3 && current !== undefined) current.isrc = d.isrc;
    if (d.adr !== 1) continue;
    if (q[1] === 0xaa) {
      leadOut = lba;
      break;
    }
    const tno = d.fields[0];
    const index = d.fields[1];
    if (tno === undefined || tno < 1 || tno > 99 || index === undefined) continue;
    let t = current;
    if (t === undefined || t.number !== tno) {
      t = {
        number: tno,
        session: range.number,
        control: d.control,
        pregap: undefined,
        start: lba,
        indexes: [],
        isrc: undefined,
        dataMode: undefined,
      };
      tracks.push(t);
    }
    if (t.indexes[index] === undefined) {
      t.indexes[index] = lba;
      if (index === 0) t.pregap = lba;
      if (index === 1) {
        t.start = lba;
        t.control = d.control;
        t.dataMode = d.control & 4 ? block[15] : undefined;
      }
    }
  }
  // A track whose index 1 has not been recorded yet (a stream stopped in its pause) is not one.
  const started = tracks.filter((t) => t.indexes[1] !== undefined);
  return started.length === 0 ? undefined : { number: range.number, tracks: started, leadOut };
}

async function scan(core: DriveCore): Promise<CdMap | undefined> {
  const ranges = sessionRanges(core);
  if (ranges.length === 0) return undefined;
  // A session recorded without sub-channel (TAO) leaves the whole disc to the track table: probe
  // every session before reading any session's Q.
  for (const range of ranges) {
    if ((await core.store.readBlock(range.first))?.length !== FULL_SECTOR_BYTES) return undefined;
  }
  const found: { mcn: string | undefined } = { mcn: undefined };
  const sessions: MapSession[] = [];
  for (const range of ranges) {
    // A session whose stream has reached no track yet (its lead-in or pregap only) adds none.
    const session = await scanSession(core, range, found);
    if (session !== undefined) sessions.push(session);
  }
  if (sessions.length === 0) return undefined;
  return {
    tracks: sessions.flatMap((s) => s.tracks),
    sessions,
    leadOut: (sessions[sessions.length - 1] as MapSession).leadOut,
    mediaCatalogNumber: found.mcn,
    cdText: await leadInText(core, core.disc?.spec.leadInStart ?? 0),
  };
}

/** One cycle of CD-TEXT packs from the lead-in's first sectors (CRC-checked, in order); SAO
 *  keeps the lead-in outside any track, raw DAO as the first track's first sectors. */
async function leadInText(core: DriveCore, first: number): Promise<Uint8Array | undefined> {
  if (first >= -150) return undefined;
  const seen = new Set<string>();
  const packs: Uint8Array[] = [];
  // A block holds at most 256 packs: 64 sectors carry a whole cycle.
  for (let lba = first; lba < Math.min(first + 70, -150); lba++) {
    const block = await core.store.readBlock(lba);
    if (block?.length !== FULL_SECTOR_BYTES) return undefined;
    const symbols = Uint8Array.from(block.subarray(2352, FULL_SECTOR_BYTES), (b) => b & 0x3f);
    const bytes = cdTextPacksFromSymbols(symbols);
    for (const [i, p] of decodeCdTextPacks(bytes).entries()) {
      if (!p.crcOk || p.packType < 0x80) continue;
      const key = `${p.blockNumber}:${p.sequenceNumber}`;
      if (seen.has(key)) return join(packs);
      seen.add(key);
      packs.push(bytes.subarray(i * CD_TEXT_PACK_BYTES, (i + 1) * CD_TEXT_PACK_BYTES));
    }
  }
  return join(packs);
}

function join(packs: Uint8Array[]): Uint8Array | undefined {
  if (packs.length === 0) return undefined;
  const out = new Uint8Array(packs.length * CD_TEXT_PACK_BYTES);
  for (const [i, p] of packs.entries()) out.set(p, i * CD_TEXT_PACK_BYTES);
  return out;
}

/** The map of the loaded CD, when its sectors carry a sub-channel (cached until the next write). */
export async function cdMap(core: DriveCore): Promise<CdMap | undefined> {
  const hit = cache.get(core);
  if (hit !== undefined && hit.generation === core.generation) return hit.map;
  const map = await scan(core);
  cache.set(core, { generation: core.generation, map });
  return map;
}

/** Track and index at `lba` by the map. */
export function mapPosition(
  map: CdMap,
  lba: number,
): { track: MapTrack; index: number } | undefined {
  for (const s of map.sessions) {
    let found: { track: MapTrack; index: number } | undefined;
    for (const t of s.tracks) {
      for (const [index, at] of t.indexes.entries()) {
        if (at !== undefined && at <= lba) found = { track: t, index };
      }
    }
    if (found !== undefined && lba < s.leadOut) return found;
  }
  return undefined;
}

/** Where `lba` lies in the drive's track table: a track and whether it is that track's pause. */
export function modelPosition(
  disc: DiscLayout,
  lba: number,
): { track: DiscLayout['tracks'][number]; pause: boolean } | undefined {
  for (const t of disc.tracks) {
    if (!t.closed && t.nwa <= t.start) continue;
    const end = t.closed && t.size !== undefined ? t.start + t.size : t.nwa;
    const pause = lba < t.start && lba >= t.start - 150;
    if (pause || (lba >= t.start && lba < end)) return { track: t, pause };
  }
  return undefined;
}

/**
 * The Q a Track-at-Once recording carries at `lba`, from the drive's track table: index 1 from the
 * track's start, index 0 in the 150 sectors before it (the pause the drive writes), P set there.
 * Inside a track written with page 05h's MCN or ISRC (`codes`), the sector whose absolute frame
 * is 50 mod 100 carries Q mode 2 (MCN) and the one at 25 mod 100 mode 3 (ISRC), as SAO places
 * them (cd-sectors.ts), never the first sector of the track (the second takes its frame): one of
 * each in every 100 sectors of the track, as ECMA-130 asks. `codes` false gives the mode 1 position alone (READ SUB-CHANNEL format 01h).
 */
export function modelQ(
  disc: DiscLayout,
  lba: number,
  codes = true,
): { q: Uint8Array; pause: boolean } | undefined {
  const at = modelPosition(disc, lba);
  if (at === undefined) return undefined;
  const t = at.track;
  const control = t.trackMode & 0x0f;
  if (codes && !at.pause && lba !== t.start) {
    const aframe = (lba + 150) % 75;
    // A frame due on the track's first sector (which keeps its mode 1 index mark) moves to the
    // next one, so no 100 sectors of the track go without it.
    const due = (slot: number) =>
      (lba + 150) % 100 === slot || (lba === t.start + 1 && (t.start + 150) % 100 === slot);
    if (due(50) && t.mcn !== undefined) {
      return {
        q: encodeQ({ adr: 2, control, mediaCatalogNumber: t.mcn, aframe }),
        pause: false,
      };
    }
    if (due(25) && t.isrc !== undefined) {
      return { q: encodeQ({ adr: 3, control, isrc: t.isrc, aframe }), pause: false };
    }
  }
  const q = encodeQ({
    adr: 1,
    control,
    trackNumber: t.number,
    index: at.pause ? 0 : 1,
    relativeFrames: at.pause ? t.start - 1 - lba : lba - t.start,
    absolute: lbaToMsf(lba),
  });
  return { q, pause: at.pause };
}

/** The MCN a Track-at-Once disc's Q carries (the first track's that has one). */
export function modelMcn(disc: DiscLayout): string | undefined {
  return disc.tracks.find((t) => t.mcn !== undefined && t.nwa > t.start)?.mcn;
}
