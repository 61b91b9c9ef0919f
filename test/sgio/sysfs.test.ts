import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { HR } from '../../src/errors.js';
import {
  mountPointsOf,
  parseGroupFile,
  parseMounts,
  unescapeMountField,
} from '../../src/transport/sgio/mounts.js';
import { listLocalRecordersFrom } from '../../src/transport/sgio/discovery.js';
import {
  busTypeFromSysfsPath,
  describeNode,
  devMajorMinor,
} from '../../src/transport/sgio/sysfs.js';
import { parseUdevMedia } from '../../src/transport/sgio/udev-media.js';

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}
async function link(target: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await symlink(relative(dirname(path), target), path);
}

describe('mounts and groups', () => {
  it('parses /proc/self/mounts with octal escapes', () => {
    const m = parseMounts(
      'proc /proc proc rw 0 0\n/dev/sr0 /media/me/MY\\040DISC iso9660 ro,nosuid 0 0\n\nbad\n',
    );
    assert.equal(m.length, 2);
    assert.deepEqual(m[1], {
      source: '/dev/sr0',
      target: '/media/me/MY DISC',
      fsType: 'iso9660',
      options: 'ro,nosuid',
    });
    assert.equal(unescapeMountField('a\\011b\\134c'), 'a\tb\\c');
  });
  it('parses /etc/group', () => {
    const g = parseGroupFile('root:x:0:\ndisk:x:6:\ncdrom:x:24:me,you\nbroken\n');
    assert.equal(g.get(24), 'cdrom');
    assert.equal(g.get(6), 'disk');
    assert.equal(g.size, 3);
  });
  it('decodes dev_t as Linux encodes it', () => {
    assert.deepEqual(devMajorMinor(0x0b00), { major: 11, minor: 0 });
    assert.deepEqual(devMajorMinor(0x1501), { major: 21, minor: 1 });
    assert.deepEqual(devMajorMinor(0x100300), { major: 3, minor: 0x100 });
  });
  it('tells bus types from the sysfs path', () => {
    assert.equal(
      busTypeFromSysfsPath(
        '/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0',
      ),
      'usb',
    );
    assert.equal(
      busTypeFromSysfsPath('/sys/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0'),
      'sata',
    );
    assert.equal(
      busTypeFromSysfsPath('/sys/devices/platform/host7/session1/target7:0:0/7:0:0:1'),
      'iscsi',
    );
    assert.equal(busTypeFromSysfsPath('/sys/devices/pci0000:00/host0/target0:0:0/0:0:0:0'), 'scsi');
  });
});

describe('udev media records', () => {
  it('reads the disc type and state cdrom_id recorded', () => {
    const m = parseUdevMedia(
      'S:cdrom\nE:ID_CDROM=1\nE:ID_CDROM_DVD_PLUS_R=1\nE:ID_CDROM_MEDIA=1\nE:ID_CDROM_MEDIA_DVD_PLUS_R=1\n' +
        'E:ID_CDROM_MEDIA_STATE=appendable\nE:ID_CDROM_MEDIA_SESSION_COUNT=2\nE:ID_CDROM_MEDIA_TRACK_COUNT=3\n',
    );
    assert.deepEqual(m, { type: 'DVD+R', state: 'appendable', sessionCount: 2, trackCount: 3 });
  });
  it('prefers the most specific media name', () => {
    const m = parseUdevMedia(
      'E:ID_CDROM_MEDIA=1\nE:ID_CDROM_MEDIA_DVD_RW=1\nE:ID_CDROM_MEDIA_DVD_RW_RO=1\n',
    );
    assert.equal(m?.type, 'DVD-RW (restricted overwrite)');
  });
  it('says nothing when there is no disc or no record', () => {
    assert.equal(parseUdevMedia('E:ID_CDROM=1\nE:ID_CDROM_CD=1\n'), undefined);
    assert.equal(parseUdevMedia(''), undefined);
  });
  it('ignores capability flags that are not media', () => {
    assert.deepEqual(
      parseUdevMedia('E:ID_CDROM_MEDIA=1\nE:ID_CDROM_MEDIA_BD_RE=1\nE:ID_CDROM_BD=1\n'),
      {
        type: 'BD-RE',
      },
    );
  });
});

describe('discovery over a fake sysfs tree', () => {
  let root = '';
  const roots = () => ({
    sysfsRoot: join(root, 'sys'),
    devRoot: join(root, 'dev'),
    udevDataDir: join(root, 'udev'),
    mountsPath: join(root, 'mounts'),
    groupPath: join(root, 'group'),
  });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'discwright-sysfs-'));
    const sys = join(root, 'sys');
    // A USB DVD writer with sr0 and sg1; a SATA BD writer with only sg2 (sr not bound, node
    // missing from /dev); a disk (type 0) with sg0 that must not be listed.
    const usb = join(
      sys,
      'devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0',
    );
    await put(join(usb, 'type'), '5\n');
    await put(join(usb, 'vendor'), 'HL-DT-ST\n');
    await put(join(usb, 'model'), 'DVDRAM GP57EB40 \n');
    await put(join(usb, 'rev'), 'PF00\n');
    await put(join(usb, 'block/sr0/dev'), '11:0\n');
    await put(join(usb, 'scsi_generic/sg1/dev'), '21:1\n');
    await link(usb, join(usb, 'block/sr0/device'));
    await link(usb, join(usb, 'scsi_generic/sg1/device'));
    await link(join(usb, 'block/sr0'), join(sys, 'class/block/sr0'));
    await link(join(usb, 'scsi_generic/sg1'), join(sys, 'class/scsi_generic/sg1'));
    await put(join(sys, 'block/sr0/queue/max_sectors_kb'), '120\n');

    const sata = join(sys, 'devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0');
    await put(join(sata, 'type'), '5\n');
    await put(join(sata, 'vendor'), 'PIONEER\n');
    await put(join(sata, 'model'), 'BD-RW BDR-209D\n');
    await put(join(sata, 'rev'), '1.10\n');
    await put(join(sata, 'scsi_generic/sg2/dev'), '21:2\n');
    await link(sata, join(sata, 'scsi_generic/sg2/device'));
    await link(join(sata, 'scsi_generic/sg2'), join(sys, 'class/scsi_generic/sg2'));

    const disk = join(sys, 'devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0');
    await put(join(disk, 'type'), '0\n');
    await put(join(disk, 'scsi_generic/sg0/dev'), '21:0\n');
    await link(disk, join(disk, 'scsi_generic/sg0/device'));
    await link(join(disk, 'scsi_generic/sg0'), join(sys, 'class/scsi_generic/sg0'));
    await put(join(sys, 'class/block/loop0/dev'), '7:0\n');

    await put(join(root, 'dev/sr0'), '');
    await put(join(root, 'dev/sg1'), '');
    await put(
      join(root, 'udev/b11:0'),
      'E:ID_CDROM_MEDIA=1\nE:ID_CDROM_MEDIA_DVD_PLUS_RW=1\nE:ID_CDROM_MEDIA_STATE=complete\n',
    );
    await put(join(root, 'mounts'), `${join(root, 'dev/sr0')} /media/me/BACKUP udf ro 0 0\n`);
    await put(join(root, 'group'), 'cdrom:x:24:\n');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists optical drives with identity, nodes, media, mounts and problems', async () => {
    const list = await listLocalRecordersFrom(roots());
    assert.equal(list.length, 2);
    const [dvd, bd] = list;
    assert.equal(dvd!.path, join(root, 'dev/sr0'));
    assert.equal(dvd!.sgPath, join(root, 'dev/sg1'));
    assert.equal(dvd!.vendor, 'HL-DT-ST');
    assert.equal(dvd!.model, 'DVDRAM GP57EB40');
    assert.equal(dvd!.revision, 'PF00');
    assert.equal(dvd!.scsiAddress, '6:0:0:0');
    assert.equal(dvd!.busType, 'usb');
    assert.equal(dvd!.legacyDeviceNumber, 0);
    assert.deepEqual(dvd!.media, { type: 'DVD+RW', state: 'complete' });
    assert.deepEqual(dvd!.mountPoints, ['/media/me/BACKUP']);
    assert.equal(dvd!.accessible, true);
    assert.deepEqual(dvd!.problems, []);

    assert.equal(bd!.path, join(root, 'dev/sg2'));
    assert.equal(bd!.blockPath, undefined);
    assert.equal(bd!.busType, 'sata');
    assert.equal(bd!.legacyDeviceNumber, -1);
    assert.equal(bd!.accessible, false);
    assert.equal(bd!.problems.length, 1);
    assert.equal(bd!.problems[0]!.code, 'ENOENT');
    assert.equal(bd!.problems[0]!.hr, HR.ERROR_DEV_NOT_EXIST);
  });
  it('can skip the open probe', async () => {
    const list = await listLocalRecordersFrom({ ...roots(), probeOpen: false });
    assert.equal(list[1]!.problems.length, 0);
    assert.equal(list[1]!.accessible, true);
  });
  it('falls back to /dev/sr* when sysfs has no SCSI classes', async () => {
    const list = await listLocalRecordersFrom({ ...roots(), sysfsRoot: join(root, 'nosys') });
    assert.equal(list.length, 1);
    assert.equal(list[0]!.path, join(root, 'dev/sr0'));
    assert.equal(list[0]!.vendor, '');
    assert.deepEqual(list[0]!.mountPoints, ['/media/me/BACKUP']);
  });
  it('mountPointsOf matches through the real path', () => {
    assert.deepEqual(mountPointsOf(join(root, 'dev/sr0'), join(root, 'mounts')), [
      '/media/me/BACKUP',
    ]);
    assert.deepEqual(mountPointsOf(join(root, 'dev/sg1'), join(root, 'mounts')), []);
    assert.deepEqual(mountPointsOf(join(root, 'dev/sr0'), join(root, 'missing')), []);
  });
  it('describes non-device paths as "other" and missing ones as ENOENT', async () => {
    const d = await describeNode(join(root, 'dev/sr0'), roots());
    assert.equal(d.kind, 'other');
    assert.equal(d.scsi, undefined);
    await assert.rejects(describeNode(join(root, 'dev/none'), roots()), (e: unknown) => {
      assert.equal((e as { hr: number }).hr, HR.ERROR_DEV_NOT_EXIST);
      return true;
    });
  });
  it('describes /dev/null as a character device without a SCSI device', async () => {
    const d = await describeNode('/dev/null');
    assert.equal(d.major, 1);
    assert.equal(d.minor, 3);
    assert.equal(d.scsi, undefined);
  });
});
