import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CloseFunction,
  closeTrackSession,
  decodeCloseTrackSessionCdb,
  encodeCloseTrackSessionCdb,
} from '../../../src/scsi/mmc/close-track-session.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

describe('CLOSE TRACK/SESSION', () => {
  it('close function values', () => {
    assert.deepEqual(Object.values(CloseFunction), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(CloseFunction.CLOSE_TRACK, 0b001);
    assert.equal(CloseFunction.CLOSE_SESSION, 0b010);
    assert.equal(CloseFunction.FINALIZE_MINIMAL_RADIUS, 0b101);
    assert.equal(CloseFunction.FINALIZE, 0b110);
  });
  it('close track 1 with IMMED (byte 1 bit 0), track number in bytes 4..5', () => {
    assert.deepEqual(
      encodeCloseTrackSessionCdb({
        closeFunction: CloseFunction.CLOSE_TRACK,
        logicalTrackNumber: 1,
        immed: true,
      }),
      h('5B 01 01 00 0001 00 00 00 00'),
    );
  });
  it('close the session: track number 0', () => {
    assert.deepEqual(
      encodeCloseTrackSessionCdb({ closeFunction: CloseFunction.CLOSE_SESSION, immed: true }),
      h('5B 01 02 00 0000 00 00 00 00'),
    );
  });
  it('finalize a DVD+R, and with minimal radius', () => {
    assert.deepEqual(
      encodeCloseTrackSessionCdb({ closeFunction: CloseFunction.FINALIZE }),
      h('5B 00 06 00 0000 00 00 00 00'),
    );
    assert.equal(
      encodeCloseTrackSessionCdb({ closeFunction: CloseFunction.FINALIZE_MINIMAL_RADIUS })[2],
      0x05,
    );
    assert.equal(
      encodeCloseTrackSessionCdb({ closeFunction: CloseFunction.QUICK_STOP_BG_FORMAT })[2],
      0x00,
    );
  });
  it('a 16-bit track number', () => {
    assert.deepEqual(
      encodeCloseTrackSessionCdb({
        closeFunction: CloseFunction.CLOSE_TRACK,
        logicalTrackNumber: 0x0102,
      }),
      h('5B 00 01 00 0102 00 00 00 00'),
    );
  });
  it('rejects a close function over 7 and a track number over 65535', () => {
    assert.throws(() => encodeCloseTrackSessionCdb({ closeFunction: 8 }), isInvalidArg);
    assert.throws(
      () => encodeCloseTrackSessionCdb({ closeFunction: 1, logicalTrackNumber: 0x10000 }),
      isInvalidArg,
    );
  });
  it('request factory: 10-byte CDB, no data phase', () => {
    const c = closeTrackSession({
      closeFunction: CloseFunction.CLOSE_TRACK,
      logicalTrackNumber: 1,
      immed: true,
    });
    assert.equal(c.name, 'CLOSE TRACK/SESSION');
    assert.equal(c.direction, 'none');
    assert.deepEqual(c.cdb, h('5B 01 01 00 0001 00 00 00 00'));
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          immed: fc.boolean(),
          closeFunction: fc.integer({ min: 0, max: 7 }),
          logicalTrackNumber: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) =>
          assert.deepEqual(decodeCloseTrackSessionCdb(encodeCloseTrackSessionCdb(x)), { ...x }),
      ),
    );
  });
  it('decoder rejects other opcodes and is robust', () => {
    assert.throws(
      () => decodeCloseTrackSessionCdb(h('5C 01 01 00 0001 00 00 00 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeCloseTrackSessionCdb, [h('5B 01 01 00 0001 00 00 00 00')]);
  });
});
