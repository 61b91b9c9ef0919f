// ECMA-130 data sectors: EDC and P/Q parity checked by methods independent of src/scsi/cd:
// - EDC: polynomial long division bit by bit (no table, no reflected register), and the check
//   value of the CRC catalogue's CRC-32/CD-ROM-EDC (width 32, poly 0x8001801B, reflected, init 0,
//   xorout 0: CRC of the ASCII "123456789" = 0x6EC2EDC4; R. Williams / G. Cook's CRC catalogue).
// - ECC: the check matrices of ECMA-130 Annex A applied to the vectors the standard defines
//   (V_P from S(43·Mp + Np), V_Q from S((44·Mq + 43·Nq) mod 1118)) with a GF(2^8) built here from
//   log/antilog tables: every syndrome must be zero, and a changed byte must make one non-zero.
//   Zero syndromes fix the two parity symbols of each codeword uniquely, so this checks every
//   parity byte.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildMode0Sector,
  buildMode1Sector,
  buildMode2Form1Sector,
  buildMode2Form2Sector,
  computeEdc,
  fromBcd,
  toBcd,
} from '../../../src/scsi/cd/index.js';
import { DwError, HR } from '../../../src/errors.js';
import { h } from '../../helpers/bytes.js';

/** CRC by long division: bits taken LSB-first per byte, polynomial x^32+x^31+x^16+x^15+x^4+x^3+x+1. */
function edcByDivision(bytes: Uint8Array): number {
  const poly = 0x1_8001_801bn;
  let rem = 0n;
  for (const b of bytes) {
    for (let k = 0; k < 8; k++) {
      rem = (rem << 1n) | BigInt((b >> k) & 1);
      if (rem & (1n << 32n)) rem ^= poly;
    }
  }
  for (let k = 0; k < 32; k++) {
    rem <<= 1n;
    if (rem & (1n << 32n)) rem ^= poly;
  }
  // The remainder's x^31 coefficient is the first bit on the disc: bit 0 of the first EDC byte.
  let out = 0;
  for (let k = 0; k < 32; k++) if (rem & (1n << BigInt(31 - k))) out |= 1 << k;
  return out >>> 0;
}

// GF(2^8), field polynomial x^8+x^4+x^3+x^2+1, from log/antilog tables.
const EXP: number[] = [];
const LOG: number[] = new Array<number>(256).fill(0);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
}
const mul = (a: number, b: number) =>
  a === 0 || b === 0 ? 0 : (EXP[((LOG[a] ?? 0) + (LOG[b] ?? 0)) % 255] ?? 0);
const alphaPow = (n: number) => EXP[n % 255] ?? 0;

/** Word S(n) of ECMA-130 Annex A as its two bytes [low-address byte, high-address byte]. */
function word(sector: Uint8Array, n: number): [number, number] {
  return [sector[12 + 2 * n] ?? -1, sector[13 + 2 * n] ?? -1];
}

/** All syndromes of H × V for every P and Q vector; 0 for each when the parity is right. */
function syndromes(sector: Uint8Array): number[] {
  const out: number[] = [];
  const check = (indices: number[]) => {
    const len = indices.length;
    for (const plane of [0, 1]) {
      let s0 = 0;
      let s1 = 0;
      indices.forEach((n, i) => {
        const v = word(sector, n)[plane] as number;
        s0 ^= v;
        s1 ^= mul(alphaPow(len - 1 - i), v);
      });
      out.push(s0, s1);
    }
  };
  for (let np = 0; np < 43; np++) check(Array.from({ length: 26 }, (_, mp) => 43 * mp + np));
  for (let nq = 0; nq < 26; nq++) {
    const idx = Array.from({ length: 43 }, (_, mq) => (44 * mq + 43 * nq) % 1118);
    check([...idx, 1118 + nq, 1144 + nq]);
  }
  return out;
}

const SYNC = h('00 FF FF FF FF FF FF FF FF FF FF 00');
const le32 = (b: Uint8Array, at: number) =>
  ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>>
  0;

describe('EDC (ECMA-130 §14.3)', () => {
  it('gives the catalogue check value 0x6EC2EDC4 for "123456789", and so does the long division', () => {
    const ascii = new TextEncoder().encode('123456789');
    assert.equal(computeEdc(ascii), 0x6ec2edc4);
    assert.equal(edcByDivision(ascii), 0x6ec2edc4);
  });

  it('equals the bitwise long division on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        assert.equal(computeEdc(bytes), edcByDivision(bytes));
      }),
      { numRuns: 200 },
    );
  });
});

describe('Mode 1 sector (ECMA-130 §14.3)', () => {
  const user = Uint8Array.from({ length: 2048 }, (_, i) => (i * 7 + 3) & 0xff);
  const s = buildMode1Sector(16, user);

  it('has sync, BCD header 00:02:16 mode 1, the user data, the EDC and eight zero bytes', () => {
    assert.equal(s.length, 2352);
    assert.deepEqual(s.subarray(0, 12), SYNC);
    assert.deepEqual(s.subarray(12, 16), h('00 02 16 01'));
    assert.deepEqual(s.subarray(16, 2064), user);
    assert.equal(le32(s, 2064), edcByDivision(s.subarray(0, 2064)));
    assert.deepEqual(s.subarray(2068, 2076), new Uint8Array(8));
  });

  it('has P and Q parity satisfying every check equation of Annex A', () => {
    assert.ok(syndromes(s).every((v) => v === 0));
    const damaged = Uint8Array.from(s);
    damaged[1000] = (damaged[1000] ?? 0) ^ 0x01;
    assert.ok(syndromes(damaged).some((v) => v !== 0));
  });

  it('holds for random data at random addresses (lead-in to the end of the MSF range)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -45150, max: 404849 }),
        fc.uint8Array({ minLength: 2048, maxLength: 2048 }),
        (lba, data) => {
          const sec = buildMode1Sector(lba, data);
          assert.equal(le32(sec, 2064), edcByDivision(sec.subarray(0, 2064)));
          assert.ok(syndromes(sec).every((v) => v === 0));
        },
      ),
      { numRuns: 20 },
    );
  });

  it('addresses the lead-in in minutes 90..99 (LBA -150 is 00:00:00, -151 is 99:59:74)', () => {
    assert.deepEqual(buildMode1Sector(-150, user).subarray(12, 16), h('00 00 00 01'));
    assert.deepEqual(buildMode1Sector(-151, user).subarray(12, 16), h('99 59 74 01'));
  });

  it('refuses user data of the wrong size with E_INVALIDARG', () => {
    assert.throws(
      () => buildMode1Sector(0, new Uint8Array(2047)),
      (e) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
    );
  });
});

describe('Mode 2 sectors', () => {
  const user = Uint8Array.from({ length: 2048 }, (_, i) => (i * 13) & 0xff);

  it('form 1: subheader twice, EDC over 16..2071, parity computed with a zero header', () => {
    const s = buildMode2Form1Sector(300, user);
    assert.deepEqual(s.subarray(12, 24), h('00 06 00 02  00 00 08 00  00 00 08 00'));
    assert.deepEqual(s.subarray(24, 2072), user);
    assert.equal(le32(s, 2072), edcByDivision(s.subarray(16, 2072)));
    const zeroHeader = Uint8Array.from(s);
    zeroHeader.fill(0, 12, 16);
    assert.ok(syndromes(zeroHeader).every((v) => v === 0));
    assert.ok(
      syndromes(s).some((v) => v !== 0),
      'the real header is not covered',
    );
  });

  it('form 2: Form bit set in the submode, EDC over 16..2347', () => {
    const data = Uint8Array.from({ length: 2324 }, (_, i) => i & 0xff);
    const s = buildMode2Form2Sector(0, data);
    assert.deepEqual(s.subarray(12, 24), h('00 02 00 02  00 00 28 00  00 00 28 00'));
    assert.deepEqual(s.subarray(24, 2348), data);
    assert.equal(le32(s, 2348), edcByDivision(s.subarray(16, 2348)));
  });

  it('Mode 0: sync, header with mode 0, zeros', () => {
    const s = buildMode0Sector(0);
    assert.deepEqual(s.subarray(0, 16), h('00 FF FF FF FF FF FF FF FF FF FF 00 00 02 00 00'));
    assert.ok(s.subarray(16).every((b) => b === 0));
  });
});

describe('BCD', () => {
  it('round-trips 0..99 and rejects nibbles above 9', () => {
    for (let v = 0; v < 100; v++) assert.equal(fromBcd(toBcd(v)), v);
    assert.equal(toBcd(59), 0x59);
    assert.equal(fromBcd(0x5a), undefined);
    assert.throws(
      () => toBcd(100),
      (e) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
    );
  });
});
