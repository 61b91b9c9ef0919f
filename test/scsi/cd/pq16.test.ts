// The 16-byte P-Q block of a 2,368-byte raw sector (MMC Data Block Type 1; the layout MMC's
// formatted Q and cdrdao's PQSubChannel16 share: 12 Q bytes, 3 zero bytes, P in bit 7 of byte 15).
// Expected blocks are written by hand; the raw P-W blocks they are compared with are built here
// bit by bit (P in bit 7, Q in bit 6 of byte i = bit i of the channel), not by packRawPW.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodePq16,
  encodePq16,
  pq16FromRawPW,
  rawPWFromPq16,
} from '../../../src/scsi/cd/index.js';
import { MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

/** A raw P-W block with the P flag and the 12 Q bytes, R-W zero, built bit by bit. */
function rawBlock(p: boolean, q: Uint8Array): Uint8Array {
  const out = new Uint8Array(96);
  for (let i = 0; i < 96; i++) {
    const qBit = ((q[Math.floor(i / 8)] as number) >> (7 - (i % 8))) & 1;
    out[i] = (p ? 0x80 : 0) + qBit * 0x40;
  }
  return out;
}

// Track 1 index 1, relative 00:00:00, absolute 00:02:00; the CRC bytes are arbitrary here (the
// block carries them as they are; their value is tested in subchannel.test.ts).
const Q = h('41 01 01 00 00 00 00 00 02 00 a5 5a');

describe('P-Q 16-byte block', () => {
  it('is the 12 Q bytes, three zero bytes and P in bit 7 of byte 15', () => {
    assert.deepEqual(encodePq16(true, Q), h('41 01 01 00 00 00 00 00 02 00 a5 5a 00 00 00 80'));
    assert.deepEqual(encodePq16(false, Q), h('41 01 01 00 00 00 00 00 02 00 a5 5a 00 00 00 00'));
    assert.deepEqual(decodePq16(h('41 01 01 00 00 00 00 00 02 00 a5 5a 00 00 00 80')), {
      p: true,
      q: Q,
    });
  });

  it('converts to and from the raw P-W block (R-W dropped)', () => {
    for (const p of [false, true]) {
      const pq = encodePq16(p, Q);
      assert.deepEqual(rawPWFromPq16(pq), rawBlock(p, Q));
      assert.deepEqual(pq16FromRawPW(rawBlock(p, Q)), pq);
      const withRw = rawBlock(p, Q).map((b, i) => b | ((i * 7) % 64));
      assert.deepEqual(pq16FromRawPW(withRw), pq, 'R-W do not reach the P-Q block');
    }
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 12, maxLength: 12 }), (p, q) => {
        const pq = encodePq16(p, q);
        assert.deepEqual(pq16FromRawPW(rawPWFromPq16(pq)), pq);
        assert.deepEqual(rawPWFromPq16(pq), rawBlock(p, q));
      }),
    );
  });

  it('refuses short blocks and bytes 12..15 beyond the P flag', () => {
    assert.throws(() => decodePq16(new Uint8Array(15)), MalformedDataError);
    assert.throws(() => pq16FromRawPW(new Uint8Array(95)), MalformedDataError);
    const bad = encodePq16(true, Q);
    bad[13] = 1;
    assert.throws(() => decodePq16(bad), MalformedDataError);
    const badP = encodePq16(false, Q);
    badP[15] = 0x01;
    assert.throws(() => rawPWFromPq16(badP), MalformedDataError);
    assertDecoderRobust(decodePq16, [encodePq16(true, Q)]);
  });
});
