// The zero-copy hand-off of WRITE data (held writes: transport.ts HeldWriteCapability,
// image/held-writes.ts): the image-backed virtual drive writes a held WRITE from the caller's
// shared memory and releases the hold once the bytes are in the image. Checked at the store and at
// the CDB level: only an image-backed drive declares held writes, the image gets exactly what was
// written, every hold is released once, whatever happens to the writer thread, and reads and
// rewrites see the latest data.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScsiStatus, scsiCommand } from '../../../src/scsi/command.js';
import type { DataOutHold } from '../../../src/transport/transport.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { DwError, HR } from '../../../src/errors.js';
import type { DataOutKeeper } from '../../../src/transport/emulated/image/block-store.js';
import { FileStore } from '../../../src/transport/emulated/image/file-store.js';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
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
const CHUNK = 65536;
const MiB = 1024 * 1024;
const { imagePath } = scratchImages('dw-zero-copy-');

function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 10)) & 0xff;
  return out;
}

/** `length` bytes in shared memory, like a write engine slot. */
function shared(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(new SharedArrayBuffer(length));
  b.set(bytesOf(length, seed));
  return b;
}

interface CountingHold extends DataOutHold {
  readonly releases: number;
  /** Resolves at the first release. */
  readonly released: Promise<void>;
}

function countingHold(): CountingHold {
  let releases = 0;
  let resolve: () => void = () => undefined;
  const released = new Promise<void>((r) => (resolve = r));
  return {
    release() {
      releases++;
      resolve();
    },
    get releases() {
      return releases;
    },
    released,
  };
}

/** A chunk in plain memory, one in shared memory, and the image they make one after the other. */
function plainThenShared(seed: number) {
  const plain = bytesOf(CHUNK, seed);
  const inShared = shared(CHUNK, seed + 1);
  const expected = new Uint8Array(2 * CHUNK);
  expected.set(plain, 0);
  expected.set(inShared, CHUNK);
  return { plain, inShared, expected };
}

function keeper(hold: DataOutHold): DataOutKeeper {
  return { hold, kept: false };
}

describe('FileStore: held WRITEs (zero-copy hand-off)', () => {
  it('writes from the caller’s memory, releases each hold once, after which the caller may reuse it', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    const buf = shared(4 * CHUNK, 1);
    const expected = buf.slice();
    const holds = [0, 1, 2, 3].map(() => countingHold());
    try {
      for (let k = 0; k < 4; k++) {
        const kp = keeper(holds[k]!);
        await store.write(
          (k * CHUNK) / SECTOR,
          SECTOR,
          buf.subarray(k * CHUNK, (k + 1) * CHUNK),
          kp,
        );
        assert.equal(kp.kept, true, `WRITE ${k} was copied`);
      }
      await Promise.all(holds.map((h) => h.released));
      assert.deepEqual(
        holds.map((h) => h.releases),
        [1, 1, 1, 1],
      );
      assert.equal(store.heldBytesOutstanding, 0);
      buf.fill(0xee); // the caller refills its slots
      await store.sync();
      assert.deepEqual(
        holds.map((h) => h.releases),
        [1, 1, 1, 1],
        'released twice',
      );
    } finally {
      await store.close();
    }
    assert.deepEqual(await fileBytes(path), expected);
  });

  it('reads see held data, and the latest of held and cached rewrites wins in reads and in the file', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    const buf = shared(2 * CHUNK, 2);
    const expected = new Uint8Array(48 * SECTOR);
    try {
      // Blocks 0–31 held, then 8–23 copied into the cache (newer), then 16–47 held (newer still).
      await store.write(0, SECTOR, buf.subarray(0, CHUNK), keeper(countingHold()));
      expected.set(buf.subarray(0, CHUNK), 0);
      const cached = bytesOf(16 * SECTOR, 9);
      await store.write(8, SECTOR, cached);
      expected.set(cached, 8 * SECTOR);
      assert.deepEqual(await store.readRun(0, 32), expected.subarray(0, 32 * SECTOR));
      await store.write(16, SECTOR, buf.subarray(CHUNK), keeper(countingHold()));
      expected.set(buf.subarray(CHUNK), 16 * SECTOR);
      assert.deepEqual(await store.readRun(0, 48), expected);
      assert.deepEqual(await store.readBlock(20), expected.subarray(20 * SECTOR, 21 * SECTOR));
    } finally {
      await store.close();
    }
    assert.deepEqual(await fileBytes(path), expected);
  });

  it('holds at most 4 MiB: a long run of held WRITEs waits for the file', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    const buf = shared(12 * MiB, 3);
    const holds: CountingHold[] = [];
    let most = 0;
    try {
      for (let at = 0; at < buf.length; at += CHUNK) {
        const h = countingHold();
        holds.push(h);
        await store.write(at / SECTOR, SECTOR, buf.subarray(at, at + CHUNK), keeper(h));
        most = Math.max(most, store.heldBytesOutstanding);
      }
      assert.ok(most > 0 && most <= 4 * MiB, `${most} bytes held`);
      await store.sync();
      assert.ok(holds.every((h) => h.releases === 1));
    } finally {
      await store.close();
    }
    assert.deepEqual(await fileBytes(path), buf);
  });

  it('WRITEs from a second shared buffer (a new engine pool) land too', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    const a = shared(CHUNK, 4);
    const b = shared(CHUNK, 5);
    const ha = countingHold();
    const hb = countingHold();
    try {
      await store.write(0, SECTOR, a, keeper(ha));
      await store.write(CHUNK / SECTOR, SECTOR, b, keeper(hb));
      await store.sync();
      assert.equal(ha.releases, 1);
      assert.equal(hb.releases, 1);
    } finally {
      await store.close();
    }
    const file = await fileBytes(path);
    assert.deepEqual(file.subarray(0, CHUNK), a);
    assert.deepEqual(file.subarray(CHUNK), b);
  });

  it('copies what it may not keep: plain memory, or no hold', async () => {
    const path = imagePath();
    const store = await FileStore.open(path);
    const { plain, inShared: sharedNoHold, expected } = plainThenShared(6);
    const h = countingHold();
    try {
      const kp = keeper(h);
      await store.write(0, SECTOR, plain, kp);
      assert.equal(kp.kept, false);
      await store.write(CHUNK / SECTOR, SECTOR, sharedNoHold);
      plain.fill(1);
      sharedNoHold.fill(2);
      assert.deepEqual(await store.readRun(0, (2 * CHUNK) / SECTOR), expected);
      await store.sync();
      assert.equal(h.releases, 0, 'a hold that was not kept is not released');
    } finally {
      await store.close();
    }
    assert.deepEqual(await fileBytes(path), expected);
  });

  it('a failed background write still releases the holds, and the failure is reported', async () => {
    const store = await FileStore.open('/dev/full'); // every write fails with ENOSPC
    const h = countingHold();
    try {
      const kp = keeper(h);
      await store.write(0, SECTOR, shared(CHUNK, 8), kp);
      assert.equal(kp.kept, true);
      await h.released;
      assert.equal(h.releases, 1);
      await assert.rejects(store.sync(), diskFull);
      await assert.rejects(
        store.write(100, SECTOR, shared(CHUNK, 9), keeper(countingHold())),
        diskFull,
      );
    } finally {
      await store.close().catch(() => undefined);
    }
  });

  it('a writer thread that dies releases what it held', async () => {
    const path = imagePath();
    const { store, writer } = await openWithWriterThread(path);
    const h = countingHold();
    try {
      await store.write(0, SECTOR, shared(CHUNK, 10), keeper(h));
      // End the store's writer thread the way a crash would (before or after it wrote the job:
      // either way the hold must come back).
      await writer.terminate();
      await h.released;
      assert.equal(h.releases, 1);
      await assert.rejects(store.sync(), /writer thread ended unexpectedly/);
    } finally {
      await store.close().catch(() => undefined);
    }
  });
});

describe('virtual drive: held writes at the CDB level', () => {
  /** WRITE(10) of `data` at `lba`. */
  const writeOf = (lba: number, data: Uint8Array) =>
    scsiCommand(
      'WRITE(10)',
      write10({ lba, transferLength: data.length / SECTOR, data }).cdb,
      'out',
      {
        dataOut: data,
      },
    );

  it('only an image-backed drive declares held writes; it holds a WRITE from shared memory and says so', async () => {
    const memory = await openVirtualDrive('virtual:bd-r?speed=max');
    assert.equal(memory.heldWrites, undefined, 'a memory disc copies every WRITE');
    await memory.close();

    const path = imagePath();
    const drive = await openVirtualDrive(`virtual:bd-r?image=${path}&speed=max`);
    const data = shared(CHUNK, 11);
    const expected = data.slice();
    const h = countingHold();
    try {
      const writes = drive.heldWrites;
      assert.ok(writes !== undefined, 'an image-backed drive declares held writes');
      const { result, held } = await writes.executeHeld(writeOf(0, data), h);
      assert.equal(result.status, ScsiStatus.GOOD);
      assert.equal(held, true);
      await drive.close();
      assert.equal(h.releases, 1, 'released once, by close at the latest');
      data.fill(0xee); // the caller's again
    } finally {
      await drive.close();
    }
    assert.deepEqual((await fileBytes(path)).subarray(0, CHUNK), expected);
  });

  it('an image-backed drive copies what it may not keep: plain memory offered a hold, or execute', async () => {
    const path = imagePath();
    const drive = await openVirtualDrive(`virtual:bd-r?image=${path}&speed=max`);
    const { plain, inShared: sharedPlainly, expected } = plainThenShared(13);
    const h = countingHold();
    try {
      const r = await drive.heldWrites!.executeHeld(writeOf(0, plain), h);
      assert.equal(r.result.status, ScsiStatus.GOOD);
      assert.equal(r.held, false);
      const r2 = await drive.execute(writeOf(CHUNK / SECTOR, sharedPlainly));
      assert.equal(r2.status, ScsiStatus.GOOD);
      plain.fill(1);
      sharedPlainly.fill(2);
    } finally {
      await drive.close();
    }
    assert.equal(h.releases, 0, 'a hold that was not kept is not released');
    assert.deepEqual((await fileBytes(path)).subarray(0, 2 * CHUNK), expected);
  });

  it('a WRITE the drive fails (CHECK CONDITION) is not held', async () => {
    const drive = await openVirtualDrive(`virtual:dvd+r?image=${imagePath()}&speed=max`);
    const h = countingHold();
    try {
      // LBA 5000 is not the next writable address of a blank DVD+R.
      const r = await drive.heldWrites!.executeHeld(writeOf(5000, shared(CHUNK, 12)), h);
      assert.equal(r.result.status, ScsiStatus.CHECK_CONDITION);
      assert.equal(r.held, false);
    } finally {
      await drive.close();
    }
    assert.equal(h.releases, 0);
  });
});
