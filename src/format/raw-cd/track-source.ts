// A raw CD track's source: the bytes given to RawCDImageCreator.addTrack (a Uint8Array or a file
// path), what they hold (PCM, a WAVE file's PCM, or 2,048-byte user data from an ISO), and a
// forward reader of its sectors with read-ahead. The file is checked again when it is read: a
// source that shrank after addTrack fails the image rather than being padded. A source may also be
// a window of a file (a CUE sheet's track inside a BIN), its samples byte-swapped (MOTOROLA), or
// several windows one after the other (a CUE track whose pregap lies in the previous FILE).

import { open, stat, type FileHandle } from 'node:fs/promises';
import { DwError, HR, invalidArgument } from '../../errors.js';
import { CdSectorType, isAudio } from './layout.js';
import { looksLikeWav, parseWavHeader } from './wav.js';

/**
 * A window of a file: `length` bytes from `offset`, taken as they are (no WAVE detection);
 * `byteSwap` swaps each pair of bytes (big-endian 16-bit PCM). A discwright extension.
 */
export interface SourceSlice {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
  readonly byteSwap?: boolean;
  /** How errors name it (default: the path). */
  readonly name?: string;
}

/**
 * Windows of files played one after the other (a CUE track whose pregap ends one FILE and whose
 * data starts the next); every window but the last holds whole sectors. A discwright extension.
 */
export interface SourceSlices {
  readonly slices: readonly SourceSlice[];
  /** How errors name it (default: the first window's name). */
  readonly name?: string;
}

export type RawTrackSource = Uint8Array | string | SourceSlice | SourceSlices;

/** Bytes of source data per sector for the sector types addTrack takes. */
export function userBytesPerSector(t: CdSectorType): number | undefined {
  switch (t) {
    case CdSectorType.AUDIO:
      return 2352;
    case CdSectorType.MODE1:
    case CdSectorType.MODE2FORM1:
      return 2048;
    case CdSectorType.MODE2FORM2:
      return 2324;
    case CdSectorType.MODE2FORM0:
      return 2336;
    case CdSectorType.MODE1RAW:
    case CdSectorType.MODE2FORM0RAW:
    case CdSectorType.MODE2FORM1RAW:
    case CdSectorType.MODE2FORM2RAW:
      return 2352;
    case CdSectorType.MODE_ZERO:
      return undefined;
  }
}

/** Where a track's data lies in its source. */
export interface TrackData {
  readonly source: Uint8Array | string;
  readonly name: string;
  readonly byteSwap: boolean;
  readonly offset: number;
  readonly bytes: number;
  readonly sectorBytes: number;
  readonly sectorCount: number;
  /** Leading sectors of the source that are the track's pregap (index 0); 0 by default. */
  readonly pregapInSource?: number;
  /** A source of several windows (SourceSlices): each window's data, in order. */
  readonly parts?: readonly TrackData[];
}

const MAX_SLICES = 99;

const WAV_HEAD_BYTES = 64 * 1024;

async function headOf(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Describes a source for a track of `sectorType`. Audio: a WAVE file (detected by its RIFF
 * header) gives its "data" chunk, anything else is raw CD-DA PCM; a last partial sector is padded
 * with silence. Data: whole sectors of user data only.
 */
export async function describeTrackSource(
  source: RawTrackSource,
  sectorType: CdSectorType,
  sectorBytes: number,
): Promise<TrackData> {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    if ('slices' in source) return describeSlices(source, sectorType, sectorBytes);
    return describeSlice(source, sectorType, sectorBytes);
  }
  const name = typeof source === 'string' ? source : 'the track data';
  let size: number;
  let head: Uint8Array;
  try {
    size = typeof source === 'string' ? (await stat(source)).size : source.length;
    head =
      typeof source === 'string'
        ? await headOf(source, Math.min(size, WAV_HEAD_BYTES))
        : source.subarray(0, WAV_HEAD_BYTES);
  } catch (e) {
    throw new DwError(HR.E_INVALIDARG, { message: `${name}: cannot be read`, cause: e });
  }
  let offset = 0;
  let bytes = size;
  if (isAudio(sectorType) && looksLikeWav(head)) {
    ({ dataOffset: offset, dataBytes: bytes } = parseWavHeader(head, size, name));
  } else if (!isAudio(sectorType) && bytes % sectorBytes !== 0) {
    throw invalidArgument(
      `${name}: ${bytes} bytes is not a whole number of ${sectorBytes}-byte sectors`,
    );
  }
  if (bytes === 0) throw invalidArgument(`${name}: holds no data`);
  return {
    source,
    name,
    byteSwap: false,
    offset,
    bytes,
    sectorBytes,
    sectorCount: Math.ceil(bytes / sectorBytes),
  };
}

async function describeSlice(
  slice: SourceSlice,
  sectorType: CdSectorType,
  sectorBytes: number,
): Promise<TrackData> {
  const name = slice.name ?? slice.path;
  const { offset, length } = slice;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length <= 0) {
    throw invalidArgument(`${name}: window of ${length} bytes at ${offset}`);
  }
  let size: number;
  try {
    size = (await stat(slice.path)).size;
  } catch (e) {
    throw new DwError(HR.E_INVALIDARG, { message: `${name}: cannot be read`, cause: e });
  }
  if (offset + length > size) {
    throw invalidArgument(
      `${name}: bytes ${offset}..${offset + length - 1} lie past the end of the file (${size} bytes)`,
    );
  }
  if (!isAudio(sectorType) && length % sectorBytes !== 0) {
    throw invalidArgument(
      `${name}: ${length} bytes is not a whole number of ${sectorBytes}-byte sectors`,
    );
  }
  return {
    source: slice.path,
    name,
    byteSwap: slice.byteSwap === true,
    offset,
    bytes: length,
    sectorBytes,
    sectorCount: Math.ceil(length / sectorBytes),
  };
}

async function describeSlices(
  source: SourceSlices,
  sectorType: CdSectorType,
  sectorBytes: number,
): Promise<TrackData> {
  const slices: readonly SourceSlice[] = source.slices;
  const name = source.name ?? slices[0]?.name ?? slices[0]?.path ?? 'the track data';
  const count: unknown = (slices as { length?: unknown } | undefined)?.length;
  if (typeof count !== 'number' || count === 0 || count > MAX_SLICES) {
    throw invalidArgument(`${name}: 1..${MAX_SLICES} windows, got ${String(count)}`);
  }
  const parts: TrackData[] = [];
  for (let i = 0; i < slices.length; i++) {
    const part = await describeSlice(slices[i] as SourceSlice, sectorType, sectorBytes);
    // A partial sector inside the track would shift every sample after it.
    if (i < slices.length - 1 && part.bytes % sectorBytes !== 0) {
      throw invalidArgument(
        `${part.name}: ${part.bytes} bytes is not a whole number of ${sectorBytes}-byte sectors, and more data follows it in the track`,
      );
    }
    parts.push(part);
  }
  const head = parts[0] as TrackData;
  const bytes = parts.reduce((n, p) => n + p.bytes, 0);
  return {
    ...head,
    name,
    bytes,
    sectorCount: Math.ceil(bytes / sectorBytes),
    parts,
  };
}

/** Swaps each pair of bytes of `b` in place (big-endian <-> little-endian 16-bit samples). */
function swapPairs(b: Uint8Array): void {
  for (let i = 0; i + 1 < b.length; i += 2) {
    const t = b[i] as number;
    b[i] = b[i + 1] as number;
    b[i + 1] = t;
  }
}

const READ_AHEAD_SECTORS = 32;

/** Reads a track's sectors in order (random access allowed, read-ahead favours forward). */
export class TrackReader {
  readonly #data: TrackData;
  readonly #fh: FileHandle | undefined;
  readonly #buf: Uint8Array;
  #bufFirst = 0;
  #bufSectors = 0;

  private constructor(data: TrackData, fh: FileHandle | undefined) {
    this.#data = data;
    this.#fh = fh;
    this.#buf = new Uint8Array(fh === undefined ? 0 : READ_AHEAD_SECTORS * data.sectorBytes);
  }

  /** A source of several windows: one reader per window, opened when first read. */
  #parts: (TrackReader | undefined)[] = [];

  static async open(data: TrackData): Promise<TrackReader> {
    if (data.parts !== undefined) {
      const r = new TrackReader(data, undefined);
      r.#parts = data.parts.map(() => undefined);
      return r;
    }
    if (typeof data.source !== 'string') return new TrackReader(data, undefined);
    try {
      return new TrackReader(data, await open(data.source, 'r'));
    } catch (e) {
      throw new DwError(HR.E_FAIL, { message: `${data.name}: cannot be opened`, cause: e });
    }
  }

  /** Copies sector `n`'s data into `dst` (sectorBytes long), zero-padding a last partial one. */
  async readSector(n: number, dst: Uint8Array): Promise<void> {
    if (this.#data.parts !== undefined) return this.#readPart(n, dst);
    const { sectorBytes, bytes, offset } = this.#data;
    const want = Math.min(sectorBytes, bytes - n * sectorBytes);
    if (typeof this.#data.source !== 'string') {
      const at = offset + n * sectorBytes;
      dst.set(this.#data.source.subarray(at, at + want));
    } else {
      if (n < this.#bufFirst || n >= this.#bufFirst + this.#bufSectors) await this.#fill(n);
      const at = (n - this.#bufFirst) * sectorBytes;
      const have = Math.min(want, this.#bufSectors * sectorBytes - at);
      if (have < want) {
        throw new DwError(HR.E_FAIL, {
          message: `${this.#data.name}: ended at sector ${n} of ${this.#data.sectorCount}; it changed after addTrack`,
        });
      }
      dst.set(this.#buf.subarray(at, at + want));
    }
    if (this.#data.byteSwap) swapPairs(dst.subarray(0, want));
    dst.fill(0, want, sectorBytes);
  }

  async #readPart(n: number, dst: Uint8Array): Promise<void> {
    let first = 0;
    for (const [i, part] of (this.#data.parts ?? []).entries()) {
      if (n < first + part.sectorCount) {
        const reader = this.#parts[i] ?? (this.#parts[i] = await TrackReader.open(part));
        return reader.readSector(n - first, dst);
      }
      first += part.sectorCount;
    }
    throw new DwError(HR.E_FAIL, { message: `${this.#data.name}: no sector ${n}` });
  }

  async #fill(n: number): Promise<void> {
    const { sectorBytes, bytes, offset } = this.#data;
    const len = Math.min(this.#buf.length, bytes - n * sectorBytes);
    const fh = this.#fh as FileHandle;
    let got = 0;
    while (got < len) {
      const { bytesRead } = await fh.read(
        this.#buf,
        got,
        len - got,
        offset + n * sectorBytes + got,
      );
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.#bufFirst = n;
    // Whole sectors only, except at the very end of the data (the padded last audio sector).
    this.#bufSectors = got === len ? Math.ceil(got / sectorBytes) : Math.floor(got / sectorBytes);
  }

  #closed = false;

  /** Closes the file (once; later calls do nothing). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fh?.close();
    for (const part of this.#parts) await part?.close();
  }
}

const PCM_CHUNK_SECTORS = 27;

/** The track's PCM as chunks of whole 2,352-byte sectors (the last padded with silence). */
export async function* pcmChunks(data: TrackData): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = await TrackReader.open(data);
  try {
    for (let s = 0; s < data.sectorCount; s += PCM_CHUNK_SECTORS) {
      const n = Math.min(PCM_CHUNK_SECTORS, data.sectorCount - s);
      const chunk = new Uint8Array(n * 2352);
      for (let i = 0; i < n; i++) {
        await reader.readSector(s + i, chunk.subarray(i * 2352, (i + 1) * 2352));
      }
      // The engine may not end the iteration after the last chunk: close before yielding it.
      if (s + n >= data.sectorCount) await reader.close();
      yield chunk;
    }
  } finally {
    await reader.close();
  }
}
