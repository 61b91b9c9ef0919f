import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  PowerCondition,
  decodeStartStopUnitCdb,
  ejectMedium,
  encodeStartStopUnitCdb,
  loadMedium,
  startStopUnit,
} from '../../../src/scsi/spc/start-stop-unit.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('START STOP UNIT', () => {
  it('encodes eject as LoEj 1, Start 0 (byte 4 = 02h)', () => {
    assert.deepEqual(encodeStartStopUnitCdb({ loEj: true, start: false }), h('1B 00 00 00 02 00'));
  });
  it('encodes load as LoEj 1, Start 1 (byte 4 = 03h)', () => {
    assert.deepEqual(encodeStartStopUnitCdb({ loEj: true, start: true }), h('1B 00 00 00 03 00'));
  });
  it('encodes a plain start (spin up) as Start 1 only', () => {
    assert.deepEqual(encodeStartStopUnitCdb({ start: true }), h('1B 00 00 00 01 00'));
  });
  it('encodes a stop as all zero fields', () => {
    assert.deepEqual(encodeStartStopUnitCdb(), h('1B 00 00 00 00 00'));
  });
  it('puts IMMED at byte 1 bit 0', () => {
    assert.deepEqual(encodeStartStopUnitCdb({ immed: true }), h('1B 01 00 00 00 00'));
  });
  it('puts the power condition in byte 4 bits 7..4', () => {
    assert.deepEqual(
      encodeStartStopUnitCdb({ powerCondition: PowerCondition.STANDBY }),
      h('1B 00 00 00 30 00'),
    );
    assert.deepEqual(
      encodeStartStopUnitCdb({ powerCondition: PowerCondition.FORCE_STANDBY_0 }),
      h('1B 00 00 00 B0 00'),
    );
  });
  it('has the power condition codes of the standard', () => {
    assert.equal(PowerCondition.START_VALID, 0);
    assert.equal(PowerCondition.ACTIVE, 1);
    assert.equal(PowerCondition.IDLE, 2);
    assert.equal(PowerCondition.STANDBY, 3);
    assert.equal(PowerCondition.LU_CONTROL, 7);
    assert.equal(PowerCondition.FORCE_IDLE_0, 0x0a);
  });
  it('rejects a power condition over 15', () => {
    assert.throws(() => encodeStartStopUnitCdb({ powerCondition: 16 }), DwError);
  });
  it('ejectMedium and loadMedium build the eject and load CDBs', () => {
    const eject = ejectMedium();
    assert.equal(eject.name, 'START STOP UNIT');
    assert.equal(eject.direction, 'none');
    assert.deepEqual(eject.cdb, h('1B 00 00 00 02 00'));
    assert.deepEqual(loadMedium().cdb, h('1B 00 00 00 03 00'));
    assert.deepEqual(ejectMedium({ immed: true }).cdb, h('1B 01 00 00 02 00'));
    assert.deepEqual(loadMedium({ immed: true }).cdb, h('1B 01 00 00 03 00'));
  });
  it('request factory has no data phase', () => {
    assert.equal(startStopUnit({ start: true }).direction, 'none');
  });
  it('decodes a CDB with every field set', () => {
    assert.deepEqual(decodeStartStopUnitCdb(h('1B 01 00 00 23 00')), {
      immed: true,
      powerCondition: 2,
      loEj: true,
      start: true,
    });
  });
  it('decoder rejects another opcode', () => {
    assert.throws(() => decodeStartStopUnitCdb(h('1E 00 00 00 01 00')), MalformedDataError);
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          immed: fc.boolean(),
          powerCondition: fc.integer({ min: 0, max: 15 }),
          loEj: fc.boolean(),
          start: fc.boolean(),
        }),
        (x) => assert.deepEqual(decodeStartStopUnitCdb(encodeStartStopUnitCdb(x)), { ...x }),
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeStartStopUnitCdb, [h('1B 01 00 00 23 00')]);
  });
});
