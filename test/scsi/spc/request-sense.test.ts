import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  REQUEST_SENSE_ALLOCATION_LENGTH,
  decodeRequestSenseCdb,
  encodeRequestSenseCdb,
  requestSense,
} from '../../../src/scsi/spc/request-sense.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('REQUEST SENSE', () => {
  it('defaults to fixed format and an allocation length of 252 (FCh)', () => {
    assert.equal(REQUEST_SENSE_ALLOCATION_LENGTH, 252);
    assert.deepEqual(encodeRequestSenseCdb(), h('03 00 00 00 FC 00'));
  });
  it('puts DESC at byte 1 bit 0', () => {
    assert.deepEqual(encodeRequestSenseCdb({ desc: true }), h('03 01 00 00 FC 00'));
  });
  it('puts the allocation length in byte 4', () => {
    assert.deepEqual(encodeRequestSenseCdb({ allocationLength: 18 }), h('03 00 00 00 12 00'));
    assert.deepEqual(encodeRequestSenseCdb({ allocationLength: 0 }), h('03 00 00 00 00 00'));
  });
  it('rejects an allocation length over 255 as an invalid argument', () => {
    assert.throws(
      () => encodeRequestSenseCdb({ allocationLength: 256 }),
      (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
    );
    assert.throws(() => encodeRequestSenseCdb({ allocationLength: -1 }), DwError);
  });
  it('request factory reads data-in of the allocation length', () => {
    const c = requestSense({ allocationLength: 18 });
    assert.equal(c.name, 'REQUEST SENSE');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 18);
    assert.equal(requestSense().allocationLength, 252);
  });
  it('decodes a CDB', () => {
    assert.deepEqual(decodeRequestSenseCdb(h('03 01 00 00 60 00')), {
      desc: true,
      allocationLength: 0x60,
    });
  });
  it('decoder rejects another opcode', () => {
    assert.throws(() => decodeRequestSenseCdb(h('00 00 00 00 12 00')), MalformedDataError);
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({ desc: fc.boolean(), allocationLength: fc.integer({ min: 0, max: 255 }) }),
        (x) => assert.deepEqual(decodeRequestSenseCdb(encodeRequestSenseCdb(x)), { ...x }),
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeRequestSenseCdb, [h('03 01 00 00 FC 00')]);
  });
});
