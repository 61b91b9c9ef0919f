// The image writer thread's direct writes (image/image-writer.ts): jobs that follow each other in
// the image are batched into O_DIRECT writes through a bounce buffer, unaligned heads and tails
// go through the page cache, and a refused O_DIRECT falls back to the page cache. Whatever the
// batching, the image ends up with the latest data of every block, a failure names its LBA, and
// `imageIo=buffered` never writes with O_DIRECT.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, openSync, unlinkSync, writeSync } from 'node:fs';
import { DwError } from '../../../src/errors.js';
import { FileStore } from '../../../src/transport/emulated/image/file-store.js';
import type { ImageWriteFault } from '../../../src/transport/emulated/index.js';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
import { parseVirtualAddress } from '../../../src/transport/emulated/address.js';
import { WriteEngine } from '../../../src/engine/index.js';
import { DiscRecorder } from '../../../src/device/index.js';
import { pattern, rejectsWith } from '../../helpers/recorder.js';
import { fileBytes, scratchImages } from '../../helpers/images.js';

const SECTOR = 2048;
const KiB = 1024;
const MiB = 1024 * KiB;
const { imagePath, filePath } = scratchImages('dw-direct-');

/** Whether the scratch directory's file system takes an aligned O_DIRECT write. */
function directSupported(): boolean {
  if (constants.O_DIRECT === undefined) return false;
  const path = filePath('probe');
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT);
    // Wasm memory is page-aligned, as O_DIRECT wants (no WebAssembly in the compiler's libs).
    const wasm = (
      globalThis as unknown as {
        WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } };
      }
    ).WebAssembly;
    const page = new Uint8Array(new wasm.Memory({ initial: 1 }).buffer);
    writeSync(fd, page, 0, 4096, 0);
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
    unlinkSync(path);
  }
}

/** A small deterministic generator (tests must replay the same sequence). */
function lcg(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
}

/**
 * Writes a mixed sequence through `store`: runs that follow each other (batched), jumps back
 * over what was written (rewrites), single blocks at odd LBAs (unaligned for a 4 KiB page with a
 * 2048 stride; always unaligned with 2352), copied and held (zero-copy) WRITEs. Returns the bytes
 * the image must hold.
 */
async function mixedWrites(store: FileStore, stride: number, seed: number): Promise<Uint8Array> {
  const rnd = lcg(seed);
  const blocks = 2048;
  const model = new Uint8Array(blocks * stride);
  const source = new Uint8Array(new SharedArrayBuffer(4 * MiB));
  source.set(pattern(4 * MiB).map((v, i) => v ^ (i >> 13)));
  const copied = pattern(4 * MiB).map((v) => v ^ 0xa5);
  let lba = 0;
  let highest = 0;
  for (let n = 0; n < 300; n++) {
    const kind = rnd(10);
    if (kind === 0) lba = rnd(blocks - 64); // a jump: rewrites or a gap
    const count = kind === 1 ? 1 : 1 + rnd(64);
    const len = count * stride;
    const from = rnd(source.length - len);
    const held = rnd(2) === 0;
    const data = held ? source.subarray(from, from + len) : copied.subarray(from, from + len);
    const keeper = held ? { hold: { release: () => undefined }, kept: false } : undefined;
    await store.write(lba, stride, data, keeper);
    model.set(data, lba * stride);
    lba += count;
    highest = Math.max(highest, lba);
    if (lba > blocks - 64) lba = rnd(16);
  }
  await store.sync();
  return model.subarray(0, highest * stride);
}

async function withStore(
  options: { writeFault?: ImageWriteFault; buffered?: boolean },
  body: (store: FileStore, path: string) => Promise<void>,
): Promise<void> {
  const path = imagePath();
  const store = await FileStore.open(path, options);
  try {
    await body(store, path);
  } finally {
    await store.close().catch(() => undefined);
  }
}

describe('image writer: batched direct writes', () => {
  const direct = directSupported();

  for (const stride of [2048, 2352]) {
    it(`keeps the latest data of every block (stride ${stride}, a slow disk so jobs pile up into batches)`, async () => {
      // The stall makes the writer fall behind, so several jobs wait when it looks: batches.
      const slow: ImageWriteFault = {
        afterBytes: Number.MAX_SAFE_INTEGER,
        code: 'EIO',
        stallMs: 1,
      };
      await withStore({ writeFault: slow }, async (store, path) => {
        const expected = await mixedWrites(store, stride, stride);
        const file = await fileBytes(path);
        assert.equal(file.length, expected.length);
        assert.ok(Buffer.from(file).equals(Buffer.from(expected)), 'the image differs');
        if (direct) assert.ok(store.directWrites > 0, 'no O_DIRECT write was made');
        else assert.equal(store.directWrites, 0);
      });
    });
  }

  it('the same through the page cache only (buffered)', async () => {
    await withStore({ buffered: true }, async (store, path) => {
      const expected = await mixedWrites(store, SECTOR, 7);
      assert.ok(Buffer.from(await fileBytes(path)).equals(Buffer.from(expected)));
      assert.equal(store.directWrites, 0);
    });
  });

  it('O_DIRECT refused (EINVAL): every byte goes through the page cache instead', async () => {
    const refused: ImageWriteFault = {
      afterBytes: Number.MAX_SAFE_INTEGER,
      code: 'EIO',
      directCode: 'EINVAL',
    };
    await withStore({ writeFault: refused }, async (store, path) => {
      const expected = await mixedWrites(store, SECTOR, 11);
      assert.ok(Buffer.from(await fileBytes(path)).equals(Buffer.from(expected)));
      assert.equal(store.directWrites, 0);
    });
  });

  it('a direct write that fails (EIO) is reported at its LBA; nothing after it is written', async () => {
    if (!direct) return; // no direct write is attempted on this file system
    const failing: ImageWriteFault = {
      afterBytes: Number.MAX_SAFE_INTEGER,
      code: 'EIO',
      directCode: 'EIO',
    };
    await withStore({ writeFault: failing }, async (store, path) => {
      // A 1-block head at LBA 1 goes through the page cache; the direct part from LBA 2 fails.
      const data = pattern(MiB + SECTOR);
      await store.write(1, SECTOR, data);
      const e = await rejectsWith(store.sync());
      assert.ok(e instanceof DwError);
      assert.match(e.message, /at LBA 2\b/);
      const file = await fileBytes(path);
      assert.ok(file.length <= 2 * SECTOR, `${file.length} bytes in the image`);
      assert.deepEqual(file.subarray(SECTOR), data.subarray(0, file.length - SECTOR));
    });
  });
});

describe('virtual drive: imageIo=', () => {
  it('parses direct (the default) and buffered, refuses anything else', () => {
    assert.equal(parseVirtualAddress('virtual:bd-r?image=/x.img').imageIo, 'direct');
    assert.equal(
      parseVirtualAddress('virtual:bd-r?image=/x.img&imageIo=buffered').imageIo,
      'buffered',
    );
    assert.throws(() => parseVirtualAddress('virtual:bd-r?imageIo=mmap'), /imageIo=mmap/);
  });

  it('a write engine with two slots: its held WRITEs are let go without a wake for each (the writer polls)', async () => {
    // A caller whose whole buffer is two 64 KiB slots gets each one back only once the writer
    // thread has it in the file; the drive wakes a sleeping writer for small jobs only when a
    // quarter of the caller's buffer is held, else the writer finds them by itself.
    const path = imagePath();
    const drive = await openVirtualDrive(`virtual:bd-r?image=${path}&speed=max`);
    const recorder = await DiscRecorder.fromTransport(drive);
    const data = pattern(2 * MiB + 3 * SECTOR);
    try {
      const engine = new WriteEngine();
      await engine.setRecorder(recorder);
      engine.bytesPerSector = SECTOR;
      engine.hostBufferSize = 128 * KiB;
      await engine.writeSection(data, 0, data.length / SECTOR);
    } finally {
      await recorder.close();
    }
    assert.ok(Buffer.from(await fileBytes(path)).equals(Buffer.from(data)));
  });

  for (const io of ['direct', 'buffered']) {
    it(`a section written through the engine reaches the image (imageIo=${io})`, async () => {
      const path = imagePath();
      const drive = await openVirtualDrive(`virtual:bd-r?image=${path}&imageIo=${io}`);
      const recorder = await DiscRecorder.fromTransport(drive);
      const data = pattern(3 * MiB + 5 * SECTOR);
      try {
        const engine = new WriteEngine();
        await engine.setRecorder(recorder);
        engine.bytesPerSector = SECTOR;
        await engine.writeSection(data, 0, data.length / SECTOR);
      } finally {
        await recorder.close();
      }
      assert.ok(Buffer.from(await fileBytes(path)).equals(Buffer.from(data)));
    });
  }
});
