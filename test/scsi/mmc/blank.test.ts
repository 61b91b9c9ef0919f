import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BlankingType,
  blank,
  decodeBlankCdb,
  encodeBlankCdb,
} from '../../../src/scsi/mmc/blank.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h, int32 } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

describe('BLANK', () => {
  it('blanking type table (MMC-6 6.3)', () => {
    assert.deepEqual(
      { ...BlankingType },
      {
        BLANK_DISC: 0,
        MINIMALLY_BLANK_DISC: 1,
        BLANK_TRACK: 2,
        UNRESERVE_TRACK: 3,
        BLANK_TRACK_TAIL: 4,
        UNCLOSE_LAST_SESSION: 5,
        BLANK_SESSION: 6,
      },
    );
  });
  it('full blank without IMMED', () => {
    assert.deepEqual(
      encodeBlankCdb({ blankingType: BlankingType.BLANK_DISC }),
      h('A1 00 00000000 00 00 00 00 00 00'),
    );
  });
  it('minimal blank with IMMED (byte 1 bit 4)', () => {
    assert.deepEqual(
      encodeBlankCdb({ blankingType: BlankingType.MINIMALLY_BLANK_DISC, immed: true }),
      h('A1 11 00000000 00 00 00 00 00 00'),
    );
  });
  it('blank track 2 carries the track number in bytes 2..5', () => {
    assert.deepEqual(
      encodeBlankCdb({ blankingType: BlankingType.BLANK_TRACK, startAddressTrackNumber: 2 }),
      h('A1 02 00000002 00 00 00 00 00 00'),
    );
  });
  it('blank a track tail from LBA 1000', () => {
    assert.deepEqual(
      encodeBlankCdb({
        blankingType: BlankingType.BLANK_TRACK_TAIL,
        startAddressTrackNumber: 1000,
        immed: true,
      }),
      h('A1 14 000003E8 00 00 00 00 00 00'),
    );
  });
  it('unclose the last session and erase a session', () => {
    assert.equal(encodeBlankCdb({ blankingType: BlankingType.UNCLOSE_LAST_SESSION })[1], 0x05);
    assert.equal(encodeBlankCdb({ blankingType: BlankingType.BLANK_SESSION })[1], 0x06);
    assert.equal(encodeBlankCdb({ blankingType: BlankingType.UNRESERVE_TRACK })[1], 0x03);
  });
  it('rejects a blanking type over 7 and an address outside 32 bits', () => {
    assert.throws(() => encodeBlankCdb({ blankingType: 8 }), isInvalidArg);
    assert.throws(
      () => encodeBlankCdb({ blankingType: 0, startAddressTrackNumber: 2 ** 31 }),
      isInvalidArg,
    );
  });
  it('request factory: 12-byte CDB, no data phase', () => {
    const c = blank({ blankingType: BlankingType.MINIMALLY_BLANK_DISC, immed: true });
    assert.equal(c.name, 'BLANK');
    assert.equal(c.direction, 'none');
    assert.equal(c.dataOut, undefined);
    assert.equal(c.allocationLength, undefined);
    assert.deepEqual(c.cdb, h('A1 11 00000000 00 00 00 00 00 00'));
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          immed: fc.boolean(),
          blankingType: fc.integer({ min: 0, max: 7 }),
          startAddressTrackNumber: int32(),
        }),
        (x) => assert.deepEqual(decodeBlankCdb(encodeBlankCdb(x)), { ...x }),
      ),
    );
  });
  it('decoder rejects other opcodes and short CDBs, and is robust', () => {
    assert.throws(() => decodeBlankCdb(h('A2 11 00000000 00 00 00 00 00 00')), MalformedDataError);
    assert.throws(() => decodeBlankCdb(h('A1 11 00000000 00 00 00 00 00')), MalformedDataError);
    assertDecoderRobust(decodeBlankCdb, [h('A1 14 000003E8 00 00 00 00 00 00')]);
  });
});
