// Section sources (spec §2.4.4): what writeSection accepts, and how each kind is read into a
// slot. Every kind is read forward from its current position and never past the bytes the
// section needs; a Readable gets its surplus back with unshift().

import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DwError, HR, type HResult } from '../errors.js';
import { cancelledError } from './pipeline.js';

/** A pull source: fills `dst` completely except at end of data; returns the bytes filled. */
export interface BlockReader {
  readInto(dst: Uint8Array): Promise<number>;
}

export type BlockSource =
  Uint8Array | string | Readable | FileHandle | BlockReader | AsyncIterable<Uint8Array>;

/** The engine's view of a source during one section. */
export interface SectionSource {
  /**
   * Fill `dst` completely unless the data ends first; returns the bytes filled. Once `signal`
   * aborts, a fill writes nothing more into `dst` that it copies itself (a Readable's and an
   * iterable's) and a Readable's rejects at once; a FileHandle's or a BlockReader's read may
   * still land in `dst` (the reader then retires the pool).
   */
  fill(dst: Uint8Array, signal?: AbortSignal): Promise<number>;
  /**
   * Called once when the section settles (closes a path source, detaches listeners), possibly
   * while an abandoned fill is still pending; it never waits for that fill.
   */
  finish(): Promise<void>;
}

export type SourceKind = 'bytes' | 'path' | 'readable' | 'filehandle' | 'blockreader' | 'iterable';

function isObject(x: unknown): x is Record<string | symbol, unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null;
}

function isReadable(x: unknown): x is Readable {
  if (x instanceof Readable) return true;
  return (
    isObject(x) &&
    typeof x.read === 'function' &&
    typeof x.unshift === 'function' &&
    typeof x.on === 'function' &&
    typeof x.removeListener === 'function'
  );
}

function isFileHandle(x: unknown): x is FileHandle {
  return isObject(x) && typeof x.fd === 'number' && typeof x.read === 'function';
}

function isBlockReader(x: unknown): x is BlockReader {
  return isObject(x) && typeof x.readInto === 'function';
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array> {
  return isObject(x) && typeof x[Symbol.asyncIterator] === 'function';
}

/** The kind of a source, in the order of spec §2.4.4; undefined when it is none of them. */
export function sourceKind(x: unknown): SourceKind | undefined {
  if (x instanceof Uint8Array) return 'bytes';
  if (typeof x === 'string') return 'path';
  if (isReadable(x)) return 'readable';
  if (isFileHandle(x)) return 'filehandle';
  if (isBlockReader(x)) return 'blockreader';
  if (isAsyncIterable(x)) return 'iterable';
  return undefined;
}

/** The HRESULT for an error thrown by a source (spec §2.4.3). */
export function hrForSourceError(e: unknown): HResult {
  if (e instanceof DwError) return e.hr;
  const code = isObject(e) ? e.code : undefined;
  if (code === 'ENOENT') return HR.STG_E_FILENOTFOUND;
  if (code === 'EACCES' || code === 'EPERM') return HR.STG_E_ACCESSDENIED;
  return HR.STG_E_READFAULT;
}

/** Wrap a source error into the DwError the reader reports. */
export function sourceError(e: unknown, what: string): DwError {
  if (e instanceof DwError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new DwError(hrForSourceError(e), { message: `${what}: ${detail}`, cause: e });
}

/** Open a source for one section. A path is opened read-only here (validation step l). */
export async function openSectionSource(
  source: BlockSource,
  kind: SourceKind,
): Promise<SectionSource> {
  switch (kind) {
    case 'bytes':
      return bytesSource(source as Uint8Array);
    case 'path': {
      let fh: FileHandle;
      try {
        fh = await open(source as string, 'r');
      } catch (e) {
        throw sourceError(e, `cannot open source ${source as string}`);
      }
      return fileHandleSource(fh, true);
    }
    case 'readable':
      return readableSource(source as Readable);
    case 'filehandle':
      return fileHandleSource(source as FileHandle, false);
    case 'blockreader':
      return blockReaderSource(source as BlockReader);
    case 'iterable':
      return iterableSource(source as AsyncIterable<Uint8Array>);
  }
}

function bytesSource(bytes: Uint8Array): SectionSource {
  let at = 0;
  return {
    fill(dst) {
      const n = Math.min(dst.length, bytes.length - at);
      dst.set(bytes.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
    finish: () => Promise.resolve(),
  };
}

function fileHandleSource(fh: FileHandle, owned: boolean): SectionSource {
  // A fill abandoned on cancel may still be reading (a FIFO that never delivers, a stalled
  // network file system): the handle the engine opened is closed once that read returns, because
  // FileHandle.close() waits for pending reads and the section must settle now.
  let reading: Promise<unknown> | undefined;
  const read = async (dst: Uint8Array, signal: AbortSignal | undefined): Promise<number> => {
    let got = 0;
    while (got < dst.length && signal?.aborted !== true) {
      // position null: read from (and advance) the handle's current position.
      const { bytesRead } = await fh.read(dst, got, dst.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  };
  return {
    fill(dst, signal) {
      const p = read(dst, signal);
      reading = p;
      return p;
    },
    async finish() {
      if (!owned) return;
      const pending = reading;
      reading = undefined;
      if (pending === undefined) {
        await fh.close();
        return;
      }
      const closeLater = () => fh.close().catch(() => undefined);
      void pending.then(closeLater, closeLater);
    },
  };
}

function checkFilled(n: unknown, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
    throw new DwError(HR.STG_E_READFAULT, {
      message: `BlockReader.readInto returned ${String(n)}; expected an integer 0..${max}`,
    });
  }
  return n;
}

function blockReaderSource(reader: BlockReader): SectionSource {
  // The signal is not passed on: a BlockReader has no way to take it (the reader abandons a
  // pending readInto and retires the pool, whose memory it may still write).
  return {
    async fill(dst) {
      return checkFilled(await reader.readInto(dst), dst.length);
    },
    finish: () => Promise.resolve(),
  };
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new DwError(HR.STG_E_READFAULT, {
    message: `source produced a ${typeof chunk}; expected Uint8Array chunks`,
  });
}

/**
 * A Readable in paused mode. Never iterated with `for await` (that destroys the stream on early
 * exit) and never switched to flowing mode; bytes beyond what a fill needs are unshifted so the
 * stream stays positioned right after the last block taken.
 */
function readableSource(stream: Readable): SectionSource {
  let failure: Error | undefined;
  // Held for the whole section so an 'error' between reads cannot go unhandled.
  const onError = (e: unknown) => {
    failure ??= e instanceof Error ? e : new Error(String(e));
  };
  stream.on('error', onError);

  const throwIfFailed = (): void => {
    if (failure !== undefined) throw failure;
    const errored: unknown = stream.errored;
    if (errored instanceof Error) throw errored;
    if (errored !== null && errored !== undefined) throw new Error('the source stream failed');
  };

  const waitForData = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      const detach = () => {
        stream.removeListener('readable', done);
        stream.removeListener('end', done);
        stream.removeListener('close', done);
        stream.removeListener('error', fail);
        signal?.removeEventListener('abort', abandon);
      };
      const done = () => {
        detach();
        resolve();
      };
      // Reject before anything resolves: a settled promise ignores the later call, and an
      // error reported as "no more data" would read as a short source (E_FAIL).
      const fail = (e: unknown) => {
        detach();
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      // The stream stays as it is (paused, not destroyed); only the engine's listeners go.
      const abandon = () => {
        detach();
        reject(cancelledError('reading stopped: the write was cancelled'));
      };
      if (signal?.aborted === true) {
        abandon();
        return;
      }
      stream.on('readable', done);
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', fail);
      signal?.addEventListener('abort', abandon, { once: true });
    });

  return {
    async fill(dst, signal) {
      let got = 0;
      while (got < dst.length) {
        throwIfFailed();
        const chunk: unknown = stream.read();
        if (chunk === null) {
          // read() itself may have run _read(), which can destroy the stream with an error.
          throwIfFailed();
          if (stream.readableEnded || stream.destroyed || stream.closed) break;
          await waitForData(signal);
          // A stream destroyed with an error is a failing source, not a short one.
          throwIfFailed();
          // 'end' may be pending until the buffer is read once more; loop re-checks.
          if (stream.readableLength === 0 && (stream.readableEnded || stream.destroyed)) break;
          continue;
        }
        const bytes = toBytes(chunk);
        const take = Math.min(bytes.length, dst.length - got);
        dst.set(bytes.subarray(0, take), got);
        got += take;
        if (take < bytes.length) stream.unshift(bytes.subarray(take));
      }
      return got;
    },
    finish() {
      // A destroyed stream may still have its 'error' event pending: keep swallowing it.
      if (!stream.destroyed) stream.removeListener('error', onError);
      return Promise.resolve();
    },
  };
}

/** Pulls from an iterator, keeping the surplus of the last value for the next fill. */
class IteratorBuffer {
  #leftover: Uint8Array | undefined;
  #iterator: AsyncIterator<unknown> | undefined;
  #done = false;
  readonly #iterable: AsyncIterable<unknown>;

  constructor(iterable: AsyncIterable<unknown>) {
    this.#iterable = iterable;
  }

  async fill(dst: Uint8Array, signal?: AbortSignal): Promise<number> {
    let got = 0;
    while (got < dst.length) {
      let bytes = this.#leftover;
      this.#leftover = undefined;
      if (bytes === undefined) {
        if (this.#done) break;
        this.#iterator ??= this.#iterable[Symbol.asyncIterator]();
        const r = await this.#iterator.next();
        // Abandoned on cancel: the slot is no longer this fill's to write.
        if (signal?.aborted === true) break;
        if (r.done === true) {
          this.#done = true;
          break;
        }
        bytes = toBytes(r.value);
      }
      const take = Math.min(bytes.length, dst.length - got);
      dst.set(bytes.subarray(0, take), got);
      got += take;
      if (take < bytes.length) this.#leftover = bytes.subarray(take);
    }
    return got;
  }
}

function iterableSource(iterable: AsyncIterable<Uint8Array>): SectionSource {
  // The surplus of the last value is dropped with this object; return() is not called.
  const buffer = new IteratorBuffer(iterable);
  return { fill: (dst, signal) => buffer.fill(dst, signal), finish: () => Promise.resolve() };
}

/**
 * A BlockReader over a Readable or an AsyncIterable that keeps its position across sections: a
 * Readable is read in paused mode (surplus unshifted), an iterable's surplus is kept for the
 * next readInto.
 */
export function toBlockReader(src: Readable | AsyncIterable<Uint8Array>): BlockReader {
  if (isReadable(src)) {
    return {
      async readInto(dst) {
        const s = readableSource(src);
        try {
          return await s.fill(dst);
        } finally {
          await s.finish();
        }
      },
    };
  }
  if (isAsyncIterable(src)) {
    const buffer = new IteratorBuffer(src);
    return { readInto: (dst) => buffer.fill(dst) };
  }
  throw new DwError(HR.E_INVALIDARG, {
    message: 'toBlockReader needs a Readable or an AsyncIterable<Uint8Array>',
  });
}
