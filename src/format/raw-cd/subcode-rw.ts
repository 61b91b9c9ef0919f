// The caller's R-W sub-channel for a raw CD image (IRawCDImageCreator::AddSubcodeRWGenerator:
// an IStream of 96 bytes a sector for every sector of the image, the two most significant bits of
// each byte zero because they are the P and Q bits). In discwright's terms the stream is bytes
// (a Uint8Array) or an iterable / async iterable of byte chunks of any size, read once per pass
// over the image and cut into 96-byte blocks here; each byte's bits 5..0 are R..W of one symbol.
// CD+G is the use case. What is checked and when: docs/raw-cd.md, "R-W from the caller".

import { DwError, HR, invalidArgument } from '../../errors.js';
import { Format2RawCdDataSectorType } from './layout.js';

/** Bytes of R-W a sector carries: one 6-bit symbol in each of 96 bytes. */
export const RW_BLOCK_BYTES = 96;

/** What addSubcodeRWGenerator takes: the whole stream, or its chunks. */
export type SubcodeRWSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Refuses `what` (CD-TEXT, an R-W generator: something needing R-W; undefined: nothing) with
 * result type `type` when that is PQ_ONLY, whose 2,368-byte sectors carry no R-W.
 */
export function refuseWithoutRW(what: string | undefined, type: Format2RawCdDataSectorType): void {
  if (what !== undefined && type === Format2RawCdDataSectorType.SUBCODE_PQ_ONLY) {
    throw new DwError(HR.E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, {
      message: `${what} needs the R-W sub-channel, which PQ_ONLY images (2,368-byte sectors) do not carry`,
    });
  }
}

/** Checks the source's kind, and that bytes hold whole sectors' R-W (multiples of 96 bytes). */
export function checkSubcodeRWKind(source: SubcodeRWSource): void {
  if (source instanceof Uint8Array) {
    if (source.length === 0 || source.length % RW_BLOCK_BYTES !== 0) {
      throw invalidArgument(
        `the R-W sub-code holds ${source.length} bytes, not whole sectors of ${RW_BLOCK_BYTES}`,
      );
    }
    return;
  }
  const it = source as Partial<Iterable<Uint8Array> & AsyncIterable<Uint8Array>>;
  if (typeof it[Symbol.iterator] !== 'function' && typeof it[Symbol.asyncIterator] !== 'function') {
    throw invalidArgument('the R-W sub-code is neither bytes nor an (async) iterable of bytes');
  }
}

/** With the image's size known: bytes must hold exactly 96 for each of its sectors. */
export function checkSubcodeRWLength(source: SubcodeRWSource, sectorCount: number): void {
  if (source instanceof Uint8Array) {
    if (source.length !== sectorCount * RW_BLOCK_BYTES) {
      throw invalidArgument(
        `the R-W sub-code holds ${source.length} bytes; the image has ${sectorCount} sectors of ${RW_BLOCK_BYTES} (${sectorCount * RW_BLOCK_BYTES} bytes)`,
      );
    }
  }
}

/**
 * Reads the stream one sector's 96 bytes at a time, in image order. A stream that ends early or
 * holds more than the image's sectors fails with E_FAIL naming the LBA; a byte with bit 7 or 6
 * set (P/Q bits) with E_INVALIDARG naming the LBA and the byte.
 */
export class SubcodeRWReader {
  readonly #chunks: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #at = 0;

  constructor(source: SubcodeRWSource) {
    if (source instanceof Uint8Array) {
      this.#chunks = [source][Symbol.iterator]();
    } else if (Symbol.asyncIterator in source) {
      this.#chunks = source[Symbol.asyncIterator]();
    } else {
      this.#chunks = source[Symbol.iterator]();
    }
  }

  /** Fills `out` (96 bytes) with the R-W of sector `lba`. */
  async next(lba: number, out: Uint8Array): Promise<void> {
    let filled = 0;
    while (filled < RW_BLOCK_BYTES) {
      if (this.#at >= this.#chunk.length) {
        const r = await this.#chunks.next();
        if (r.done === true) {
          throw new DwError(HR.E_FAIL, {
            message: `the R-W sub-code ended at LBA ${lba} (${filled} of its ${RW_BLOCK_BYTES} bytes); it must cover every sector of the image`,
          });
        }
        if (!(r.value instanceof Uint8Array)) {
          throw invalidArgument(`the R-W sub-code gave a ${typeof r.value}, not bytes`);
        }
        this.#chunk = r.value;
        this.#at = 0;
        continue;
      }
      const n = Math.min(RW_BLOCK_BYTES - filled, this.#chunk.length - this.#at);
      out.set(this.#chunk.subarray(this.#at, this.#at + n), filled);
      this.#at += n;
      filled += n;
    }
    for (let i = 0; i < RW_BLOCK_BYTES; i++) {
      if ((out[i] as number) & 0xc0) {
        throw invalidArgument(
          `R-W sub-code byte ${i} of LBA ${lba} is 0x${(out[i] as number).toString(16)}: bits 7 and 6 (P, Q) must be zero`,
        );
      }
    }
  }

  /** After the last sector: the stream must hold nothing more. */
  async end(lba: number): Promise<void> {
    while (this.#at >= this.#chunk.length) {
      const r = await this.#chunks.next();
      if (r.done === true) return;
      this.#chunk = r.value;
      this.#at = 0;
    }
    await this.close();
    throw new DwError(HR.E_FAIL, {
      message: `the R-W sub-code runs past the image's last sector (LBA ${lba - 1}); it must hold 96 bytes for each sector, no more`,
    });
  }

  /** Lets the stream release what it holds (an iteration stopped early). */
  async close(): Promise<void> {
    await this.#chunks.return?.();
  }
}
