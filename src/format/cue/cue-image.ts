// A CUE/BIN (or CUE/WAVE) into RawCDImageCreator tracks: reads the sheet (bounded), finds each
// FILE beside it, works out where each track's pregap and data lie in its file from the INDEX
// points, and adds the tracks with their pregaps, postgaps, indexes, ISRC, flags and the
// CATALOG. Errors name the sheet's line. Rules and the subset: docs/cd.md, "CUE sheets".

import { open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { DwError } from '../../errors.js';
import { CdSectorType } from '../../device/types.js';
import { RawCDImageCreator, ImapiCdTrackDigitalCopySetting } from '../raw-cd-image-creator.js';
import { parseWavHeader } from '../raw-cd/wav.js';
import type { RawTrackSource, SourceSlice } from '../raw-cd/track-source.js';
import { readCueCdTextFile } from './cue-cd-text.js';
import { readBoundedFile } from './read-bounded.js';
import {
  CUE_LIMITS,
  CUE_SECTOR_BYTES,
  cueError,
  parseCueSheet,
  type CueFile,
  type CueIndex,
  type CueSheet,
  type CueTrack,
  type CueTrackType,
} from './cue-sheet.js';

/** The sector type each CUE track type becomes (raw 2,352-byte data is written as it is). */
export const CUE_TRACK_SECTOR_TYPE: Readonly<Record<CueTrackType, CdSectorType>> = {
  AUDIO: CdSectorType.AUDIO,
  'MODE1/2048': CdSectorType.MODE1,
  'MODE1/2352': CdSectorType.MODE1RAW,
  'MODE2/2336': CdSectorType.MODE2FORM0,
  'MODE2/2352': CdSectorType.MODE2FORM0RAW,
};

/** The first track's pregap is the disc's first 2 seconds (LBA −150..−1). */
const FIRST_PREGAP = 150;
const WAV_HEAD_BYTES = 64 * 1024;

/** A FILE of the sheet as found on disk: where its sectors lie. */
interface ResolvedFile {
  readonly path: string;
  readonly dataOffset: number;
  readonly dataBytes: number;
}

/** Reads and parses a CUE sheet (at most CUE_LIMITS.maxBytes; UTF-8, or Latin-1 if not UTF-8). */
export async function readCueSheet(path: string): Promise<CueSheet> {
  const bytes = await readBoundedFile(path, CUE_LIMITS.maxBytes, {
    tooLarge: (size) => {
      throw cueError(path, 0, `${size} bytes; a CUE sheet holds at most ${CUE_LIMITS.maxBytes}`);
    },
    unreadable: (e) => {
      throw cueError(path, 0, 'cannot be read', e);
    },
  });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('latin1').decode(bytes);
  }
  return parseCueSheet(text, path);
}

/** Where a FILE named in `sheet` lies: beside the sheet unless absolute. */
export function cueFilePath(sheet: CueSheet, path: string): string {
  return isAbsolute(path) ? path : join(dirname(sheet.name), path);
}

async function resolveFile(sheet: CueSheet, f: CueFile): Promise<ResolvedFile> {
  const path = cueFilePath(sheet, f.path);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw cueError(sheet.name, f.line, `FILE ${path} cannot be read`, e);
  }
  if (f.type !== 'WAVE') return { path, dataOffset: 0, dataBytes: size };
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(Math.min(size, WAV_HEAD_BYTES));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const wav = parseWavHeader(head.subarray(0, bytesRead), size, path);
    return { path, dataOffset: wav.dataOffset, dataBytes: wav.dataBytes };
  } catch (e) {
    throw cueError(sheet.name, f.line, e instanceof Error ? e.message : String(e), e);
  } finally {
    await fh.close();
  }
}

/** Runs `f`; a DwError it throws is told again with the sheet's line in front. */
async function atLine<T>(sheet: CueSheet, line: number, f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof DwError && !e.message.startsWith(`${sheet.name}:`)) {
      throw new DwError(e.hr, { message: `${sheet.name}:${line}: ${e.message}`, cause: e });
    }
    throw e;
  }
}

/**
 * The window of the FILE before a track's own that holds its pregap: from its INDEX 00 to that
 * file's end, in whole sectors (a partial last sector would shift the track's audio).
 */
function pregapWindow(
  sheet: CueSheet,
  t: CueTrack,
  pf: ResolvedFile,
  sectorBytes: number,
): SourceSlice {
  const zero = t.indexes[0] as CueIndex;
  const from = zero.frames * sectorBytes;
  if (pf.dataBytes % sectorBytes !== 0) {
    throw cueError(
      sheet.name,
      zero.line,
      `track ${t.number}'s pregap ends ${pf.path}, which is not whole ${sectorBytes}-byte sectors (${pf.dataBytes} bytes)`,
    );
  }
  if (from >= pf.dataBytes) {
    throw cueError(
      sheet.name,
      zero.line,
      `INDEX 00 at ${msfText(zero.frames)} lies past the end of ${pf.path} (${pf.dataBytes / sectorBytes} sectors)`,
    );
  }
  return {
    path: pf.path,
    offset: pf.dataOffset + from,
    length: pf.dataBytes - from,
    byteSwap: t.pregapFile?.type === 'MOTOROLA',
    name: `${pf.path} (track ${t.number}'s pregap)`,
  };
}

const msfText = (frames: number) => {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(frames / 4500))}:${p(Math.floor(frames / 75) % 60)}:${p(frames % 75)}`;
};

/**
 * Adds the tracks of `sheet` to `creator` (a new one by default) and sets its media catalogue
 * number. CD-TEXT fields stay in the sheet (docs/cd.md: what is written of them).
 */
export async function addCueTracks(
  sheet: CueSheet,
  creator: RawCDImageCreator = new RawCDImageCreator(),
): Promise<RawCDImageCreator> {
  const files = new Map<CueFile, ResolvedFile>();
  for (const f of sheet.files) {
    if (sheet.tracks.some((t) => t.file === f || t.pregapFile === f)) {
      files.set(f, await resolveFile(sheet, f));
    }
  }
  if (sheet.catalog !== undefined) {
    const catalog = sheet.catalog;
    const line = sheet.files[0]?.line ?? 1;
    await atLine(sheet, line, () => (creator.mediaCatalogNumber = catalog));
  }
  for (let i = 0; i < sheet.tracks.length; i++) {
    const t = sheet.tracks[i] as CueTrack;
    const next = sheet.tracks[i + 1];
    const file = files.get(t.file) as ResolvedFile;
    const sectorBytes = CUE_SECTOR_BYTES[t.type];
    const inFiles = (o: CueTrack) => [o.file, o.pregapFile];
    const mixed = sheet.tracks.find(
      (o) =>
        inFiles(o).some((f) => f !== undefined && inFiles(t).includes(f)) &&
        CUE_SECTOR_BYTES[o.type] !== sectorBytes,
    );
    if (mixed !== undefined) {
      throw cueError(
        sheet.name,
        t.line,
        `tracks ${t.number} (${t.type}) and ${mixed.number} (${mixed.type}) share a FILE with different sector sizes`,
      );
    }
    const one = t.indexes.find((x) => x.number === 1);
    if (one === undefined) throw cueError(sheet.name, t.line, 'no INDEX 01');
    // The track's first index in its own FILE: INDEX 01 when INDEX 00 lies in the FILE before.
    const first = t.pregapFile === undefined ? (t.indexes[0] as CueIndex) : one;
    const startByte = first.frames * sectorBytes;
    if (startByte >= file.dataBytes) {
      throw cueError(
        sheet.name,
        first.line,
        `INDEX ${String(first.number).padStart(2, '0')} at ${msfText(first.frames)} lies past the end of ${file.path} (${Math.ceil(file.dataBytes / sectorBytes)} sectors)`,
      );
    }
    // The next track's first index ends this one when it lies in this FILE (its INDEX 00 may).
    const nextFirst =
      next !== undefined && (next.pregapFile ?? next.file) === t.file ? next.indexes[0] : undefined;
    const endByte = nextFirst === undefined ? file.dataBytes : nextFirst.frames * sectorBytes;
    if (endByte > file.dataBytes) {
      throw cueError(
        sheet.name,
        nextFirst?.line ?? t.line,
        `INDEX at ${msfText(nextFirst?.frames ?? 0)} lies past the end of ${file.path}`,
      );
    }
    const name = `${file.path} (track ${t.number})`;
    const window: SourceSlice = {
      path: file.path,
      offset: file.dataOffset + startByte,
      length: endByte - startByte,
      byteSwap: t.file.type === 'MOTOROLA',
      name,
    };
    const head =
      t.pregapFile === undefined
        ? undefined
        : pregapWindow(sheet, t, files.get(t.pregapFile) as ResolvedFile, sectorBytes);
    const inFile = head === undefined ? one.frames - first.frames : head.length / sectorBytes;
    const pregap = t.pregapFrames + inFile;
    const source: RawTrackSource = head === undefined ? window : { slices: [head, window], name };
    const sectorType = CUE_TRACK_SECTOR_TYPE[t.type];
    const n = await atLine(sheet, t.line, () =>
      creator.addTrack(sectorType, source, {
        // The disc's first pregap is 2 s at least; a longer one (audio before track 1's index 1)
        // runs on past LBA 0 and moves index 1 there.
        pregapSectors: i === 0 ? Math.max(FIRST_PREGAP, pregap) : pregap,
        pregapFromSource: inFile,
        postgapSectors: t.postgapFrames,
      }),
    );
    const info = creator.trackInfo(n);
    for (const x of t.indexes) {
      if (x.number < 2) continue;
      await atLine(sheet, x.line, () => info.addTrackIndex(x.frames - one.frames));
    }
    if (t.isrc !== undefined) {
      const isrc = t.isrc;
      await atLine(sheet, t.line, () => (info.isrc = isrc));
    }
    if (t.flags.has('DCP')) {
      info.digitalAudioCopySetting = ImapiCdTrackDigitalCopySetting.PERMITTED;
    }
    if (t.flags.has('PRE')) info.audioHasPreemphasis = true;
  }
  return creator;
}

/**
 * Reads a CUE sheet and its files into a RawCDImageCreator (a new one by default), with the
 * CD-TEXT of its CDTEXTFILE when it names one (cue-cd-text.ts).
 */
export async function cueImageCreator(
  path: string,
  creator?: RawCDImageCreator,
): Promise<{ readonly sheet: CueSheet; readonly creator: RawCDImageCreator }> {
  const sheet = await readCueSheet(path);
  const result = await addCueTracks(sheet, creator);
  const text = await readCueCdTextFile(sheet, (p) => cueFilePath(sheet, p));
  const line = sheet.cdTextFile?.line ?? 0;
  if (text !== undefined) await atLine(sheet, line, () => (result.cdText = text));
  return { sheet, creator: result };
}
