// The data and raw writers' source: any engine source (IDiscFormat2Data::Write and
// IDiscFormat2RawCD::WriteMedia take an IStream of known size), turned into one forward
// BlockReader with its size in bytes. A Uint8Array and a path know their size; a FileHandle is
// asked (fstat, read from its start); a Readable, an AsyncIterable or a BlockReader needs
// `sizeBytes`. Whole sectors only: 2048 bytes for data, the raw sector type's size for raw.

import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DwError, HR, invalidArgument } from '../errors.js';
import { toBlockReader, type BlockReader, type BlockSource } from '../engine/index.js';

/** The sector size a writer takes, and the HRESULT it refuses another size with. */
export interface SourceSectors {
  readonly bytes: number;
  readonly streamNotSupported: number;
}

const DATA_SECTORS: SourceSectors = {
  bytes: 2048,
  streamNotSupported: HR.E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED,
};

export interface OpenedSource {
  readonly reader: BlockReader;
  readonly bytes: number;
  close(): Promise<void>;
}

function fromBytes(bytes: Uint8Array): BlockReader {
  let at = 0;
  return {
    readInto(dst) {
      const n = Math.min(dst.length, bytes.length - at);
      dst.set(bytes.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
  };
}

function fromHandle(fh: FileHandle, limit: number): BlockReader {
  let position = 0;
  return {
    async readInto(dst) {
      let filled = 0;
      while (filled < dst.length && position < limit) {
        const want = Math.min(dst.length - filled, limit - position);
        const { bytesRead } = await fh.read(dst, filled, want, position);
        if (bytesRead === 0) break;
        filled += bytesRead;
        position += bytesRead;
      }
      return filled;
    },
  };
}

function isFileHandle(x: unknown): x is FileHandle {
  // A Readable on a descriptor (process.stdin) has an `fd` too: it is a stream, not a handle.
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Readable) &&
    typeof (x as FileHandle).fd === 'number' &&
    typeof (x as FileHandle).stat === 'function'
  );
}

function isBlockReader(x: unknown): x is BlockReader {
  return typeof x === 'object' && x !== null && typeof (x as BlockReader).readInto === 'function';
}

function checkSizeOf(bytes: number, s: SourceSectors): number {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new DwError(s.streamNotSupported, {
      message: `the source has ${bytes} bytes: nothing to write`,
    });
  }
  if (bytes % s.bytes !== 0) {
    throw new DwError(s.streamNotSupported, {
      message: `the source has ${bytes} bytes, not a whole number of ${s.bytes}-byte sectors`,
      ...(s.bytes === 2048
        ? {
            hint: 'Pad the image to a multiple of 2048 bytes (ISO 9660 and UDF images already are).',
          }
        : {}),
    });
  }
  return bytes;
}

/** Opens `source`; the size must be known (from the source itself or `sizeBytes`). */
export async function openDataSource(
  source: BlockSource,
  sizeBytes: number | undefined,
  sectors: SourceSectors = DATA_SECTORS,
): Promise<OpenedSource> {
  const checkSize = (bytes: number) => checkSizeOf(bytes, sectors);
  const none = () => Promise.resolve();
  if (source instanceof Uint8Array) {
    const bytes = checkSize(sizeBytes ?? source.length);
    if (bytes > source.length) throw invalidArgument('sizeBytes exceeds the Uint8Array');
    return { reader: fromBytes(source), bytes, close: none };
  }
  if (typeof source === 'string') {
    const fh = await open(source, 'r');
    try {
      const bytes = checkSize(sizeBytes ?? (await fh.stat()).size);
      return { reader: fromHandle(fh, bytes), bytes, close: () => fh.close() };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }
  if (isFileHandle(source)) {
    const bytes = checkSize(sizeBytes ?? (await source.stat()).size);
    return { reader: fromHandle(source, bytes), bytes, close: none };
  }
  if (sizeBytes === undefined) {
    throw new DwError(sectors.streamNotSupported, {
      message: 'the size of a stream source must be given (sizeBytes)',
    });
  }
  const bytes = checkSize(sizeBytes);
  const reader = isBlockReader(source) ? source : toBlockReader(source);
  return { reader, bytes, close: none };
}
