import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  crc32c,
  crc32cFinal,
  crc32cInit,
  crc32cUpdate,
  digestBytes,
  readDigest,
} from '../../src/transport/iscsi/crc32c.js';
import { h } from '../helpers/bytes.js';

// RFC 3720 Appendix B.4: CRC32C examples, given as the bytes sent on the wire.
describe('CRC32C (RFC 3720 B.4)', () => {
  const fill = (f: (i: number) => number) => Uint8Array.from({ length: 32 }, (_, i) => f(i));
  it('32 bytes of zeroes → AA 36 91 8A', () => {
    assert.deepEqual(digestBytes(crc32c(fill(() => 0))), h('AA 36 91 8A'));
  });
  it('32 bytes of ones → 43 AB A8 62', () => {
    assert.deepEqual(digestBytes(crc32c(fill(() => 0xff))), h('43 AB A8 62'));
  });
  it('32 incrementing bytes → 4E 79 DD 46', () => {
    assert.deepEqual(digestBytes(crc32c(fill((i) => i))), h('4E 79 DD 46'));
  });
  it('32 decrementing bytes → 5C DB 3F 11', () => {
    assert.deepEqual(digestBytes(crc32c(fill((i) => 31 - i))), h('5C DB 3F 11'));
  });
  it('an iSCSI SCSI Read (10) command PDU → 56 3A 96 D9', () => {
    const pdu = h(
      '01 C0 00 00 00 00 00 00 00 00 00 00 00 00 00 00 14 00 00 00 00 00 04 00 00 00 00 14' +
        '00 00 00 18 28 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00',
    );
    assert.deepEqual(digestBytes(crc32c(pdu)), h('56 3A 96 D9'));
  });
  it('the check value of "123456789" is E3069283', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  });
  it('incremental updates over any split equal one pass; digest bytes round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(200), (bytes, cut) => {
        const at = Math.min(cut, bytes.length);
        const split = crc32cFinal(
          crc32cUpdate(crc32cUpdate(crc32cInit(), bytes.subarray(0, at)), bytes.subarray(at)),
        );
        assert.equal(split, crc32c(bytes));
        assert.equal(readDigest(digestBytes(split), 0), split);
      }),
    );
  });
});
