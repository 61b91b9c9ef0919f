import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeTestUnitReadyCdb,
  encodeTestUnitReadyCdb,
  testUnitReady,
} from '../../../src/scsi/spc/test-unit-ready.js';
import { MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('TEST UNIT READY', () => {
  it('encodes six zero bytes (opcode 00h)', () => {
    assert.deepEqual(encodeTestUnitReadyCdb(), h('00 00 00 00 00 00'));
  });
  it('request factory has no data phase', () => {
    const c = testUnitReady();
    assert.equal(c.name, 'TEST UNIT READY');
    assert.equal(c.direction, 'none');
    assert.equal(c.dataOut, undefined);
    assert.equal(c.allocationLength, undefined);
    assert.deepEqual(c.cdb, h('00 00 00 00 00 00'));
  });
  it('decodes its own CDB to an empty object', () => {
    assert.deepEqual(decodeTestUnitReadyCdb(h('00 00 00 00 00 00')), {});
  });
  it('decoder rejects another opcode and a short CDB', () => {
    assert.throws(() => decodeTestUnitReadyCdb(h('03 00 00 00 00 00')), MalformedDataError);
    assert.throws(() => decodeTestUnitReadyCdb(h('00 00 00 00 00')), MalformedDataError);
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeTestUnitReadyCdb, [h('00 00 00 00 00 00')]);
  });
});
