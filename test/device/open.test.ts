// Local addresses through openRecorder and the discwright command, on a machine without SCSI
// devices: /dev paths reach the SG_IO transport through koffi and fail there with its error,
// Windows addresses fail on Linux with an error that names Windows, never as unknown addresses.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressKind, openRecorder } from '../../src/device/index.js';
import { HR, formatHr } from '../../src/errors.js';
import { loadLibc } from '../../src/transport/sgio/libc.js';
import { rejectsWith } from '../helpers/recorder.js';

let koffiMissing: string | false = false;
try {
  await loadLibc();
} catch (e) {
  koffiMissing = `koffi unavailable: ${(e as Error).message}`;
}
const linuxOnly = process.platform !== 'linux' ? 'Linux only' : false;
const sgioSkip = linuxOnly || koffiMissing;
// A machine with drives has a real /dev/sg0; the missing-node case needs one that is absent.
const sg0Skip = sgioSkip || (existsSync('/dev/sg0') ? '/dev/sg0 exists on this machine' : false);
// A regular file under /dev: tmpfs at /dev/shm, where most Linux systems mount it.
const shmSkip = sgioSkip || (existsSync('/dev/shm') ? false : 'no /dev/shm');

const here = dirname(fileURLToPath(import.meta.url));
// From dist/test/device/ the CLI is dist/src/cli/main.js; from test/device/ (tsx) the same file.
const MAIN = here.split(sep).includes('dist')
  ? resolve(here, '../../src/cli/main.js')
  : resolve(here, '../../dist/src/cli/main.js');

function cli(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdout.resume();
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res({ code, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

describe('addressKind: local addresses', () => {
  it('routes every path under /dev/ to SG_IO', () => {
    for (const a of [
      '/dev/sg0',
      '/dev/sr1',
      '/dev/cdrom',
      '/dev/dvdrw',
      '/dev/null',
      '/dev/disk/by-id/usb-ASUS_SDRW-08U7M-U-0:0',
    ]) {
      assert.equal(addressKind(a), 'sgio', a);
    }
  });
  it('routes drive letters and CD-ROM class devices to SPTI', () => {
    for (const a of ['D:', 'd:\\', '\\\\.\\E:', '\\\\.\\CdRom0', '\\\\?\\cdrom12', 'CdRom3']) {
      assert.equal(addressKind(a), 'spti', a);
    }
  });
  it('leaves paths outside /dev and the bare /dev/ unrouted', () => {
    for (const a of ['/dev/', '/tmp/disc.img', './disc.iso', 'dev/sg0', 'DD:', '\\\\.\\Tape0']) {
      assert.equal(addressKind(a), undefined, a);
    }
  });
});

describe('openRecorder with local addresses', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'discwright-open-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    '/dev/sg0 that does not exist: SG_IO reports 0x80070037 with the path',
    { skip: sg0Skip },
    async () => {
      const e = await rejectsWith(openRecorder('/dev/sg0'));
      assert.equal(e.hr, HR.ERROR_DEV_NOT_EXIST);
      assert.match(e.message, /no such device: \/dev\/sg0/);
      assert.match(e.message, /ENOENT/);
    },
  );

  it('/dev/null reaches SG_IO through koffi: "not a SCSI device"', { skip: sgioSkip }, async () => {
    const e = await rejectsWith(openRecorder('/dev/null'));
    assert.equal(e.hr, HR.E_INVALIDARG);
    assert.match(e.message, /\/dev\/null is not a SCSI device/);
    assert.match(e.message, /ENOTTY/);
  });

  describe('regular files and links under /dev', { skip: shmSkip }, () => {
    let shm = '';
    before(async () => {
      shm = await mkdtemp('/dev/shm/discwright-open-');
    });
    after(async () => {
      if (shm !== '') await rm(shm, { recursive: true, force: true });
    });

    it('a regular file: "not a SCSI device" from the SG_IO ioctl', async () => {
      const file = join(shm, 'disc.img');
      await writeFile(file, new Uint8Array(4096));
      const e = await rejectsWith(openRecorder(file));
      assert.equal(e.hr, HR.E_INVALIDARG);
      assert.ok(e.message.includes(`${file} is not a SCSI device`), e.message);
    });

    it('a link such as /dev/cdrom is followed to its node', async () => {
      const link = join(shm, 'cdrom');
      await symlink('/dev/null', link);
      const e = await rejectsWith(openRecorder(link));
      assert.equal(e.hr, HR.E_INVALIDARG);
      assert.match(e.message, /not a SCSI device/);
      assert.doesNotMatch(e.message, /unknown recorder address/);
    });
  });

  it('a file outside /dev is an unknown address that points to virtual:…?image=', async () => {
    const file = join(dir, 'disc.img');
    await writeFile(file, new Uint8Array(2048));
    const e = await rejectsWith(openRecorder(file));
    assert.equal(e.hr, HR.E_INVALIDARG);
    assert.match(e.message, /unknown recorder address/);
    assert.match(e.hint ?? '', /virtual:dvd\+r\?image=/);
  });

  for (const a of ['D:', '\\\\.\\CdRom0']) {
    it(
      `${a} on Linux is E_NOTIMPL naming Windows, not an unknown address`,
      { skip: linuxOnly },
      async () => {
        const e = await rejectsWith(openRecorder(a));
        assert.equal(e.hr, HR.E_NOTIMPL);
        assert.ok(e.message.includes(`'${a}'`), e.message);
        assert.match(e.message, /Windows drive address/);
        assert.match(e.message, /Windows only; this is linux/);
        assert.doesNotMatch(e.message, /unknown/);
        assert.match(e.hint ?? '', /\/dev\/srN or \/dev\/sgN/);
      },
    );
  }
});

describe('discwright info with local addresses (built CLI)', () => {
  it(
    'info /dev/sg0 prints the SG_IO error with its HRESULT and exits 1',
    { skip: sg0Skip },
    async () => {
      const r = await cli(['info', '/dev/sg0']);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(formatHr(HR.ERROR_DEV_NOT_EXIST)), r.stderr);
      assert.match(r.stderr, /ERROR_DEV_NOT_EXIST/);
      assert.match(r.stderr, /no such device: \/dev\/sg0/);
    },
  );

  it(
    'info D: on Linux prints E_NOTIMPL naming Windows and exits 1',
    { skip: linuxOnly },
    async () => {
      const r = await cli(['info', 'D:']);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(formatHr(HR.E_NOTIMPL)), r.stderr);
      assert.match(r.stderr, /Windows only/);
    },
  );

  it(
    'info /dev/null prints "not a SCSI device" as a usage error (exit 2)',
    { skip: sgioSkip },
    async () => {
      const r = await cli(['info', '/dev/null']);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(formatHr(HR.E_INVALIDARG)), r.stderr);
      assert.match(r.stderr, /\/dev\/null is not a SCSI device/);
    },
  );
});
