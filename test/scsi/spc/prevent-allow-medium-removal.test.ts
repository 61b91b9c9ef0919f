import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Prevent,
  decodePreventAllowMediumRemovalCdb,
  encodePreventAllowMediumRemovalCdb,
  preventAllowMediumRemoval,
} from '../../../src/scsi/spc/prevent-allow-medium-removal.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('PREVENT ALLOW MEDIUM REMOVAL', () => {
  it('encodes prevent (lock) as byte 4 = 01h', () => {
    assert.deepEqual(
      encodePreventAllowMediumRemovalCdb({ prevent: Prevent.PREVENT }),
      h('1E 00 00 00 01 00'),
    );
  });
  it('encodes allow (unlock) as byte 4 = 00h', () => {
    assert.deepEqual(
      encodePreventAllowMediumRemovalCdb({ prevent: Prevent.ALLOW }),
      h('1E 00 00 00 00 00'),
    );
  });
  it('encodes the persistent variants in bit 1', () => {
    assert.deepEqual(
      encodePreventAllowMediumRemovalCdb({ prevent: Prevent.PERSISTENT_ALLOW }),
      h('1E 00 00 00 02 00'),
    );
    assert.deepEqual(
      encodePreventAllowMediumRemovalCdb({ prevent: Prevent.PERSISTENT_PREVENT }),
      h('1E 00 00 00 03 00'),
    );
  });
  it('rejects a prevent value over 3', () => {
    assert.throws(() => encodePreventAllowMediumRemovalCdb({ prevent: 4 }), DwError);
    assert.throws(() => encodePreventAllowMediumRemovalCdb({ prevent: -1 }), DwError);
  });
  it('request factory has no data phase', () => {
    const c = preventAllowMediumRemoval({ prevent: 1 });
    assert.equal(c.name, 'PREVENT ALLOW MEDIUM REMOVAL');
    assert.equal(c.direction, 'none');
    assert.deepEqual(c.cdb, h('1E 00 00 00 01 00'));
  });
  it('decoder reads only the two PREVENT bits', () => {
    assert.deepEqual(decodePreventAllowMediumRemovalCdb(h('1E 00 00 00 FD 00')), { prevent: 1 });
  });
  it('decoder rejects another opcode', () => {
    assert.throws(
      () => decodePreventAllowMediumRemovalCdb(h('1B 00 00 00 01 00')),
      MalformedDataError,
    );
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(fc.record({ prevent: fc.integer({ min: 0, max: 3 }) }), (x) =>
        assert.deepEqual(
          decodePreventAllowMediumRemovalCdb(encodePreventAllowMediumRemovalCdb(x)),
          { ...x },
        ),
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodePreventAllowMediumRemovalCdb, [h('1E 00 00 00 03 00')]);
  });
});
