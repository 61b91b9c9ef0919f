// End to end through koffi on a machine without a SCSI subsystem: /dev/null and a regular file
// prove the SG_IO error path ("not a SCSI device"), the transport contract around it, and the
// exclusive-access lock between two handles.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DwError, HR } from '../../src/errors.js';
import type { ScsiCommand } from '../../src/scsi/command.js';
import { openSgioTransport } from '../../src/transport/sgio/index.js';
import {
  LinuxExclusiveAccess,
  lockFileName,
  parseLockRecord,
} from '../../src/transport/sgio/exclusive.js';
import { loadLibc } from '../../src/transport/sgio/libc.js';
import type { Transport } from '../../src/transport/transport.js';
import { h } from '../helpers/bytes.js';

let koffiMissing: string | false = false;
try {
  await loadLibc();
} catch (e) {
  koffiMissing = `koffi unavailable: ${(e as Error).message}`;
}
const skip = process.platform !== 'linux' ? 'Linux only' : koffiMissing;

const tur: ScsiCommand = {
  name: 'TEST UNIT READY',
  cdb: h('00 00 00 00 00 00'),
  direction: 'none',
};
const inquiry: ScsiCommand = {
  name: 'INQUIRY',
  cdb: h('12 00 00 00 60 00'),
  direction: 'in',
  allocationLength: 96,
};

function isDw(hr: number, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof DwError, `not a DwError: ${String(e)}`);
    assert.equal(e.hr, hr, `${e.code}: ${e.message}`);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  };
}

describe('SG_IO through koffi on non-SCSI nodes', { skip }, () => {
  let dir = '';
  let file = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'discwright-sgio-'));
    file = join(dir, 'image.bin');
    await writeFile(file, new Uint8Array(4096));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const target of ['/dev/null', 'a regular file']) {
    it(`opening ${target} fails with "not a SCSI device"`, async () => {
      const path = target === '/dev/null' ? target : file;
      await assert.rejects(openSgioTransport(path), isDw(HR.E_INVALIDARG, /not a SCSI device/));
    });
    it(`SG_IO on ${target} rejects with "not a SCSI device" and names the command`, async () => {
      const path = target === '/dev/null' ? target : file;
      const t = await openSgioTransport(path, { verifyScsi: false, lockDir: dir });
      try {
        await assert.rejects(t.execute(inquiry), (e: unknown) => {
          isDw(HR.E_INVALIDARG, /not a SCSI device/)(e);
          assert.equal((e as DwError).command, 'INQUIRY');
          return true;
        });
        await assert.rejects(t.execute(tur, { timeoutMs: 1000 }), isDw(HR.E_INVALIDARG));
      } finally {
        await t.close();
      }
    });
  }

  it('a missing node is ERROR_DEV_NOT_EXIST', async () => {
    await assert.rejects(
      openSgioTransport(join(dir, 'sg99')),
      isDw(HR.ERROR_DEV_NOT_EXIST, /no such device/),
    );
  });

  describe('transport contract', () => {
    let t: Transport;
    before(async () => {
      t = await openSgioTransport('/dev/null', { verifyScsi: false, lockDir: dir });
    });
    after(async () => {
      await t.close();
    });
    it('a second execute before the first settled is E_FAIL, without touching the device', async () => {
      const first = t.execute(tur);
      await assert.rejects(t.execute(tur), isDw(HR.E_FAIL, /in flight/));
      await assert.rejects(first, isDw(HR.E_INVALIDARG));
    });
    it('an already aborted signal is E_IMAPI_REQUEST_CANCELLED', async () => {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(
        t.execute(tur, { signal: ac.signal }),
        isDw(HR.E_IMAPI_REQUEST_CANCELLED),
      );
    });
    it('an abort while the ioctl runs rejects at once; the next command still runs', async () => {
      const ac = new AbortController();
      const p = t.execute(tur, { signal: ac.signal });
      ac.abort();
      await assert.rejects(p, isDw(HR.E_IMAPI_REQUEST_CANCELLED));
      await assert.rejects(t.execute(tur), isDw(HR.E_INVALIDARG, /not a SCSI device/));
    });
    it('rejects CDBs SG_IO cannot carry and bad timeouts as E_INVALIDARG', async () => {
      await assert.rejects(
        t.execute({ ...tur, cdb: new Uint8Array(17) }),
        isDw(HR.E_INVALIDARG, /17 bytes/),
      );
      await assert.rejects(t.execute(tur, { timeoutMs: 0 }), isDw(HR.E_INVALIDARG, /timeoutMs/));
    });
    it('reports defaults for limits and platform', () => {
      assert.deepEqual(t.limits(), {
        maxPageAlignedTransferBytes: 65536,
        maxNonPageAlignedTransferBytes: 65536,
        alignment: 1,
        busType: 'unknown',
      });
      assert.deepEqual(t.platform?.(), {
        volumeName: '/dev/null',
        volumePathNames: [],
        legacyDeviceNumber: -1,
      });
      assert.equal(t.address, '/dev/null');
    });
    it('media-change suppression is a harmless no-op without a block device', async () => {
      await t.setMediaChangeNotification?.(false);
      await t.setMediaChangeNotification?.(true);
    });
  });

  it('close is idempotent; execute afterwards is ERROR_INVALID_HANDLE', async () => {
    const t = await openSgioTransport('/dev/null', { verifyScsi: false, lockDir: dir });
    await t.close();
    await t.close();
    await assert.rejects(t.execute(tur), isDw(HR.ERROR_INVALID_HANDLE, /closed/));
  });

  describe('exclusive access', () => {
    it('one holder at a time; others see its client name; release frees it', async () => {
      const a = await openSgioTransport(file, { verifyScsi: false, lockDir: dir });
      const b = await openSgioTransport(file, { verifyScsi: false, lockDir: dir });
      try {
        assert.equal(await b.exclusiveAccess!.owner(), '');
        await a.exclusiveAccess!.acquire(false, 'Burner A');
        assert.equal(await a.exclusiveAccess!.owner(), 'Burner A');
        assert.equal(await b.exclusiveAccess!.owner(), 'Burner A');
        await assert.rejects(
          b.exclusiveAccess!.acquire(false, 'Burner B'),
          isDw(
            HR.E_IMAPI_RECORDER_LOCKED,
            new RegExp(`held by 'Burner A' \\(pid ${process.pid}\\)`),
          ),
        );
        await assert.rejects(
          b.exclusiveAccess!.acquire(true, 'Burner B'),
          isDw(HR.E_IMAPI_RECORDER_LOCKED),
        );
        await a.exclusiveAccess!.release();
        assert.equal(await b.exclusiveAccess!.owner(), '');
        await b.exclusiveAccess!.acquire(false, 'Burner B');
        assert.equal(await a.exclusiveAccess!.owner(), 'Burner B');
      } finally {
        await a.close();
        await b.close();
      }
    });
    it('closing the holder releases the lock', async () => {
      const a = await openSgioTransport(file, { verifyScsi: false, lockDir: dir });
      const b = await openSgioTransport(file, { verifyScsi: false, lockDir: dir });
      await a.exclusiveAccess!.acquire(false, 'A');
      await a.close();
      assert.equal(await b.exclusiveAccess!.owner(), '');
      await b.close();
    });
    it('refuses while the disc is mounted unless forced', async () => {
      const libc = await loadLibc();
      const mounts = join(dir, 'mounts');
      await writeFile(mounts, `${file} /media/me/DISC iso9660 ro 0 0\n`);
      const x = new LinuxExclusiveAccess({ key: 'mounted', path: file, blockPath: file }, libc, {
        lockDir: dir,
        mountsPath: mounts,
      });
      await assert.rejects(
        x.acquire(false, 'A'),
        isDw(HR.E_ACCESSDENIED, /mounted at \/media\/me\/DISC/),
      );
      assert.equal(x.isHeld, false);
      await x.acquire(true, 'A');
      assert.equal(x.isHeld, true);
      await x.release();
      await x.release();
      assert.equal(x.isHeld, false);
    });
    it('lock files are named by a sanitised drive key and record the holder', () => {
      assert.equal(lockFileName('6:0:0:0'), 'discwright-6_0_0_0.lock');
      assert.equal(lockFileName('/dev/sr0'), 'discwright-_dev_sr0.lock');
      assert.deepEqual(parseLockRecord('{"client":"IMAPI","pid":12}'), {
        client: 'IMAPI',
        pid: 12,
      });
      assert.deepEqual(parseLockRecord('garbage'), { client: '' });
    });
  });
});
