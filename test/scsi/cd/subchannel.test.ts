// Q and P subchannel and raw P-W packing (ECMA-130 §22.3). Expected bytes are written by hand from
// the field tables; the CRC is checked against the CRC catalogue's CRC-16/GSM (width 16, poly
// 0x1021, init 0, not reflected, xorout 0xFFFF: check value 0xCE3C for "123456789" — the Q CRC is
// that CRC) and against polynomial division done here with BigInt.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeQ,
  encodeQ,
  packRawPW,
  pChannel,
  qCrc,
  unpackRawPW,
  TNO_LEAD_OUT,
} from '../../../src/scsi/cd/index.js';
import { DwError, HR } from '../../../src/errors.js';
import { assertDecoderRobust, cat, h } from '../../helpers/bytes.js';

/** Inverted remainder of M(x)·x^16 mod x^16+x^12+x^5+1, by BigInt division. */
function crcByDivision(bytes: Uint8Array): number {
  let m = 0n;
  for (const b of bytes) m = (m << 8n) | BigInt(b);
  m <<= 16n;
  const poly = 0x11021n;
  for (let bit = bytes.length * 8 + 15; bit >= 16; bit--) {
    if (m & (1n << BigInt(bit))) m ^= poly << BigInt(bit - 16);
  }
  return Number(m) ^ 0xffff;
}

/** 10 Q bytes followed by their CRC (most significant byte first). */
function withCrc(ten: Uint8Array): Uint8Array {
  const c = crcByDivision(ten);
  return cat(ten, [c >> 8, c & 0xff]);
}

describe('Q CRC', () => {
  it('is CRC-16/GSM: check value 0xCE3C, equal to the long division', () => {
    const ascii = new TextEncoder().encode('123456789');
    assert.equal(qCrc(ascii, 0, 9), 0xce3c);
    assert.equal(crcByDivision(ascii), 0xce3c);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), (b) => {
        assert.equal(qCrc(b), crcByDivision(b));
      }),
      { numRuns: 200 },
    );
  });
});

describe('Q mode 1 (positions)', () => {
  it('track 1 index 1 at LBA 0: relative 00:00:00, absolute 00:02:00', () => {
    const q = encodeQ({
      adr: 1,
      control: 0,
      trackNumber: 1,
      index: 1,
      relativeFrames: 0,
      absolute: { m: 0, s: 2, f: 0 },
    });
    assert.deepEqual(q, withCrc(h('01 01 01 00 00 00 00 00 02 00')));
    assert.equal(decodeQ(q).crcOk, true);
  });

  it('a data track pregap (index 0) with 1:23 to go, at 12:34:56', () => {
    const q = encodeQ({
      adr: 1,
      control: 4,
      trackNumber: 12,
      index: 0,
      relativeFrames: 75 + 23,
      absolute: { m: 12, s: 34, f: 56 },
    });
    assert.deepEqual(q, withCrc(h('41 12 00 00 01 23 00 12 34 56')));
  });

  it('the lead-out: TNO AA written as is', () => {
    const q = encodeQ({
      adr: 1,
      control: 0,
      trackNumber: TNO_LEAD_OUT,
      index: 1,
      relativeFrames: 4500 * 2 + 75 * 3 + 4,
      absolute: { m: 70, s: 0, f: 0 },
    });
    assert.deepEqual(q, withCrc(h('01 AA 01 02 03 04 00 70 00 00')));
  });

  it('lead-in TOC entries: POINT A0 (first track 1, CD-DA/CD-ROM) and track 5', () => {
    const a0 = encodeQ({
      adr: 1,
      control: 4,
      point: 0xa0,
      relativeFrames: 10,
      pointValue: [0x01, 0x00, 0x00],
    });
    assert.deepEqual(a0, withCrc(h('41 00 A0 00 00 10 00 01 00 00')));
    const t5 = encodeQ({
      adr: 1,
      control: 0,
      point: 5,
      relativeFrames: 11,
      pointValue: [0x12, 0x34, 0x56],
    });
    assert.deepEqual(t5, withCrc(h('01 00 05 00 00 11 00 12 34 56')));
  });
});

describe('Q modes 2 and 3', () => {
  it('mode 2: 13 MCN digits as nibbles, 12 zero bits, AFRAME', () => {
    const q = encodeQ({ adr: 2, control: 0, mediaCatalogNumber: '0123456789012', aframe: 42 });
    assert.deepEqual(q, withCrc(h('02 01 23 45 67 89 01 20 00 42')));
    assert.equal(decodeQ(q).mediaCatalogNumber, '0123456789012');
  });

  it('mode 3: ISRC US-RC1-76-07839 as 6-bit characters then BCD digits', () => {
    // U=37 100101, S=35 100011, R=34 100010, C=19 010011, 1=1 000001, then 00:
    // 10010110 00111000 10010011 00000100 = 96 38 93 04; digits 7607839 + zero nibble.
    const q = encodeQ({ adr: 3, control: 0, isrc: 'USRC17607839', aframe: 7 });
    assert.deepEqual(q, withCrc(h('03 96 38 93 04 76 07 83 90 07')));
    assert.equal(decodeQ(q).isrc, 'USRC17607839');
  });

  it('refuses a malformed MCN or ISRC with E_INVALIDARG', () => {
    const bad = (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG;
    assert.throws(() => encodeQ({ adr: 2, control: 0, mediaCatalogNumber: '12', aframe: 0 }), bad);
    assert.throws(() => encodeQ({ adr: 3, control: 0, isrc: 'us-rc1-76-07839', aframe: 0 }), bad);
  });

  it('decodeQ reports a damaged CRC and fails only with malformed data on short input', () => {
    const q = encodeQ({ adr: 2, control: 0, mediaCatalogNumber: '0000000000000', aframe: 0 });
    q[5] = (q[5] ?? 0) ^ 0x10;
    assert.equal(decodeQ(q).crcOk, false);
    assertDecoderRobust(decodeQ, [q], 500);
  });
});

describe('raw P-W block', () => {
  it('puts P in bit 7 and Q in bit 6 of byte i, bit i of each channel MSB first', () => {
    const q = h('80 00 00 00 00 00 00 00 00 00 00 01');
    const block = packRawPW(pChannel(true), q);
    const expected = new Uint8Array(96).fill(0x80);
    expected[0] = 0xc0; // bit 0 of Q (byte 0 bit 7)
    expected[95] = 0xc0; // bit 95 of Q (byte 11 bit 0)
    assert.deepEqual(block, expected);
    assert.deepEqual(packRawPW(pChannel(false), new Uint8Array(12)), new Uint8Array(96));
  });

  it('unpack(pack(P..W)) gives the channels back', () => {
    const ch = fc.uint8Array({ minLength: 12, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(ch, { minLength: 8, maxLength: 8 }), (c) => {
        const [p, q, ...rw] = c as [Uint8Array, Uint8Array, ...Uint8Array[]];
        assert.deepEqual(unpackRawPW(packRawPW(p, q, rw)), c);
      }),
      { numRuns: 100 },
    );
  });
});
