// The Windows SPTI transport's pure parts, tested on any OS: structure layouts (x64 and x86),
// IOCTL and FSCTL codes, descriptor decoding, the device interface GUID and list, transfer
// limits, Win32 error mapping, results, addresses.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DwError, HR } from '../../src/errors.js';
import type { ScsiCommand } from '../../src/scsi/command.js';
import { parseWindowsDriveAddress } from '../../src/transport/spti/address.js';
import {
  CdromLockFlag,
  IoctlCode,
  ScsiIoctlData,
  adapterTransferLimits,
  busTypeName,
  ctlCode,
  decodeCdromExclusiveLockState,
  decodeSptdReply,
  decodeStorageAdapterDescriptor,
  decodeStorageDeviceDescriptor,
  decodeStorageDeviceNumber,
  encodeCdromExclusiveAccess,
  encodeCdromExclusiveLock,
  encodeSptd,
  encodeStoragePropertyQuery,
  sptdLayout,
} from '../../src/transport/spti/layout.js';
import {
  Win32Error,
  sptdResult,
  sptdTimeoutSeconds,
  win32Error,
} from '../../src/transport/spti/status.js';
import { listWindowsRecorders } from '../../src/transport/spti/discovery.js';
import { openSptiTransport, sptiLimits } from '../../src/transport/spti/transport.js';
import {
  GUID_DEVINTERFACE_CDROM,
  decodeMultiSz,
  encodeGuid,
} from '../../src/transport/spti/devinterface.js';
import { isLocalDriveAddress, openLocalTransport } from '../../src/transport/local.js';
import { assertDecoderRobust, cat, h, zeros } from '../helpers/bytes.js';

const inquiry: ScsiCommand = {
  name: 'INQUIRY',
  cdb: h('12 00 00 00 24 00'),
  direction: 'in',
  allocationLength: 36,
};

describe('IOCTL codes (CTL_CODE of ntddscsi.h, ntddstor.h, ntddcdrm.h)', () => {
  it('match the published values', () => {
    assert.equal(IoctlCode.IOCTL_SCSI_PASS_THROUGH, 0x4d004);
    assert.equal(IoctlCode.IOCTL_SCSI_PASS_THROUGH_DIRECT, 0x4d014);
    assert.equal(IoctlCode.IOCTL_SCSI_GET_ADDRESS, 0x41018);
    assert.equal(IoctlCode.IOCTL_STORAGE_QUERY_PROPERTY, 0x2d1400);
    assert.equal(IoctlCode.IOCTL_STORAGE_GET_DEVICE_NUMBER, 0x2d1080);
    assert.equal(IoctlCode.IOCTL_STORAGE_MCN_CONTROL, 0x2d0944);
    assert.equal(IoctlCode.IOCTL_CDROM_EXCLUSIVE_ACCESS, 0x2c05c);
    assert.equal(ctlCode(0x2d, 0x500, 0, 0), 0x2d1400);
  });
});

describe('SCSI_PASS_THROUGH_DIRECT layout', () => {
  it('x64: DataBuffer at 24, SenseInfoOffset 32, Cdb 36, size 56', () => {
    const l = sptdLayout(8);
    assert.deepEqual(
      { ...l.offsets },
      {
        Length: 0,
        ScsiStatus: 2,
        PathId: 3,
        TargetId: 4,
        Lun: 5,
        CdbLength: 6,
        SenseInfoLength: 7,
        DataIn: 8,
        DataTransferLength: 12,
        TimeOutValue: 16,
        DataBuffer: 24,
        SenseInfoOffset: 32,
        Cdb: 36,
      },
    );
    assert.equal(l.size, 56);
    assert.equal(l.senseOffset, 56);
    assert.equal(l.totalSize, 88);
  });
  it('x86: DataBuffer at 20, SenseInfoOffset 24, Cdb 28, size 44', () => {
    const l = sptdLayout(4);
    assert.equal(l.offsets.DataBuffer, 20);
    assert.equal(l.offsets.SenseInfoOffset, 24);
    assert.equal(l.offsets.Cdb, 28);
    assert.equal(l.size, 44);
    assert.equal(l.totalSize, 76);
  });
  it('encodes an INQUIRY on x64 byte for byte', () => {
    const bytes = encodeSptd(sptdLayout(8), {
      cdb: inquiry.cdb,
      dataIn: ScsiIoctlData.SCSI_IOCTL_DATA_IN,
      dataTransferLength: 36,
      timeOutValue: 10,
      dataBuffer: 0x0000020012345000n,
      senseInfoLength: 32,
    });
    const expected = cat(
      h('3800'), // Length = 56
      h('00 00 00 00'), // ScsiStatus, PathId, TargetId, Lun
      h('06 20'), // CdbLength 6, SenseInfoLength 32
      h('01 000000'), // DataIn = IN, padding
      h('24000000'), // DataTransferLength 36
      h('0A000000'), // TimeOutValue 10 s
      zeros(4), // padding before the pointer
      h('0050341200020000'), // DataBuffer
      h('38000000'), // SenseInfoOffset 56
      h('12 00 00 00 24 00'),
      zeros(10), // Cdb[16]
      zeros(4), // tail padding
      zeros(32), // sense buffer
    );
    assert.deepEqual(bytes, expected);
  });
  it('decodes status, transferred length and sense the port driver wrote back', () => {
    const l = sptdLayout(8);
    const bytes = encodeSptd(l, {
      cdb: inquiry.cdb,
      dataIn: 1,
      dataTransferLength: 36,
      timeOutValue: 10,
      dataBuffer: 0n,
      senseInfoLength: 32,
    });
    bytes[2] = 0x02; // ScsiStatus CHECK CONDITION
    bytes[7] = 18; // SenseInfoLength
    bytes.set(h('14000000'), 12); // DataTransferLength 20
    bytes.set(h('70 00 05 00000000 0A 00000000 24 00'), 56);
    const r = decodeSptdReply(l, bytes);
    assert.equal(r.scsiStatus, 2);
    assert.equal(r.dataTransferLength, 20);
    assert.equal(r.sense.length, 18);
    assert.equal(r.sense[12], 0x24);
  });
  it('rejects CDBs and sense lengths that do not fit', () => {
    const l = sptdLayout(8);
    const base = {
      dataIn: 2,
      dataTransferLength: 0,
      timeOutValue: 1,
      dataBuffer: 0n,
      senseInfoLength: 32,
    };
    assert.throws(() => encodeSptd(l, { ...base, cdb: new Uint8Array(17) }), RangeError);
    assert.throws(
      () => encodeSptd(l, { ...base, cdb: new Uint8Array(6), senseInfoLength: 40 }),
      RangeError,
    );
  });
});

describe('volume controls and the CD-ROM device interface', () => {
  it('FSCTL codes match winioctl.h', () => {
    assert.equal(IoctlCode.FSCTL_LOCK_VOLUME, 0x00090018);
    assert.equal(IoctlCode.FSCTL_UNLOCK_VOLUME, 0x0009001c);
    assert.equal(IoctlCode.FSCTL_DISMOUNT_VOLUME, 0x00090020);
  });
  it('GUID_DEVINTERFACE_CDROM in memory: Data1..3 little-endian, Data4 as written', () => {
    assert.deepEqual(
      encodeGuid(GUID_DEVINTERFACE_CDROM),
      h('0863F553 BFB6 D011 94F2 00A0C91EFB8B'),
    );
    assert.deepEqual(
      encodeGuid('{53F56308-B6BF-11D0-94F2-00A0C91EFB8B}'),
      encodeGuid(GUID_DEVINTERFACE_CDROM),
    );
    assert.throws(() => encodeGuid('53f56308-b6bf-11d0-94f2'), RangeError);
  });
  const multiSz = (list: string[]) =>
    new Uint8Array(Buffer.from(list.map((x) => `${x}\0`).join('') + '\0', 'utf16le'));
  it('interface lists: every string up to the empty one', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1, maxLength: 80 }).filter((x) => !x.includes('\0')),
          { maxLength: 6 },
        ),
        (list) => assert.deepEqual(decodeMultiSz(multiSz(list)), list),
      ),
    );
    assert.deepEqual(decodeMultiSz(h('0000')), []);
    assert.deepEqual(decodeMultiSz(new Uint8Array(0)), []);
    // Bytes past the terminating empty string are not part of the list.
    assert.deepEqual(decodeMultiSz(cat(multiSz(['a']), multiSz(['b']))), ['a']);
  });
  it('a list cut before its terminator is malformed', () => {
    assert.throws(() => decodeMultiSz(new Uint8Array(Buffer.from('\\\\?\\x', 'utf16le'))), {
      name: 'MalformedDataError',
    });
    assertDecoderRobust(decodeMultiSz, [multiSz(['\\\\?\\ide#cdrom'])], 300);
  });
});

describe('transfer limits with a page-aligned data buffer', () => {
  it('the page-aligned limit uses every physical page; none reported without a descriptor', () => {
    const d = {
      maximumTransferLength: 0x100000,
      maximumPhysicalPages: 17,
      alignmentMask: 1,
      busType: 7,
    };
    assert.deepEqual(sptiLimits(d, 'usb'), {
      maxPageAlignedTransferBytes: 17 * 4096,
      maxNonPageAlignedTransferBytes: 16 * 4096,
      alignment: 2,
      busType: 'usb',
    });
    assert.equal(
      sptiLimits({ ...d, maximumPhysicalPages: 0 }, 'usb').maxPageAlignedTransferBytes,
      0x100000,
    );
    assert.equal(
      sptiLimits({ ...d, maximumTransferLength: 0xffffffff, maximumPhysicalPages: 0 }, 'sas')
        .maxPageAlignedTransferBytes,
      64 * 1024 * 1024,
    );
    assert.equal(sptiLimits(undefined, 'unknown').maxPageAlignedTransferBytes, 65536);
  });
});

describe('storage descriptors', () => {
  it('STORAGE_PROPERTY_QUERY for the adapter', () => {
    assert.deepEqual(encodeStoragePropertyQuery(1), h('01000000 00000000 00000000'));
  });
  const adapter = cat(
    h('20000000 20000000'), // Version, Size
    h('00000200'), // MaximumTransferLength 128 KiB
    h('21000000'), // MaximumPhysicalPages 33
    h('01000000'), // AlignmentMask 1 (word aligned)
    h('00 00 01 00'), // PIO, ScansDown, CommandQueueing, AcceleratedTransfer
    h('07 00 0200 0000'), // BusType USB, padding, BusMajorVersion 2, BusMinorVersion 0
  );
  it('STORAGE_ADAPTER_DESCRIPTOR and the transfer limits IMAPI2 derives', () => {
    const d = decodeStorageAdapterDescriptor(adapter);
    assert.deepEqual(d, {
      maximumTransferLength: 0x20000,
      maximumPhysicalPages: 33,
      alignmentMask: 1,
      busType: 7,
    });
    assert.deepEqual(adapterTransferLimits(d), {
      pageAligned: 0x20000,
      nonPageAligned: 0x20000,
      alignment: 2,
    });
    assert.deepEqual(adapterTransferLimits({ ...d, maximumPhysicalPages: 17 }), {
      pageAligned: 17 * 4096,
      nonPageAligned: 16 * 4096,
      alignment: 2,
    });
    assert.equal(busTypeName(d.busType), 'usb');
    assert.equal(busTypeName(0x0b), 'sata');
    assert.equal(busTypeName(0x99), 'bus-153');
  });
  const device = cat(
    h('28000000 40000000'), // Version, Size 64
    h('05 00 01 00'), // DeviceType 5 (CD/DVD), modifier, RemovableMedia, CommandQueueing
    h('24000000 2D000000 37000000 00000000'), // Vendor@36, Product@45, Revision@55, no serial
    h('0B000000 00000000'), // BusType SATA, RawPropertiesLength
    Buffer.from('HL-DT-ST\0DVDRAM GH\0A101\0\0\0\0\0\0', 'latin1'),
  );
  it('STORAGE_DEVICE_DESCRIPTOR strings by offset', () => {
    const d = decodeStorageDeviceDescriptor(device);
    assert.deepEqual(d, {
      deviceType: 5,
      removableMedia: true,
      vendorId: 'HL-DT-ST',
      productId: 'DVDRAM GH',
      productRevision: 'A101',
      busType: 0x0b,
    });
  });
  it('STORAGE_DEVICE_NUMBER', () => {
    assert.deepEqual(decodeStorageDeviceNumber(h('02000000 01000000 FFFFFFFF')), {
      deviceType: 2,
      deviceNumber: 1,
    });
  });
  it('decoders return or throw MalformedDataError for any bytes', () => {
    assertDecoderRobust(decodeStorageAdapterDescriptor, [adapter], 500);
    assertDecoderRobust(decodeStorageDeviceDescriptor, [device], 500);
    assertDecoderRobust(decodeStorageDeviceNumber, [h('02000000 01000000 FFFFFFFF')], 500);
    assertDecoderRobust(decodeCdromExclusiveLockState, [], 500);
  });
});

describe('CD-ROM exclusive access structures', () => {
  it('CDROM_EXCLUSIVE_LOCK carries the request, flags and caller name', () => {
    const b = encodeCdromExclusiveLock('discwright', CdromLockFlag.CDROM_LOCK_IGNORE_VOLUME);
    assert.equal(b.length, 72);
    assert.deepEqual(
      b.subarray(0, 18),
      cat(h('01000000 01000000'), Buffer.from('discwright', 'latin1')),
    );
    assert.equal(b[18], 0);
  });
  it('refuses caller names Windows would reject', () => {
    assert.throws(() => encodeCdromExclusiveLock(''), RangeError);
    assert.throws(() => encodeCdromExclusiveLock('x'.repeat(64)), RangeError);
    assert.throws(() => encodeCdromExclusiveLock('bad/name'), RangeError);
  });
  it('query and unlock requests, and the lock state reply', () => {
    assert.deepEqual(encodeCdromExclusiveAccess(0), h('00000000 00000000'));
    assert.deepEqual(encodeCdromExclusiveAccess(2, 2), h('02000000 02000000'));
    const state = new Uint8Array(65);
    state[0] = 1;
    state.set(Buffer.from('IMAPI2', 'latin1'), 1);
    assert.deepEqual(decodeCdromExclusiveLockState(state), {
      lockState: true,
      callerName: 'IMAPI2',
    });
  });
});

describe('Win32 errors → DwError (spec §4.7)', () => {
  const table: [number, number][] = [
    [Win32Error.ERROR_ACCESS_DENIED, HR.E_IMAPI_RECORDER_LOCKED],
    [Win32Error.ERROR_BAD_COMMAND, HR.ERROR_IO_DEVICE],
    [Win32Error.ERROR_MORE_DATA, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE],
    [Win32Error.ERROR_INVALID_USER_BUFFER, HR.E_INVALIDARG],
    [Win32Error.ERROR_OPERATION_ABORTED, HR.E_IMAPI_REQUEST_CANCELLED],
    [Win32Error.ERROR_BAD_LENGTH, HR.E_INVALIDARG],
    [Win32Error.ERROR_SHARING_VIOLATION, HR.E_IMAPI_RECORDER_LOCKED],
    [Win32Error.ERROR_BUSY, HR.E_IMAPI_RECORDER_LOCKED],
    [Win32Error.ERROR_FILE_NOT_FOUND, HR.ERROR_DEV_NOT_EXIST],
    [Win32Error.ERROR_DEV_NOT_EXIST, HR.ERROR_DEV_NOT_EXIST],
    [Win32Error.ERROR_DEVICE_NOT_CONNECTED, HR.ERROR_DEV_NOT_EXIST],
    [Win32Error.ERROR_DEVICE_REMOVED, HR.ERROR_DEV_NOT_EXIST],
    [Win32Error.ERROR_INVALID_FUNCTION, HR.E_INVALIDARG],
    [Win32Error.ERROR_INVALID_PARAMETER, HR.E_INVALIDARG],
    [Win32Error.ERROR_SEM_TIMEOUT, HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT],
    [Win32Error.ERROR_TIMEOUT, HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT],
    [Win32Error.ERROR_NOT_ENOUGH_MEMORY, HR.E_OUTOFMEMORY],
    [Win32Error.ERROR_INVALID_HANDLE, HR.ERROR_INVALID_HANDLE],
    [Win32Error.ERROR_NOT_READY, HR.ERROR_IO_DEVICE],
    [Win32Error.ERROR_IO_DEVICE, HR.ERROR_IO_DEVICE],
    [Win32Error.ERROR_CRC, HR.ERROR_IO_DEVICE],
    [9999, HR.ERROR_IO_DEVICE],
  ];
  for (const [code, hr] of table) {
    it(`Win32 ${code} → 0x${hr.toString(16).toUpperCase()}`, () => {
      const e = win32Error(code, { op: 'ioctl', path: 'D:', command: inquiry });
      assert.equal(e.hr, hr);
      assert.equal(e.command, 'INQUIRY');
    });
  }
  it('ERROR_INVALID_FUNCTION says "not a SCSI device"; unknown codes keep their number', () => {
    assert.match(win32Error(1, { op: 'ioctl', path: 'C:' }).message, /C: is not a SCSI device/);
    assert.match(win32Error(9999, { op: 'open', path: 'D:' }).message, /Win32 error 9999/);
  });
  it('ERROR_ACCESS_DENIED: elevation at open, another holder from the class driver', () => {
    const open = win32Error(5, { op: 'open', path: 'D:' });
    assert.equal(open.hr, HR.E_ACCESSDENIED);
    assert.match(open.hint ?? '', /administrator/);
    const lock = win32Error(5, { op: 'lock', path: 'D:' });
    assert.equal(lock.hr, HR.E_IMAPI_RECORDER_LOCKED);
    assert.match(lock.message, /exclusive access to D: is held by another program/);
    assert.doesNotMatch(lock.hint ?? '', /administrator/);
    const io = win32Error(5, { op: 'ioctl', path: 'D:', command: inquiry });
    assert.match(io.message, /D: refused INQUIRY: another program holds exclusive access/);
  });
  it('ERROR_BAD_COMMAND: a mounted file system at lock, a stopping device otherwise', () => {
    const lock = win32Error(22, { op: 'lock', path: 'D:' });
    assert.equal(lock.hr, HR.E_ACCESSDENIED);
    assert.match(lock.message, /file system on the disc in D: is mounted.*\[ERROR_BAD_COMMAND\]/);
    assert.match(lock.hint ?? '', /force/);
    const io = win32Error(22, { op: 'ioctl', path: 'D:', command: inquiry });
    assert.match(io.message, /refused INQUIRY on D: because .*stopping, disabled or being removed/);
    assert.match(io.hint ?? '', /Device Manager/);
  });
  it('ERROR_MORE_DATA and ERROR_INVALID_USER_BUFFER say what happened', () => {
    assert.match(
      win32Error(234, { op: 'ioctl', path: 'D:', command: inquiry }).message,
      /reply to INQUIRY from D: is longer than the buffer.*\[ERROR_MORE_DATA\]/,
    );
    const buf = win32Error(1784, { op: 'ioctl', path: 'D:', command: inquiry });
    assert.match(buf.message, /refused the data buffer of INQUIRY.*\[ERROR_INVALID_USER_BUFFER\]/);
    assert.match(buf.hint ?? '', /Nothing was sent/);
  });
});

describe('pass-through results', () => {
  const reply = {
    scsiStatus: 0,
    senseInfoLength: 0,
    dataTransferLength: 20,
    sense: new Uint8Array(0),
  };
  it('data-in holds the bytes moved; residual the rest', () => {
    const data = Uint8Array.from({ length: 36 }, (_, i) => i);
    const asked: number[] = [];
    const r = sptdResult(inquiry, reply, 36, (n) => (asked.push(n), data.slice(0, n)));
    assert.deepEqual(asked, [20]);
    assert.deepEqual(r.dataIn, data.subarray(0, 20));
    assert.equal(r.dataIn.length, 20);
    assert.equal(r.residual, 16);
    assert.equal(r.sense.length, 0);
  });
  it('CHECK CONDITION keeps the sense', () => {
    const sense = h('70 00 02 00000000 0A 00000000 3A 00 00 000000');
    const r = sptdResult(
      inquiry,
      { ...reply, scsiStatus: 2, senseInfoLength: 18, sense },
      36,
      (n) => new Uint8Array(n),
    );
    assert.equal(r.status, 2);
    assert.deepEqual(r.sense, sense);
  });
  it('an over-reported transfer is clamped', () => {
    assert.equal(
      sptdResult(inquiry, { ...reply, dataTransferLength: 99 }, 36, (n) => new Uint8Array(n)).dataIn
        .length,
      36,
    );
  });
  it('timeouts are whole seconds, at least one', () => {
    assert.equal(sptdTimeoutSeconds(1), 1);
    assert.equal(sptdTimeoutSeconds(10_000), 10);
    assert.equal(sptdTimeoutSeconds(10_001), 11);
  });
});

describe('addresses', () => {
  it('parses drive letters and CD-ROM class devices', () => {
    assert.deepEqual(parseWindowsDriveAddress('D:'), { devicePath: '\\\\.\\D:', driveLetter: 'D' });
    assert.deepEqual(parseWindowsDriveAddress('e:\\'), {
      devicePath: '\\\\.\\E:',
      driveLetter: 'E',
    });
    assert.deepEqual(parseWindowsDriveAddress('\\\\.\\F:'), {
      devicePath: '\\\\.\\F:',
      driveLetter: 'F',
    });
    assert.deepEqual(parseWindowsDriveAddress('\\\\.\\CdRom1'), {
      devicePath: '\\\\.\\CdRom1',
      cdromNumber: 1,
    });
    assert.deepEqual(parseWindowsDriveAddress('cdrom0'), {
      devicePath: '\\\\.\\CdRom0',
      cdromNumber: 0,
    });
    for (const bad of ['', 'D', 'DD:', '/dev/sr0', 'iscsi://x', '\\\\.\\PhysicalDrive0']) {
      assert.equal(parseWindowsDriveAddress(bad), undefined, bad);
    }
  });
  it('tells local addresses apart', () => {
    assert.ok(isLocalDriveAddress('/dev/sr0'));
    assert.ok(isLocalDriveAddress('D:'));
    assert.ok(!isLocalDriveAddress('virtual:dvd+r'));
    assert.ok(!isLocalDriveAddress('iscsi://127.0.0.1/iqn.x/1'));
  });
});

describe('off Windows', { skip: process.platform === 'win32' ? 'runs on Windows' : false }, () => {
  it('openSptiTransport rejects with E_NOTIMPL; bad addresses with E_INVALIDARG', async () => {
    await assert.rejects(
      openSptiTransport('D:'),
      (e: unknown) => e instanceof DwError && e.hr === HR.E_NOTIMPL,
    );
    await assert.rejects(
      openSptiTransport('/dev/sr0'),
      (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
    );
  });
  it('listWindowsRecorders is empty', async () => {
    assert.deepEqual(await listWindowsRecorders(), []);
  });
  it('openLocalTransport refuses a drive letter on Linux with a pointer to /dev', async () => {
    await assert.rejects(openLocalTransport('D:'), (e: unknown) => {
      assert.ok(e instanceof DwError);
      assert.equal(e.hr, process.platform === 'linux' ? HR.E_INVALIDARG : HR.E_INVALIDARG);
      assert.match(e.hint ?? e.message, /\/dev\/sr/);
      return true;
    });
    await assert.rejects(
      openLocalTransport('nonsense'),
      (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
    );
  });
});
