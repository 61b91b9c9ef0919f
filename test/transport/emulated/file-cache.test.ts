// The image-backed virtual drive's write-back cache (image/file-store.ts, FileStore): a WRITE completes in
// the cache, the image file gets the data in the background, and SYNCHRONIZE CACHE, close,
// eject and a vanished device all leave every acknowledged block in the image.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { WriteEngine } from '../../../src/engine/index.js';
import { DwError, HR } from '../../../src/errors.js';
import { FileStore } from '../../../src/transport/emulated/image/file-store.js';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
import { VirtualClock } from '../../../src/transport/clock.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { pattern, rejectsWith, rig, writes, type Rig } from '../../helpers/recorder.js';
import { fileBytes, openWithWriterThread, scratchImages } from '../../helpers/images.js';

/** The image's file system is full: 0x80070070, with the ENOSPC it met as the cause. */
function diskFull(e: unknown): boolean {
  return (
    e instanceof DwError &&
    e.hr === HR.ERROR_DISK_FULL &&
    (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC'
  );
}

const SECTOR = 2048;
const MiB = 1024 * 1024;
/** Bytes of one cache segment (image/file-store.ts). */
const SEGMENT = 256 * 1024;
const { imagePath } = scratchImages('dw-cache-');

/** Deterministic bytes that differ from pattern() (for rewrites). */
function other(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 13 + seed + (i >> 9)) & 0xff;
  return out;
}

/** Runs `lines` (with FileStore imported) in a child process, which must end by itself. */
function endsByItself(lines: string[]): void {
  const store = new URL('../../../src/transport/emulated/image/file-store.js', import.meta.url);
  const script = [`import { FileStore } from ${JSON.stringify(store.href)};`, ...lines].join('\n');
  // The timeout only ends a hung child (status null then); it asserts no duration.
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
}

async function engineOn(address: string): Promise<Rig & { engine: WriteEngine }> {
  const r = await rig(address);
  const engine = new WriteEngine({ clock: r.clock });
  await engine.setRecorder(r.recorder);
  engine.bytesPerSector = SECTOR;
  return { ...r, engine };
}

describe('FileStore write-back cache', () => {
  it('a write completes in the cache; reads see it before the file does', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    try {
      const data = pattern(100 * SECTOR);
      await store.write(0, SECTOR, data);
      // Less than a segment (256 KiB): nothing has gone to the file yet.
      assert.equal(store.cachedBytes, data.length);
      assert.equal((await stat(path)).size, 0);
      assert.deepEqual(await store.readRun(0, 100), data);
      assert.deepEqual(await store.readBlock(42), data.subarray(42 * SECTOR, 43 * SECTOR));
      // Blocks past what was written read as zeros.
      assert.deepEqual(
        await store.readRun(99, 3),
        Uint8Array.from([...data.subarray(99 * SECTOR), ...new Uint8Array(2 * SECTOR)]),
      );
    } finally {
      await store.close();
    }
    assert.deepEqual(await fileBytes(path), pattern(100 * SECTOR));
  });

  it('a rewrite of cached and of written-out blocks reads, and lands, with the latest data', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    const blocks = 12 * 128 + 17; // twelve segments of 256 KiB and a bit
    const data = pattern(blocks * SECTOR);
    try {
      for (let lba = 0; lba < blocks; lba += 32) {
        const count = Math.min(32, blocks - lba);
        await store.write(lba, SECTOR, data.subarray(lba * SECTOR, (lba + count) * SECTOR));
      }
      const a = other(40 * SECTOR, 1); // LBA 10..49: already in the file or in flight
      const b = other(20 * SECTOR, 2); // LBA 1530..1549: into the open segment
      await store.write(10, SECTOR, a);
      await store.write(1530, SECTOR, b);
      const expected = Uint8Array.from(data);
      expected.set(a, 10 * SECTOR);
      expected.set(b, 1530 * SECTOR);
      assert.deepEqual(await store.readRun(0, blocks), expected);
      await store.sync();
      assert.equal(store.cachedBytes, 0);
      assert.deepEqual(await fileBytes(path), expected);
    } finally {
      await store.close();
    }
  });

  it('holds at most its 8 MiB: a long run of writes waits for the file (back-pressure)', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    const data = other(20 * MiB, 3);
    let most = 0;
    try {
      for (let at = 0; at < data.length; at += 65536) {
        await store.write(at / SECTOR, SECTOR, data.subarray(at, at + 65536));
        most = Math.max(most, store.cachedBytes);
      }
      assert.ok(most <= 8 * MiB, `${most} bytes cached`);
      assert.ok(most > 0);
    } finally {
      await store.close();
    }
    assert.deepEqual(await fileBytes(path), data);
  });

  it('clear() (BLANK, FORMAT UNIT) drops cached data and empties the image', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    try {
      await store.write(0, SECTOR, other(3 * MiB, 4));
      await store.clear();
      assert.equal(store.cachedBytes, 0);
      assert.equal(store.stride, undefined);
      await store.write(5, SECTOR, pattern(SECTOR));
      await store.sync();
    } finally {
      await store.close();
    }
    const file = await fileBytes(path);
    assert.equal(file.length, 6 * SECTOR);
    assert.deepEqual(file.subarray(0, 5 * SECTOR), new Uint8Array(5 * SECTOR));
    assert.deepEqual(file.subarray(5 * SECTOR), pattern(SECTOR));
  });
  it('a failed background write is reported by the next write and by sync, with its errno', async () => {
    // /dev/full takes the open and fails every write with ENOSPC: the writer thread's failure
    // must reach the drive's thread as 0x80070070, and nothing is reported as written.
    const store = await FileStore.open('/dev/full');
    try {
      await store.write(0, SECTOR, other(SEGMENT, 7)); // one full segment: handed to the writer
      await assert.rejects(store.sync(), diskFull);
      await assert.rejects(store.write(1000, SECTOR, pattern(SECTOR)), diskFull);
      // BLANK / FORMAT UNIT clear the failure along with the disc.
      await assert.rejects(store.clear()); // /dev/full cannot be truncated
    } finally {
      await store.close().catch(() => undefined);
    }
  });

  it('a writer thread that dies makes writes and sync reject instead of hang', async () => {
    const path = imagePath();
    const { store, writer } = await openWithWriterThread(path);
    try {
      await store.write(0, SECTOR, other(SEGMENT, 8));
      // End the store's writer thread the way a crash would.
      await writer.terminate();
      const ended = (e: unknown) =>
        e instanceof DwError &&
        e.hr === HR.ERROR_IO_DEVICE &&
        e.retryable === false &&
        /writer thread ended unexpectedly/.test(e.message);
      await assert.rejects(store.sync(), ended);
      await assert.rejects(store.write(5000, SECTOR, pattern(SECTOR)), ended);
      await assert.rejects(store.clear().then(() => store.write(0, SECTOR, pattern(SECTOR))));
    } finally {
      await store.close().catch(() => undefined);
    }
  });

  it('does not keep a process alive once its data is in the file, even without close()', async () => {
    const path = imagePath();
    endsByItself([
      `const store = await FileStore.open(${JSON.stringify(path)});`,
      `const data = new Uint8Array(${3 * SEGMENT}).fill(0x5a);`,
      'await store.write(0, 2048, data);',
      // No close(): the full segments are in the writer's hands; the process must still end.
    ]);
    // The three full segments were handed over before the script ended, and the writer kept the
    // process alive until they were in the file.
    const file = await fileBytes(path);
    assert.equal(file.length, 3 * SEGMENT);
    assert.ok(file.every((b) => b === 0x5a));
  });

  it('does not keep a process alive when it never wrote, without close()', () => {
    // No write, no close(): the writer thread was started and has had no work.
    endsByItself([`await FileStore.open(${JSON.stringify(imagePath())});`]);
  });
});

describe('image-backed virtual drive with its cache', () => {
  it('SYNCHRONIZE CACHE: the image file holds the data and the sidecar the layout', async () => {
    const path = imagePath();
    const t = await engineOn(`virtual:bd-r?image=${path}&speed=max`);
    const blocks = 1000;
    const data = pattern(blocks * SECTOR);
    await t.engine.writeSection(data, 0, blocks);
    await t.recorder.synchronizeCache();
    // Read the file directly while the drive is still open.
    const file = await fileBytes(path);
    assert.deepEqual(file.subarray(0, data.length), data);
    const sidecar = JSON.parse(await readFile(`${path}.json`, 'utf8')) as { stride: number };
    assert.equal(sidecar.stride, SECTOR);
    await t.recorder.close();
  });

  it('fsyncs the image only when something was written since its last fsync', async () => {
    const path = imagePath();
    const t = await engineOn(`virtual:bd-r?image=${path}&speed=max`);
    // Counts FileHandle.sync() calls on the image itself (by inode: the sidecar's temporary files
    // are fsynced too), through the prototype every handle shares.
    const probe = await open(path, 'r');
    const proto = Object.getPrototypeOf(probe) as { sync: (this: FileHandle) => Promise<void> };
    await probe.close();
    const ino = (await stat(path)).ino;
    const original = proto.sync;
    let imageSyncs = 0;
    proto.sync = async function (this: FileHandle) {
      if ((await this.stat()).ino === ino) imageSyncs++;
      return original.call(this);
    };
    try {
      const data = pattern(600 * SECTOR);
      await t.engine.writeSection(data.subarray(0, 300 * SECTOR), 0, 300);
      await t.recorder.synchronizeCache();
      assert.ok(imageSyncs >= 1, 'SYNCHRONIZE CACHE after WRITEs fsyncs the image');
      const afterFirst = imageSyncs;
      await t.engine.writeSection(data.subarray(300 * SECTOR), 300, 300);
      await t.recorder.synchronizeCache();
      assert.ok(imageSyncs > afterFirst, 'SYNCHRONIZE CACHE after new WRITEs fsyncs again');
      const afterSecond = imageSyncs;
      // close() flushes once more; nothing was written since the last fsync.
      await t.recorder.close();
      assert.equal(imageSyncs, afterSecond, 'close() right after SYNCHRONIZE CACHE: no fsync');
      assert.deepEqual((await fileBytes(path)).subarray(0, data.length), data);
    } finally {
      proto.sync = original;
    }
  });

  it('a paced drive starts recording once the first WRITE has saved the block size', async () => {
    const path = imagePath();
    const clock = new VirtualClock({ auto: false });
    const d = await openVirtualDrive(`virtual:bd-r?image=${path}&speed=16x`, { clock });
    // The first WRITE's save of the block size (a sidecar write, fsynced) takes 50 ms of the
    // drive's clock: far longer than 64 KiB last at 16x BD (72 MB/s, under a millisecond).
    const probe = await open(path, 'r');
    const proto = Object.getPrototypeOf(probe) as { sync: (this: FileHandle) => Promise<void> };
    await probe.close();
    const original = proto.sync;
    let slow = true;
    proto.sync = async function (this: FileHandle) {
      await original.call(this);
      if (slow) clock.advance(50);
      slow = false;
    };
    try {
      const first = await d.execute(write10({ lba: 0, transferLength: 32, data: pattern(32 * SECTOR) })); // prettier-ignore
      assert.equal(first.status, 0);
      assert.equal(slow, false, 'the first WRITE saved the block size');
      const second = await d.execute(write10({ lba: 32, transferLength: 32, data: pattern(32 * SECTOR) })); // prettier-ignore
      assert.equal(second.status, 0);
      // The save came before the data entered the buffer: nothing drained while it ran.
      assert.equal(d.control.media.underruns, 0);
    } finally {
      proto.sync = original;
      await d.close();
    }
  });

  it('reopen after close: the disc reads back equal to the source (larger than the cache)', async () => {
    const path = imagePath();
    const address = `virtual:bd-r?image=${path}&speed=max`;
    const blocks = 12 * 512 + 3; // 12 MiB and a bit: more than the cache holds
    const data = other(blocks * SECTOR, 5);
    {
      const t = await engineOn(address);
      await t.engine.writeSection(data, 0, blocks);
      await t.recorder.close();
    }
    const again = await rig(address);
    assert.equal(again.drive.control.media.nwa, blocks);
    assert.deepEqual(await again.drive.control.media.readBlocks(0, blocks), data);
    await again.recorder.close();
    assert.deepEqual((await fileBytes(path)).subarray(0, data.length), data);
  });

  it('eject: the tray opens after the cache is in the image', async () => {
    const path = imagePath();
    const t = await engineOn(`virtual:dvd+r?image=${path}&speed=max`);
    const data = pattern(300 * SECTOR);
    await t.engine.writeSection(data, 0, 300);
    await t.recorder.ejectMedia();
    assert.deepEqual((await fileBytes(path)).subarray(0, data.length), data);
    await t.recorder.close();
  });

  it('vanish mid-write, then reopen: every acknowledged block is in the image', async () => {
    const path = imagePath();
    const address = `virtual:dvd+r?image=${path}&speed=max`;
    const blocks = 2000;
    const data = other(blocks * SECTOR, 6);
    const t = await engineOn(address);
    const setup = t.log.length;
    t.drive.control.faults.vanishAfter(20);
    const e = await rejectsWith(t.engine.writeSection(data, 0, blocks));
    assert.equal(e.hr, HR.ERROR_DEV_NOT_EXIST);
    const acknowledged = writes(t.log.slice(setup))
      .filter((w) => w.status === 0)
      .reduce((k, w) => k + ((w.cdb[7]! << 8) | w.cdb[8]!), 0);
    assert.ok(acknowledged > 0 && acknowledged < blocks, `${acknowledged} blocks acknowledged`);
    assert.equal(t.drive.control.media.nwa, acknowledged);
    await t.recorder.close();

    const again = await rig(address);
    assert.equal(again.drive.control.media.nwa, acknowledged);
    assert.deepEqual(
      await again.drive.control.media.readBlocks(0, acknowledged),
      data.subarray(0, acknowledged * SECTOR),
    );
    await again.recorder.close();
    const file = await fileBytes(path);
    assert.deepEqual(
      file.subarray(0, acknowledged * SECTOR),
      data.subarray(0, acknowledged * SECTOR),
    );
  });
});
