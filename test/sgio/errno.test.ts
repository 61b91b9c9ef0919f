import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HR } from '../../src/errors.js';
import { errnoError, permissionHint, UDEV_RULE } from '../../src/transport/sgio/errno.js';
import { h } from '../helpers/bytes.js';

const write10 = {
  name: 'WRITE(10)',
  cdb: h('2A 00 00000000 00 0010 00'),
  direction: 'out' as const,
};

describe('errno → DwError (spec §4.7)', () => {
  const table: [string, 'open' | 'ioctl', number][] = [
    ['EACCES', 'open', HR.E_ACCESSDENIED],
    ['EPERM', 'open', HR.E_ACCESSDENIED],
    ['EROFS', 'open', HR.E_ACCESSDENIED],
    ['ENOENT', 'open', HR.ERROR_DEV_NOT_EXIST],
    ['EBUSY', 'open', HR.E_IMAPI_RECORDER_LOCKED],
    ['ENODEV', 'ioctl', HR.ERROR_DEV_NOT_EXIST],
    ['ENXIO', 'ioctl', HR.ERROR_DEV_NOT_EXIST],
    ['ENOTTY', 'ioctl', HR.E_INVALIDARG],
    ['EINVAL', 'ioctl', HR.E_INVALIDARG],
    ['ENOMEM', 'ioctl', HR.E_OUTOFMEMORY],
    ['EBADF', 'ioctl', HR.ERROR_INVALID_HANDLE],
    ['ENOMEDIUM', 'open', HR.E_IMAPI_RECORDER_MEDIA_NO_MEDIA],
    ['EIO', 'ioctl', HR.ERROR_IO_DEVICE],
    ['EFAULT', 'ioctl', HR.ERROR_IO_DEVICE],
  ];
  for (const [code, op, hr] of table) {
    it(`${code} during ${op} → ${HR.E_INVALIDARG === hr ? 'E_INVALIDARG' : '0x' + hr.toString(16)}`, () => {
      const e = errnoError(code, { op, path: '/dev/sg1', command: write10 });
      assert.equal(e.hr, hr);
      assert.match(e.message, new RegExp(`\\[${code}\\]`));
      assert.equal(e.command, 'WRITE(10)');
    });
  }
  it('ENOTTY says "not a SCSI device"', () => {
    const e = errnoError('ENOTTY', { op: 'ioctl', path: '/dev/null' });
    assert.match(e.message, /\/dev\/null is not a SCSI device/);
    assert.match(e.hint ?? '', /discwright devices/);
  });
  it('ENODEV mid-write says the device vanished during the command', () => {
    const e = errnoError('ENODEV', { op: 'ioctl', path: '/dev/sg1', command: write10 });
    assert.match(e.message, /vanished during WRITE\(10\)/);
  });
  it('EACCES carries a hint naming the group', () => {
    const e = errnoError('EACCES', {
      op: 'open',
      path: '/dev/sg1',
      access: { group: 'cdrom', mode: 0o660, memberOfGroup: false, kind: 'sg' },
    });
    assert.match(e.hint ?? '', /group 'cdrom'/);
    assert.match(e.hint ?? '', /usermod -aG cdrom/);
  });
});

describe('permissionHint', () => {
  it('suggests joining the owning group', () => {
    assert.match(permissionHint('/dev/sr0', { group: 'cdrom', mode: 0o660 }), /usermod -aG cdrom/);
  });
  it('steers away from the disk group towards a udev rule', () => {
    const text = permissionHint('/dev/sg1', { group: 'disk', mode: 0o660 });
    assert.match(text, /'disk'/);
    assert.ok(text.includes(UDEV_RULE));
  });
  it('asks for a udev rule when the group cannot write', () => {
    const text = permissionHint('/dev/sg1', { group: 'cdrom', mode: 0o640 });
    assert.match(text, /not writable by its group 'cdrom' \(mode 640\)/);
    assert.ok(text.includes(UDEV_RULE));
  });
  it('tells a fresh group member to log in again', () => {
    assert.match(
      permissionHint('/dev/sr0', { group: 'cdrom', mode: 0o660, memberOfGroup: true }),
      /log out and in again/,
    );
  });
  it('still says what to do when the owner is unknown', () => {
    assert.match(permissionHint('/dev/sr0'), /ls -l \/dev\/sr0/);
  });
  it('the udev rule targets optical sg nodes', () => {
    assert.match(UDEV_RULE, /SUBSYSTEM=="scsi_generic"/);
    assert.match(UDEV_RULE, /ATTRS\{type\}=="5"/);
  });
});
