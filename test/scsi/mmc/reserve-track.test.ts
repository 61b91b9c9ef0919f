import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeReserveTrackCdb,
  encodeReserveTrackCdb,
  reserveTrack,
  type ReserveTrackCdb,
} from '../../../src/scsi/mmc/reserve-track.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h, int32 } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

describe('RESERVE TRACK', () => {
  it('ARSV 0: Reservation Size in bytes 5..8', () => {
    assert.deepEqual(
      encodeReserveTrackCdb({ arsv: false, reservationSize: 2_295_104 }),
      h('53 00 00 00 00 00 23 05 40 00'),
    );
  });
  it('ARSV 1: Reservation LBA in bytes 2..5, byte 1 bit 0 set', () => {
    assert.deepEqual(
      encodeReserveTrackCdb({ arsv: true, reservationLba: 0x00010a00 }),
      h('53 01 00 01 0A 00 00 00 00 00'),
    );
  });
  it('RMZ at byte 1 bit 1', () => {
    assert.deepEqual(
      encodeReserveTrackCdb({ arsv: false, rmz: true, reservationSize: 16 }),
      h('53 02 00 00 00 00 00 00 10 00'),
    );
    assert.equal(encodeReserveTrackCdb({ arsv: true, rmz: true, reservationLba: 0 })[1], 0x03);
  });
  it('decodes each form by its ARSV bit', () => {
    assert.deepEqual(decodeReserveTrackCdb(h('53 00 00 00 00 00 23 05 40 00')), {
      arsv: false,
      rmz: false,
      reservationSize: 2_295_104,
    });
    assert.deepEqual(decodeReserveTrackCdb(h('53 01 00 01 0A 00 00 00 00 00')), {
      arsv: true,
      rmz: false,
      reservationLba: 0x10a00,
    });
  });
  it('rejects a size outside 32 bits unsigned and an LBA outside 32 bits signed', () => {
    assert.throws(() => encodeReserveTrackCdb({ arsv: false, reservationSize: -1 }), isInvalidArg);
    assert.throws(
      () => encodeReserveTrackCdb({ arsv: false, reservationSize: 2 ** 32 }),
      isInvalidArg,
    );
    assert.throws(
      () => encodeReserveTrackCdb({ arsv: true, reservationLba: 2 ** 31 }),
      isInvalidArg,
    );
  });
  it('request factory: 10-byte CDB, no data phase', () => {
    const c = reserveTrack({ arsv: false, reservationSize: 32 });
    assert.equal(c.name, 'RESERVE TRACK');
    assert.equal(c.direction, 'none');
    assert.deepEqual(c.cdb, h('53 00 00 00 00 00 00 00 20 00'));
  });
  it('round-trips both forms', () => {
    const arb: fc.Arbitrary<ReserveTrackCdb> = fc.oneof(
      fc
        .record({ rmz: fc.boolean(), reservationSize: fc.integer({ min: 0, max: 0xffffffff }) })
        .map((x) => ({ arsv: false as const, ...x })),
      fc
        .record({ rmz: fc.boolean(), reservationLba: int32() })
        .map((x) => ({ arsv: true as const, ...x })),
    );
    fc.assert(
      fc.property(arb, (x) => assert.deepEqual(decodeReserveTrackCdb(encodeReserveTrackCdb(x)), x)),
    );
  });
  it('decoder rejects other opcodes and is robust', () => {
    assert.throws(
      () => decodeReserveTrackCdb(h('52 00 00 00 00 00 00 00 20 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeReserveTrackCdb, [
      h('53 00 00 00 00 00 23 05 40 00'),
      h('53 01 00 01 0A 00 00 00 00 00'),
    ]);
  });
});
