// The CD part of `discwright info`: the tracks (READ TOC format 0), their indexes (found in the
// Q sub-channel READ CD returns, by bisection: Q's index number only grows inside a track), the
// ISRC of each track and the disc's MCN (READ SUB-CHANNEL formats 3 and 2) and the CD-TEXT (READ
// TOC format 5). Each item is asked on its own; what a drive does not answer is left out and
// named in `unavailable` (docs/cd.md, "Reading a CD back").

import type { DiscRecorder } from '../device/recorder.js';
import { decodeFormattedToc, readTocPmaAtip } from '../scsi/mmc/read-toc-pma-atip.js';
import { decodeCdTextTocData } from '../scsi/mmc/read-toc-cd-text.js';
import { decodeReadSubChannelData, readSubChannel } from '../scsi/mmc/read-sub-channel.js';
import { readCd } from '../scsi/mmc/read-cd.js';
import { decodeCdText, type CdText } from '../scsi/cd/cd-text.js';
import { decodeQ, unpackRawPW } from '../scsi/cd/subchannel.js';

export interface CdTrackInfo {
  readonly number: number;
  readonly kind: 'audio' | 'data';
  readonly startLba: number;
  readonly sectors: number;
  /** LBAs of index 2, 3, … (index 1 is startLba). */
  readonly indexLbas: readonly number[];
  readonly isrc: string | null;
}

export interface CdInfo {
  readonly tracks: readonly CdTrackInfo[];
  readonly leadOutLba: number;
  readonly mcn: string | null;
  readonly cdText: CdText | null;
  readonly unavailable: Readonly<Record<string, string>>;
}

/** Indexes looked for per track at most (bisection costs ~20 READ CDs each). */
const MAX_INDEXES_SEARCHED = 99;
/** How far a probe may step past ADR 2/3 frames (one in 100 each) to a position frame. */
const PROBE_STEPS = 8;

/** Track and index of the Q position frame at `lba` or just after it; undefined if none. */
async function qIndexAt(
  r: DiscRecorder,
  lba: number,
): Promise<{ track: number; index: number } | undefined> {
  for (let k = 0; k < PROBE_STEPS; k++) {
    const res = await r.executeCommand(
      readCd({
        lba: lba + k,
        transferLength: 1,
        sync: true,
        headerCodes: 3,
        userData: true,
        edcEcc: true,
        subChannelSelection: 1,
        bytesPerSector: 2448,
      }),
    );
    const data = res.dataIn;
    if (data === undefined || data.length < 2448) return undefined;
    const q = decodeQ(unpackRawPW(data.subarray(2352, 2448))[1] as Uint8Array);
    const [track, index] = q.fields; // mode 1: TNO, INDEX
    if (q.crcOk && q.adr === 1 && track !== undefined && index !== undefined) {
      return { track, index };
    }
  }
  return undefined;
}

type QAt = { track: number; index: number };

/** The first LBA in [lo, hi) whose Q position satisfies `past` (hi when none), by bisection. */
async function firstWhere(
  r: DiscRecorder,
  lo: number,
  hi: number,
  past: (q: QAt) => boolean,
): Promise<number | undefined> {
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const q = await qIndexAt(r, mid);
    if (q === undefined) return undefined;
    if (past(q)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Index 2, 3, … of track `number` (index 1 at `start`); `end` is the next track's index 1, so
 * the next track's pregap (index 0) is found first and left out.
 */
async function indexesOf(
  r: DiscRecorder,
  number: number,
  start: number,
  end: number,
): Promise<number[]> {
  const out: number[] = [];
  const trackEnd = await firstWhere(r, start, end, (q) => q.track !== number);
  if (trackEnd === undefined || trackEnd <= start) return out;
  const last = await qIndexAt(r, Math.max(start, trackEnd - PROBE_STEPS - 1));
  if (last === undefined || last.track !== number) return out;
  let from = start;
  for (let i = 2; i <= Math.min(last.index, MAX_INDEXES_SEARCHED); i++) {
    const at = await firstWhere(r, from, trackEnd, (q) => q.track !== number || q.index >= i);
    if (at === undefined || at >= trackEnd) break;
    out.push(at);
    from = at + 1;
  }
  return out;
}

/** Reads what the drive tells of the CD's tracks, indexes, ISRC/MCN and CD-TEXT. */
export async function gatherCdInfo(r: DiscRecorder): Promise<CdInfo> {
  const unavailable: Record<string, string> = {};
  const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const toc = decodeFormattedToc(
    (await r.executeCommand(readTocPmaAtip({ format: 0 }))).dataIn ?? new Uint8Array(0),
  );
  const entries = toc.descriptors.filter((d) => d.trackNumber !== 0xaa);
  const leadOutLba = toc.descriptors.find((d) => d.trackNumber === 0xaa)?.trackStartAddress ?? 0;
  const tracks: CdTrackInfo[] = [];
  for (const [i, d] of entries.entries()) {
    const end = entries[i + 1]?.trackStartAddress ?? leadOutLba;
    let isrc: string | null = null;
    try {
      const s = decodeReadSubChannelData(
        (
          await r.executeCommand(
            readSubChannel({ subQ: true, format: 3, trackNumber: d.trackNumber }),
          )
        ).dataIn ?? new Uint8Array(0),
      );
      isrc = s.data?.format === 3 ? (s.data.isrc ?? null) : null;
    } catch (e) {
      unavailable[`isrc ${d.trackNumber}`] = why(e);
    }
    let indexLbas: number[] = [];
    try {
      indexLbas = await indexesOf(r, d.trackNumber, d.trackStartAddress, end);
    } catch (e) {
      unavailable[`indexes ${d.trackNumber}`] = why(e);
    }
    tracks.push({
      number: d.trackNumber,
      kind: (d.control & 0x4) !== 0 ? 'data' : 'audio',
      startLba: d.trackStartAddress,
      sectors: end - d.trackStartAddress,
      indexLbas,
      isrc,
    });
  }
  let mcn: string | null = null;
  try {
    const s = decodeReadSubChannelData(
      (await r.executeCommand(readSubChannel({ subQ: true, format: 2 }))).dataIn ??
        new Uint8Array(0),
    );
    mcn = s.data?.format === 2 ? (s.data.mediaCatalogNumber ?? null) : null;
  } catch (e) {
    unavailable.mcn = why(e);
  }
  let cdText: CdText | null = null;
  try {
    const packs = decodeCdTextTocData(
      (await r.executeCommand(readTocPmaAtip({ format: 5 }))).dataIn ?? new Uint8Array(0),
    );
    if (packs.length > 0) cdText = decodeCdText(packs);
  } catch (e) {
    unavailable.cdText = why(e);
  }
  return { tracks, leadOutLba, mcn, cdText, unavailable };
}

/** The text lines of the CD part of `info`. */
export function cdInfoLines(c: CdInfo): string[] {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${`${k}:`.padEnd(14)}${v}`);
  if (c.mcn !== null) row('MCN', c.mcn);
  const album = c.cdText?.album;
  if (album?.title !== undefined || album?.performer !== undefined) {
    row('CD-TEXT', [album.title, album.performer].filter((x) => x !== undefined).join(' / '));
  }
  for (const t of c.tracks) {
    const text = c.cdText?.tracks[t.number - (c.cdText.firstTrackNumber ?? 1)];
    const parts = [
      `${t.kind} at LBA ${t.startLba}, ${t.sectors} sectors`,
      ...(t.indexLbas.length > 0 ? [`indexes at ${t.indexLbas.join(', ')}`] : []),
      ...(t.isrc !== null ? [`ISRC ${t.isrc}`] : []),
      ...(text?.title !== undefined ? [`"${text.title}"`] : []),
      ...(text?.performer !== undefined ? [text.performer] : []),
    ];
    row(`track ${String(t.number).padStart(2, '0')}`, parts.join('; '));
  }
  row('lead-out', `LBA ${c.leadOutLba}`);
  return lines;
}
