import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  RotationalControl,
  SET_CD_SPEED_MAXIMUM,
  decodeSetCdSpeedCdb,
  encodeSetCdSpeedCdb,
  setCdSpeed,
} from '../../../src/scsi/mmc/set-cd-speed.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('SET CD SPEED', () => {
  it('asks for the maximum read and write speed by default', () => {
    assert.equal(SET_CD_SPEED_MAXIMUM, 0xffff);
    assert.deepEqual(encodeSetCdSpeedCdb(), h('BB 00 FFFF FFFF 00 00 00 00 00 00'));
  });
  it('encodes 48x read (8467 kB/s) and 16x write (2822 kB/s) CLV', () => {
    assert.deepEqual(
      encodeSetCdSpeedCdb({ readSpeedKBps: 8467, writeSpeedKBps: 2822 }),
      h('BB 00 2113 0B06 00 00 00 00 00 00'),
    );
  });
  it('puts ROTATIONAL CONTROL in byte 1 bits 1..0', () => {
    assert.equal(RotationalControl.PURE_CAV, 1);
    assert.deepEqual(
      encodeSetCdSpeedCdb({ rotationalControl: RotationalControl.PURE_CAV, writeSpeedKBps: 1764 }),
      h('BB 01 FFFF 06E4 00 00 00 00 00 00'),
    );
  });
  it('rejects speeds outside 16 bits and a rotational control over 3', () => {
    assert.throws(() => encodeSetCdSpeedCdb({ readSpeedKBps: 0x10000 }), DwError);
    assert.throws(() => encodeSetCdSpeedCdb({ writeSpeedKBps: 1.5 }), DwError);
    assert.throws(() => encodeSetCdSpeedCdb({ rotationalControl: 4 }), DwError);
  });
  it('request factory has no data phase', () => {
    const c = setCdSpeed({ writeSpeedKBps: 1385 });
    assert.equal(c.name, 'SET CD SPEED');
    assert.equal(c.direction, 'none');
    assert.equal(c.dataOut, undefined);
    assert.equal(c.allocationLength, undefined);
    assert.deepEqual(c.cdb, h('BB 00 FFFF 0569 00 00 00 00 00 00'));
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          rotationalControl: fc.integer({ min: 0, max: 3 }),
          readSpeedKBps: fc.integer({ min: 0, max: 0xffff }),
          writeSpeedKBps: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) => assert.deepEqual(decodeSetCdSpeedCdb(encodeSetCdSpeedCdb(x)), { ...x }),
      ),
    );
    assert.throws(
      () => decodeSetCdSpeedCdb(h('B6 00 FFFF FFFF 00 00 00 00 00 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeSetCdSpeedCdb, [h('BB 01 FFFF 06E4 00 00 00 00 00 00')]);
  });
});
