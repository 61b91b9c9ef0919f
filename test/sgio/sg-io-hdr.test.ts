import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SG_INTERFACE_ID_ORIG,
  SG_MAX_SENSE_LENGTH,
  SgDxfer,
  SgInfo,
  SgIoctl,
  decodeSgIoHdr,
  encodeSgIoHdr,
  sgDxferDirection,
  sgIoHdrLayout,
  type SgIoRequest,
} from '../../src/transport/sgio/sg-io-hdr.js';
import { cat, h, zeros } from '../helpers/bytes.js';

// Offsets from include/scsi/sg.h (struct sg_io_hdr) under the x86-64 and i386 ABIs.
const OFFSETS_64 = {
  interface_id: 0,
  dxfer_direction: 4,
  cmd_len: 8,
  mx_sb_len: 9,
  iovec_count: 10,
  dxfer_len: 12,
  dxferp: 16,
  cmdp: 24,
  sbp: 32,
  timeout: 40,
  flags: 44,
  pack_id: 48,
  usr_ptr: 56,
  status: 64,
  masked_status: 65,
  msg_status: 66,
  sb_len_wr: 67,
  host_status: 68,
  driver_status: 70,
  resid: 72,
  duration: 76,
  info: 80,
};
const OFFSETS_32 = {
  interface_id: 0,
  dxfer_direction: 4,
  cmd_len: 8,
  mx_sb_len: 9,
  iovec_count: 10,
  dxfer_len: 12,
  dxferp: 16,
  cmdp: 20,
  sbp: 24,
  timeout: 28,
  flags: 32,
  pack_id: 36,
  usr_ptr: 40,
  status: 44,
  masked_status: 45,
  msg_status: 46,
  sb_len_wr: 47,
  host_status: 48,
  driver_status: 50,
  resid: 52,
  duration: 56,
  info: 60,
};

const inquiryRequest: SgIoRequest = {
  dxferDirection: SgDxfer.SG_DXFER_FROM_DEV,
  cmdLen: 6,
  mxSbLen: 252,
  dxferLen: 96,
  dxferp: 0x1122334455667788n,
  cmdp: 0x1000n,
  sbp: 0x2000n,
  timeout: 10000,
};

describe('sg_io_hdr constants (include/scsi/sg.h)', () => {
  it('has the ioctl numbers, interface id and directions of the header', () => {
    assert.equal(SgIoctl.SG_IO, 0x2285);
    assert.equal(SgIoctl.SG_GET_VERSION_NUM, 0x2282);
    assert.equal(SG_INTERFACE_ID_ORIG, 'S'.charCodeAt(0));
    assert.deepEqual(
      [SgDxfer.SG_DXFER_NONE, SgDxfer.SG_DXFER_TO_DEV, SgDxfer.SG_DXFER_FROM_DEV],
      [-1, -2, -3],
    );
    assert.equal(SgDxfer.SG_DXFER_TO_FROM_DEV, -4);
    assert.equal(SgInfo.SG_INFO_OK_MASK, 1);
    assert.equal(SG_MAX_SENSE_LENGTH, 252);
  });
  it('maps command directions, with no transfer for empty data', () => {
    assert.equal(sgDxferDirection('in', 96), -3);
    assert.equal(sgDxferDirection('out', 2048), -2);
    assert.equal(sgDxferDirection('none', 0), -1);
    assert.equal(sgDxferDirection('in', 0), -1);
  });
});

describe('sg_io_hdr layout', () => {
  it('64-bit ABI: offsets and size 88', () => {
    const l = sgIoHdrLayout(8);
    assert.deepEqual({ ...l.offsets }, OFFSETS_64);
    assert.equal(l.size, 88);
  });
  it('32-bit ABI: offsets and size 64', () => {
    const l = sgIoHdrLayout(4);
    assert.deepEqual({ ...l.offsets }, OFFSETS_32);
    assert.equal(l.size, 64);
  });
  it('agrees with koffi’s C layout of the running ABI', async (t) => {
    let koffi;
    try {
      koffi = (await import('koffi')).default;
    } catch {
      t.skip('koffi not installed');
      return;
    }
    const type = koffi.struct({
      interface_id: 'int',
      dxfer_direction: 'int',
      cmd_len: 'uchar',
      mx_sb_len: 'uchar',
      iovec_count: 'ushort',
      dxfer_len: 'uint',
      dxferp: 'void *',
      cmdp: 'uchar *',
      sbp: 'uchar *',
      timeout: 'uint',
      flags: 'uint',
      pack_id: 'int',
      usr_ptr: 'void *',
      status: 'uchar',
      masked_status: 'uchar',
      msg_status: 'uchar',
      sb_len_wr: 'uchar',
      host_status: 'ushort',
      driver_status: 'ushort',
      resid: 'int',
      duration: 'uint',
      info: 'uint',
    });
    const l = sgIoHdrLayout(koffi.sizeof('void *') === 4 ? 4 : 8);
    assert.equal(koffi.sizeof(type), l.size);
    for (const [name, offset] of Object.entries(l.offsets)) {
      assert.equal(koffi.offsetof(type, name), offset, name);
    }
  });
});

describe('encodeSgIoHdr', () => {
  it('64-bit little-endian INQUIRY request, byte for byte', () => {
    const expected = cat(
      h('53000000'), // interface_id 'S'
      h('FDFFFFFF'), // dxfer_direction -3 (FROM_DEV)
      h('06 FC 0000'), // cmd_len 6, mx_sb_len 252, iovec_count 0
      h('60000000'), // dxfer_len 96
      h('8877665544332211'), // dxferp
      h('0010000000000000'), // cmdp
      h('0020000000000000'), // sbp
      h('10270000'), // timeout 10000 ms
      h('00000000'), // flags
      h('00000000'), // pack_id
      zeros(4), // padding before usr_ptr
      zeros(8), // usr_ptr
      zeros(24), // outputs
    );
    assert.deepEqual(encodeSgIoHdr(sgIoHdrLayout(8), inquiryRequest), expected);
  });
  it('32-bit little-endian request keeps 4-byte pointers', () => {
    const bytes = encodeSgIoHdr(sgIoHdrLayout(4), { ...inquiryRequest, dxferp: 0xdeadbeefn });
    assert.equal(bytes.length, 64);
    assert.deepEqual(bytes.subarray(16, 28), h('EFBEADDE 00100000 00200000'));
    assert.deepEqual(bytes.subarray(28, 32), h('10270000'));
  });
  it('big-endian ABIs (s390x, ppc64) store fields most significant byte first', () => {
    const bytes = encodeSgIoHdr(sgIoHdrLayout(8, false), inquiryRequest);
    assert.deepEqual(bytes.subarray(0, 16), h('00000053 FFFFFFFD 06 FC 0000 00000060'));
    assert.deepEqual(bytes.subarray(16, 24), h('1122334455667788'));
  });
  it('rejects values the C types cannot hold', () => {
    const l = sgIoHdrLayout(8);
    assert.throws(() => encodeSgIoHdr(l, { ...inquiryRequest, cmdLen: 0 }), RangeError);
    assert.throws(() => encodeSgIoHdr(l, { ...inquiryRequest, mxSbLen: 256 }), RangeError);
    assert.throws(() => encodeSgIoHdr(l, { ...inquiryRequest, dxferLen: 2 ** 32 }), RangeError);
    assert.throws(() => encodeSgIoHdr(l, { ...inquiryRequest, dxferDirection: 0 }), RangeError);
    assert.throws(
      () => encodeSgIoHdr(sgIoHdrLayout(4), { ...inquiryRequest, dxferp: 2n ** 32n }),
      RangeError,
    );
  });
});

describe('decodeSgIoHdr', () => {
  it('reads the reply members the driver fills in (64-bit)', () => {
    const bytes = encodeSgIoHdr(sgIoHdrLayout(8), inquiryRequest);
    bytes.set(h('02 01 00 12 0700 0800 04000000 15000000 01000000'), 64);
    const d = decodeSgIoHdr(sgIoHdrLayout(8), bytes);
    assert.equal(d.status, 0x02);
    assert.equal(d.maskedStatus, 0x01);
    assert.equal(d.sbLenWr, 18);
    assert.equal(d.hostStatus, 7);
    assert.equal(d.driverStatus, 8);
    assert.equal(d.resid, 4);
    assert.equal(d.duration, 21);
    assert.equal(d.info, 1);
    assert.equal(d.dxferp, 0x1122334455667788n);
  });
  it('round-trips every request on both ABIs and byte orders', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<4 | 8>(4, 8),
        fc.boolean(),
        fc.record({
          dxferDirection: fc.integer({ min: -5, max: -1 }),
          cmdLen: fc.integer({ min: 1, max: 255 }),
          mxSbLen: fc.integer({ min: 0, max: 255 }),
          iovecCount: fc.integer({ min: 0, max: 0xffff }),
          dxferLen: fc.nat(),
          dxferp: fc.bigInt({ min: 0n, max: 0xffffffffn }),
          cmdp: fc.bigInt({ min: 0n, max: 0xffffffffn }),
          sbp: fc.bigInt({ min: 0n, max: 0xffffffffn }),
          timeout: fc.nat(),
          flags: fc.nat(),
          packId: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
          usrPtr: fc.bigInt({ min: 0n, max: 0xffffffffn }),
        }),
        (ptr, le, req) => {
          const l = sgIoHdrLayout(ptr, le);
          const d = decodeSgIoHdr(l, encodeSgIoHdr(l, req));
          const { interfaceId, status, maskedStatus, msgStatus, sbLenWr, ...rest } = d;
          assert.equal(interfaceId, 0x53);
          assert.deepEqual([status, maskedStatus, msgStatus, sbLenWr], [0, 0, 0, 0]);
          const { hostStatus, driverStatus, resid, duration, info, ...request } = rest;
          assert.deepEqual([hostStatus, driverStatus, resid, duration, info], [0, 0, 0, 0, 0]);
          assert.deepEqual(request, { ...req });
        },
      ),
    );
  });
  it('refuses a buffer shorter than the struct', () => {
    assert.throws(() => decodeSgIoHdr(sgIoHdrLayout(8), new Uint8Array(87)), RangeError);
  });
});
