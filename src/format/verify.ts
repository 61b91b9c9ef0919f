// Burn verification (IBurnVerification; IMAPI_BURN_VERIFICATION_LEVEL remarks for
// MsftDiscFormat2Data, docs/burning.md "Verification"). While the engine reads the source, a
// RecordingReader keeps what verification compares against: the SHA-256 of the whole stream, a
// CRC-32 per 2048-byte block (to name the first differing LBA) and copies of the sampled blocks.
// QUICK: READ DISC INFORMATION and READ TRACK INFORMATION of every track decode, the written
// range is recorded, and the sampled blocks (first, last and up to 14 spread between) read back
// equal. FULL: QUICK, then every written block is read back and compared.

import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { DwError, HR } from '../errors.js';
import type { BlockReader } from '../engine/index.js';
import type { DiscRecorder } from '../device/recorder.js';
import { readBlockChunks } from '../device/media-ops.js';
import { ReadTrackAddressType } from '../device/types.js';

const SECTOR = 2048;
/** Sampled blocks of a QUICK verification: first, last and up to this many between. */
const MIDDLE_SAMPLES = 14;

/** The block indices QUICK compares: 0, blocks − 1 and evenly spread ones between. */
export function sampleIndices(blocks: number): number[] {
  const set = new Set<number>([0, blocks - 1]);
  const between = Math.min(MIDDLE_SAMPLES, Math.max(0, blocks - 2));
  for (let i = 1; i <= between; i++) set.add(Math.floor((i * (blocks - 1)) / (between + 1)));
  return [...set].filter((i) => i >= 0).sort((a, b) => a - b);
}

/** A BlockReader that records what passes through it (digest, per-block CRC, samples). */
export class RecordingReader implements BlockReader {
  readonly #inner: BlockReader;
  readonly #hash: Hash = createHash('sha256');
  readonly #crcs: Uint32Array;
  readonly #wanted: ReadonlySet<number>;
  readonly #samples = new Map<number, Uint8Array>();
  readonly #carry = new Uint8Array(SECTOR);
  #carried = 0;
  #block = 0;
  #digest: string | undefined;

  constructor(inner: BlockReader, blocks: number) {
    this.#inner = inner;
    this.#crcs = new Uint32Array(blocks);
    this.#wanted = new Set(sampleIndices(blocks));
  }

  async readInto(dst: Uint8Array): Promise<number> {
    const n = await this.#inner.readInto(dst);
    if (n > 0) this.#take(dst.subarray(0, n));
    return n;
  }

  #take(bytes: Uint8Array): void {
    this.#hash.update(bytes);
    let at = 0;
    while (at < bytes.length) {
      if (this.#carried === 0 && bytes.length - at >= SECTOR) {
        this.#blockDone(bytes.subarray(at, at + SECTOR));
        at += SECTOR;
        continue;
      }
      const n = Math.min(SECTOR - this.#carried, bytes.length - at);
      this.#carry.set(bytes.subarray(at, at + n), this.#carried);
      this.#carried += n;
      at += n;
      if (this.#carried === SECTOR) {
        this.#blockDone(this.#carry);
        this.#carried = 0;
      }
    }
  }

  #blockDone(block: Uint8Array): void {
    const i = this.#block++;
    if (i >= this.#crcs.length) return; // the engine never reads past the section; be safe
    this.#crcs[i] = crc32(block);
    if (this.#wanted.has(i)) this.#samples.set(i, block.slice());
  }

  /** Blocks seen whole so far. */
  get blocksSeen(): number {
    return this.#block;
  }

  /** SHA-256 (hex) of everything read; fixed at the first call. */
  digest(): string {
    this.#digest ??= this.#hash.digest('hex');
    return this.#digest;
  }

  crcOf(index: number): number | undefined {
    return index < this.#block ? this.#crcs[index] : undefined;
  }

  samples(): ReadonlyMap<number, Uint8Array> {
    return this.#samples;
  }
}

export interface VerifyRange {
  readonly lba: number;
  readonly blocks: number;
  /** Sequential media: the written range must lie in a recorded track. */
  readonly sequential: boolean;
}

function mismatch(lba: number, message: string, cause?: unknown): DwError {
  return new DwError(HR.E_IMAPI_BURN_VERIFICATION_FAILED, {
    message,
    lba,
    hint: 'The disc does not hold what was written: burn it again, at a lower speed or on another disc.',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A read failure during verification, as a verification failure naming the LBA. */
function readFailure(e: unknown, lba: number): DwError {
  if (e instanceof DwError && e.hr === HR.E_IMAPI_REQUEST_CANCELLED) return e;
  const at = e instanceof DwError && e.lba !== undefined ? e.lba : lba;
  const what = e instanceof Error ? e.message : String(e);
  return mismatch(at, `reading back LBA ${at} failed: ${what}`, e);
}

/** The QUICK checks (also the first part of FULL). */
export async function verifyQuick(
  recorder: DiscRecorder,
  range: VerifyRange,
  rec: RecordingReader,
): Promise<void> {
  let disc;
  try {
    disc = await recorder.discInformation();
    let covered = !range.sequential;
    for (let n = disc.numberOfFirstTrackOnDisc; n <= disc.lastTrackNumberInLastSession; n++) {
      const t = await recorder.trackInformation(n, ReadTrackAddressType.TRACK);
      const start = t.logicalTrackStartAddress;
      const end =
        t.lraV && t.lastRecordedAddress !== undefined
          ? t.lastRecordedAddress + 1
          : start + t.logicalTrackSize;
      if (start <= range.lba && range.lba + range.blocks <= end && !t.blank) covered = true;
      if (t.damage && start <= range.lba + range.blocks - 1 && range.lba < end) {
        throw mismatch(start, `track ${n}, which holds the written data, is damaged`);
      }
    }
    if (!covered) {
      throw mismatch(
        range.lba,
        `no recorded track holds LBA ${range.lba}..${range.lba + range.blocks - 1} after the burn`,
      );
    }
  } catch (e) {
    if (e instanceof DwError && e.hr === HR.E_IMAPI_BURN_VERIFICATION_FAILED) throw e;
    throw readFailure(e, range.lba);
  }
  for (const [index, expected] of rec.samples()) {
    const lba = range.lba + index;
    let got: Uint8Array;
    try {
      got = await recorder.readBlocks(lba, 1, SECTOR);
    } catch (e) {
      throw readFailure(e, lba);
    }
    if (got.length !== SECTOR || !Buffer.from(got).equals(expected)) {
      throw mismatch(lba, `LBA ${lba} reads back different from the data written there`);
    }
  }
}

/**
 * FULL: every block read back (READ(10) in transfer-sized chunks), each block's CRC-32 compared
 * with the source's (the first difference names its LBA), then the SHA-256 of the whole read-back
 * compared with the source's. `progress` gets the blocks verified so far after each chunk.
 */
export async function verifyFull(
  recorder: DiscRecorder,
  range: VerifyRange,
  rec: RecordingReader,
  progress: (blocksVerified: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  await verifyQuick(recorder, range, rec);
  const hash = createHash('sha256');
  let done = 0;
  const chunks = readBlockChunks(recorder, { lba: range.lba, blocks: range.blocks });
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await chunks.next();
    } catch (e) {
      throw readFailure(e, range.lba + done);
    }
    if (next.done === true) break;
    const chunk = next.value;
    if (chunk.length % SECTOR !== 0) {
      throw mismatch(
        range.lba + done,
        `the drive returned ${chunk.length} bytes, not whole blocks`,
      );
    }
    for (let at = 0; at < chunk.length; at += SECTOR) {
      const index = done + at / SECTOR;
      if (crc32(chunk.subarray(at, at + SECTOR)) !== rec.crcOf(index)) {
        const lba = range.lba + index;
        throw mismatch(lba, `LBA ${lba} is the first block that reads back different`);
      }
    }
    hash.update(chunk);
    done += chunk.length / SECTOR;
    progress(done);
    if (signal?.aborted === true) {
      throw new DwError(HR.E_IMAPI_REQUEST_CANCELLED, { message: 'verification cancelled' });
    }
  }
  const actual = hash.digest('hex');
  if (done !== range.blocks || actual !== rec.digest()) {
    throw mismatch(
      range.lba,
      `read-back SHA-256 ${actual} of ${done} blocks differs from the written ${rec.digest()}`,
    );
  }
}

/**
 * Beyond IMAPI2 (`discwright verify`): compare an image with what the disc holds from `lba`,
 * reading the image through a RecordingReader first and then the disc as FULL verification does.
 */
export async function verifyImage(
  recorder: DiscRecorder,
  image: BlockReader,
  range: { readonly lba: number; readonly blocks: number },
  progress: (blocksVerified: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const rec = new RecordingReader(image, range.blocks);
  const chunk = new Uint8Array(64 * SECTOR);
  for (;;) {
    const n = await rec.readInto(chunk);
    if (n === 0) break;
  }
  if (rec.blocksSeen !== range.blocks) {
    throw new DwError(HR.E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED, {
      message: `the image ended after ${rec.blocksSeen} of ${range.blocks} blocks`,
    });
  }
  await verifyFull(recorder, { ...range, sequential: false }, rec, progress, signal);
  return rec.digest();
}
