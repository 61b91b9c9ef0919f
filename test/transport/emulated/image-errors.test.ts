// What the image-backed virtual drive rejects with when its image cannot be written
// (image/image-errors.ts): the file system's error named, with its own HRESULT (a full file
// system 0x80070070, a read-only one E_ACCESSDENIED, a closed handle 0x80070006, a dead writer
// thread 0x8007045D), marked not retryable, naming the image and what to do, with the original
// error as `cause`. Checked on the mapping itself, on the store and the drive with an injected
// file-system error, and on a real 1 MiB tmpfs when this machine lets the test mount one.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscRecorder } from '../../../src/device/recorder.js';
import { WriteEngine } from '../../../src/engine/index.js';
import { DwError, HR, formatHr } from '../../../src/errors.js';
import { VirtualClock } from '../../../src/transport/clock.js';
import { FileStore } from '../../../src/transport/emulated/image/file-store.js';
import { imageFileError } from '../../../src/transport/emulated/image/image-errors.js';
import { openVirtualDrive, type ImageWriteFault } from '../../../src/transport/emulated/index.js';
import { pattern, rejectsWith } from '../../helpers/recorder.js';
import { fileBytes, openWithWriterThread, scratchImages } from '../../helpers/images.js';

const SECTOR = 2048;
const MiB = 1024 * 1024;
const { imagePath } = scratchImages('dw-image-errors-');

function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: from the file system, write`), {
    code,
    syscall: 'write',
  });
}

/** The DwError's own cause when it is a file-system error, else undefined. */
function causeCode(e: DwError): string | undefined {
  return (e.cause as NodeJS.ErrnoException | undefined)?.code;
}

/** A rejection that waiting cannot mend, with `hr`, naming `file`. */
function assertPermanent(e: DwError, hr: number, file: string): void {
  assert.equal(e.hr, hr, `${formatHr(e.hr)}: ${e.message}`);
  assert.equal(e.retryable, false);
  assert.ok(e.message.includes(file), e.message);
}

/** A writer and its drive on a virtual clock, as a burner would drive them. */
async function burner(address: string, imageWriteFault?: ImageWriteFault) {
  const clock = new VirtualClock();
  const drive = await openVirtualDrive(address, {
    clock,
    ...(imageWriteFault === undefined ? {} : { imageWriteFault }),
  });
  const recorder = await DiscRecorder.fromTransport(drive, { clock });
  const engine = new WriteEngine({ clock });
  await engine.setRecorder(recorder);
  engine.bytesPerSector = SECTOR;
  return { drive, recorder, engine };
}

describe('image file errors: the mapping', () => {
  const cases: [string, number, RegExp][] = [
    ['ENOSPC', HR.ERROR_DISK_FULL, /file system is full.*free space/],
    ['EDQUOT', HR.ERROR_DISK_FULL, /file system is full/],
    ['EFBIG', HR.ERROR_DISK_FULL, /no file that large/],
    ['EROFS', HR.E_ACCESSDENIED, /read-only.*writable file system/],
    ['EACCES', HR.E_ACCESSDENIED, /permission denied.*writable/],
    ['EPERM', HR.E_ACCESSDENIED, /permission denied/],
    ['EBADF', HR.ERROR_INVALID_HANDLE, /handle.*open it again/],
    ['ENOMEM', HR.E_OUTOFMEMORY, /out of memory/],
    ['EIO', HR.ERROR_IO_DEVICE, /reported an error/],
  ];
  for (const [code, hr, text] of cases) {
    it(`${code} → ${formatHr(hr)}, not retryable, the file, the errno and what to do`, () => {
      const cause = errnoError(code);
      const e = imageFileError('/x/disc.img', 'writing', cause, 'at LBA 7');
      assertPermanent(e, hr, '/x/disc.img');
      assert.equal(e.cause, cause);
      assert.match(e.message, new RegExp(`writing /x/disc.img at LBA 7 failed: .*\\(${code}\\)`));
      assert.match(e.message, text);
    });
  }

  it('passes a DwError through as it is', () => {
    const e = new DwError(HR.E_IMAPI_RECORDER_LOCKED);
    assert.equal(imageFileError('/x/disc.img', 'creating', e), e);
  });
});

describe('image file errors: the store', () => {
  it('a full file system: 0x80070070 at the first access after the failed write, the blocks before it in the image', async () => {
    const path = imagePath();
    const store = await FileStore.open(path, { writeFault: { afterBytes: MiB, code: 'ENOSPC' } });
    const blocks = 8192; // 16 MiB: twice the cache, so the failure must surface
    const data = pattern(blocks * SECTOR);
    let failure: DwError | undefined;
    let accepted = 0;
    try {
      for (let lba = 0; lba < blocks && failure === undefined; lba += 32) {
        try {
          await store.write(lba, SECTOR, data.subarray(lba * SECTOR, (lba + 32) * SECTOR));
          accepted = lba + 32;
        } catch (e) {
          assert.ok(e instanceof DwError, String(e));
          failure = e;
        }
      }
      assert.ok(failure !== undefined, 'no write was refused');
      assertPermanent(failure, HR.ERROR_DISK_FULL, path);
      assert.equal(causeCode(failure), 'ENOSPC');
      assert.match(failure.message, /at LBA 512 failed: its file system is full \(ENOSPC\)/);
      assert.ok(accepted > 512, `${accepted} blocks accepted before the refusal`);
      // Every later access reports the same, and nothing waits for a file that cannot take it.
      const again = await rejectsWith(store.sync());
      assert.equal(again, failure);
      assert.equal(await rejectsWith(store.readRun(0, 1)), failure);
    } finally {
      assert.equal(await rejectsWith(store.close()), failure);
    }
    const file = await fileBytes(path);
    assert.equal(file.length, MiB);
    assert.deepEqual(file, data.subarray(0, MiB));
  });

  it('a closed handle: 0x80070006; a read-only file system: E_ACCESSDENIED', async () => {
    for (const [code, hr] of [
      ['EBADF', HR.ERROR_INVALID_HANDLE],
      ['EROFS', HR.E_ACCESSDENIED],
    ] as const) {
      const path = imagePath();
      const store = await FileStore.open(path, { writeFault: { afterBytes: 0, code } });
      await store.write(0, SECTOR, pattern(32 * SECTOR));
      const e = await rejectsWith(store.sync());
      assertPermanent(e, hr, path);
      assert.equal(causeCode(e), code);
      assert.match(e.message, /at LBA 0 failed/);
      await store.close().catch(() => undefined);
    }
  });

  it('an image that cannot be opened names itself and the cause', async () => {
    // A directory where the image should be: opening it for writing fails with EISDIR.
    const dir = await mkdtemp(join(tmpdir(), 'dw-image-dir-'));
    try {
      const e = await rejectsWith(FileStore.open(dir));
      assertPermanent(e, HR.ERROR_IO_DEVICE, dir);
      assert.match(e.message, /opening .* failed: .*\(EISDIR\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a writer thread that dies: 0x8007045D, not retryable, naming the thread and the image', async () => {
    const path = imagePath();
    const { store, writer } = await openWithWriterThread(path);
    try {
      await store.write(0, SECTOR, pattern(128 * SECTOR));
      await writer.terminate();
      const e = await rejectsWith(store.sync());
      assertPermanent(e, HR.ERROR_IO_DEVICE, path);
      assert.match(e.message, /image writer thread ended unexpectedly.*open it again/);
      assert.ok(e.cause instanceof Error);
    } finally {
      await store.close().catch(() => undefined);
    }
  });
});

describe('image file errors: the drive under a burner', () => {
  it('ENOSPC after 1 MiB: writeSection rejects 0x80070070, the image holds every block before it, close lets go', async () => {
    const path = imagePath();
    const t = await burner(`virtual:dvd+r?image=${path}&speed=max`, {
      afterBytes: MiB,
      code: 'ENOSPC',
    });
    const blocks = 8192;
    const data = pattern(blocks * SECTOR);
    const e = await rejectsWith(t.engine.writeSection(data, 0, blocks));
    assert.equal(e.hr, HR.ERROR_DISK_FULL, `${formatHr(e.hr)}: ${e.message}`);
    assert.match(e.message, /ENOSPC/);
    assert.ok(e.message.includes(path), e.message);
    // The drive's own rejection, as the log has it.
    const refused = t.drive.control.log.find((x) => x.error !== undefined);
    assert.ok(refused?.error !== undefined);
    assertPermanent(refused.error, HR.ERROR_DISK_FULL, path);
    assert.equal(causeCode(refused.error), 'ENOSPC');
    // close() still lets go of the file and the writer thread; it reports the failure again.
    assert.equal((await rejectsWith(t.recorder.close())).hr, HR.ERROR_DISK_FULL);
    assert.deepEqual(await fileBytes(path), data.subarray(0, MiB));
  });

  it('a section smaller than what the drive holds: the failure comes with SYNCHRONIZE CACHE at the latest', async () => {
    const path = imagePath();
    const t = await burner(`virtual:dvd+r?image=${path}&speed=max`, {
      afterBytes: MiB,
      code: 'ENOSPC',
    });
    const blocks = 1024; // 2 MiB: it may all be accepted before the writer meets the full disk
    const e = await rejectsWith(
      t.engine
        .writeSection(pattern(blocks * SECTOR), 0, blocks)
        .then(() => t.recorder.synchronizeCache()),
    );
    assert.equal(e.hr, HR.ERROR_DISK_FULL, `${formatHr(e.hr)}: ${e.message}`);
    assert.match(e.message, /at LBA 512 failed.*ENOSPC/);
    await t.recorder.close().catch(() => undefined);
  });

  it('a read-only file system: writeSection rejects E_ACCESSDENIED, nothing reaches the image', async () => {
    const path = imagePath();
    const t = await burner(`virtual:bd-r?image=${path}&speed=max`, {
      afterBytes: 0,
      code: 'EROFS',
    });
    const e = await rejectsWith(t.engine.writeSection(pattern(4096 * SECTOR), 0, 4096));
    assert.equal(e.hr, HR.E_ACCESSDENIED, `${formatHr(e.hr)}: ${e.message}`);
    assert.match(e.message, /read-only/);
    await t.recorder.close().catch(() => undefined);
    assert.equal((await stat(path)).size, 0);
  });
});

/** A fresh 1 MiB tmpfs for `fn`, or undefined when this machine does not let the test mount one. */
async function onSmallFileSystem(fn: (dir: string) => Promise<void>): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'dw-small-fs-'));
  try {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      return false;
    }
    try {
      await fn(dir);
    } finally {
      // Fails (EBUSY) while anything still holds a file there: the drive must have let go.
      execFileSync('umount', [dir]);
    }
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('image file errors: a real small file system (tmpfs of 1 MiB)', () => {
  it('a burner writing 16 MiB: 0x80070070 naming ENOSPC, what fitted is in the image, nothing holds the file system', async (t) => {
    const ran = await onSmallFileSystem(async (dir) => {
      const path = join(dir, 'disc.img');
      const b = await burner(`virtual:dvd+r?image=${path}&speed=max`);
      // More than the drive holds unwritten (8 MiB of cache, 4 MiB of held WRITEs), so a WRITE
      // of the section, not only the SYNCHRONIZE CACHE after it, must meet the failure.
      const blocks = 8192;
      const data = pattern(blocks * SECTOR);
      const e = await rejectsWith(b.engine.writeSection(data, 0, blocks));
      assert.equal(e.hr, HR.ERROR_DISK_FULL, `${formatHr(e.hr)}: ${e.message}`);
      const refused = b.drive.control.log.find((x) => x.error !== undefined)?.error;
      assert.ok(refused !== undefined);
      assertPermanent(refused, HR.ERROR_DISK_FULL, path);
      assert.equal(causeCode(refused), 'ENOSPC');
      const lba = Number(/at LBA (\d+) failed/.exec(refused.message)?.[1]);
      assert.ok(lba > 0 && lba < blocks, refused.message);
      await rejectsWith(b.recorder.close());
      const file = await fileBytes(path);
      assert.deepEqual(file.subarray(0, lba * SECTOR), data.subarray(0, lba * SECTOR));
    });
    if (!ran) t.skip('mounting a tmpfs is not permitted here');
  });

  it('full before the first WRITE: opening a new image rejects 0x80070070 naming its sidecar, and lets go of the image', async (t) => {
    const ran = await onSmallFileSystem(async (dir) => {
      // Fill the file system: the write stores what fits, then fails with ENOSPC.
      await writeFile(join(dir, 'filler'), new Uint8Array(2 * MiB)).catch(() => undefined);
      const path = join(dir, 'disc.img');
      const e = await rejectsWith(openVirtualDrive(`virtual:dvd+r?image=${path}`));
      assertPermanent(e, HR.ERROR_DISK_FULL, `${path}.json`);
      assert.equal(causeCode(e), 'ENOSPC');
      assert.match(e.message, /writing .*disc\.img\.json failed: its file system is full/);
    });
    if (!ran) t.skip('mounting a tmpfs is not permitted here');
  });

  it('a read-only file system: opening the image rejects E_ACCESSDENIED naming it and EROFS', async (t) => {
    const ran = await onSmallFileSystem(async (dir) => {
      const path = join(dir, 'disc.img');
      const address = `virtual:dvd+r?image=${path}&speed=max`;
      await (await openVirtualDrive(address)).close();
      execFileSync('mount', ['-o', 'remount,ro', dir]);
      const e = await rejectsWith(openVirtualDrive(address));
      assertPermanent(e, HR.E_ACCESSDENIED, path);
      assert.equal(causeCode(e), 'EROFS');
      assert.match(e.message, /opening .* failed: its file system is read-only \(EROFS\)/);
    });
    if (!ran) t.skip('mounting a tmpfs is not permitted here');
  });
});
