// ECMA-130 (CD-ROM, 2nd edition) error detection and correction for data sectors, pure: the EDC
// (§14.3, a 32-bit CRC) and the P and Q parity of the Reed-Solomon Product-like Code (RSPC, §14.5
// and Annex A). Table-driven; the tests check every byte against a second, independent method.
//
// Byte layout of a Mode 1 sector (Mode 2 form 1 differs only in what the EDC covers and in
// zeroing the header for the ECC, see sector.ts):
//   0..11     Sync
//   12..15    Header (M, S, F in BCD, Mode)
//   16..2063  User data (2048)
//   2064..2067 EDC, least significant byte first
//   2068..2075 Intermediate (eight zero bytes)
//   2076..2247 P parity (172 bytes: 86 columns × 2)
//   2248..2351 Q parity (104 bytes: 52 diagonals × 2)

/**
 * The EDC polynomial P(x) = (x^16 + x^15 + x^2 + 1)(x^16 + x^2 + x + 1)
 * = x^32 + x^31 + x^16 + x^15 + x^4 + x^3 + x + 1, processed least significant bit first (bit 0 of
 * byte 0 is the highest-order term), so the register shifts right with the reflected constant.
 */
export const EDC_POLYNOMIAL_REFLECTED = 0xd8018001;

const EDC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i;
    for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ EDC_POLYNOMIAL_REFLECTED : r >>> 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** The EDC over `bytes` (ECMA-130 §14.3): preset 0, no final inversion. Unsigned 32-bit. */
export function computeEdc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let edc = 0;
  for (let i = start; i < end; i++) {
    edc = (edc >>> 8) ^ (EDC_TABLE[(edc ^ (bytes[i] as number)) & 0xff] as number);
  }
  return edc >>> 0;
}

/** Writes `edc` at `at`, least significant byte first (the order the sector carries it). */
export function writeEdc(sector: Uint8Array, at: number, edc: number): void {
  sector[at] = edc & 0xff;
  sector[at + 1] = (edc >>> 8) & 0xff;
  sector[at + 2] = (edc >>> 16) & 0xff;
  sector[at + 3] = (edc >>> 24) & 0xff;
}

// GF(2^8) with the field polynomial x^8 + x^4 + x^3 + x^2 + 1 (ECMA-130 Annex A), α = x.
// MUL_ALPHA[a] = a·α; DIV_ALPHA_PLUS_1[a] = a / (α + 1).
const MUL_ALPHA = new Uint8Array(256);
const DIV_ALPHA_PLUS_1 = new Uint8Array(256);
for (let a = 0; a < 256; a++) {
  const times = (a << 1) ^ (a & 0x80 ? 0x11d : 0);
  MUL_ALPHA[a] = times;
  // a·(α + 1) = times ^ a; the map is a bijection, so inverting it gives division by (α + 1).
  DIV_ALPHA_PLUS_1[times ^ a] = a;
}

/**
 * One family of RS codewords over the 2064 (P) or 2236 (Q) bytes from the header on. The bytes
 * form two planes (even and odd offsets: the LSB and MSB bytes of ECMA-130's 16-bit words) of
 * `count` codewords with `length` data symbols each; codeword `c` of a plane starts at word
 * `c` for P (columns, step 43 words) or at word 43·c for Q (diagonals, step 44 words, wrapping
 * modulo the area). The two parity symbols are solved from the two check equations
 * Σ v_i = 0 and Σ α^(n-1-i) v_i = 0: with S0 = Σ data, S1 = Σ α^(n-1-i)·data (Horner, so the data
 * are weighted α^(n-1-i) ... α^2), the parity symbols p0 (weight α) and p1 (weight 1) satisfy
 * p0 = (S0 + S1)/(α + 1) — S1 here already carries the shift for the two parity positions — and
 * p1 = S0 + p0.
 */
function parity(
  sector: Uint8Array,
  count: number,
  length: number,
  firstStep: number,
  step: number,
  area: number,
  out: number,
): void {
  const base = 12;
  for (let plane = 0; plane < 2; plane++) {
    for (let c = 0; c < count; c++) {
      let word = (c * firstStep) % (area / 2);
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < length; i++) {
        const v = sector[base + word * 2 + plane] as number;
        s0 ^= v;
        s1 = (MUL_ALPHA[s1 ^ v] as number) & 0xff;
        word += step;
        if (word >= area / 2) word -= area / 2;
      }
      // s1 = Σ α^(length-i)·v_i; the check needs Σ α^(length+1-i)·v_i = α·s1.
      const p0 = DIV_ALPHA_PLUS_1[s0 ^ (MUL_ALPHA[s1] as number)] as number;
      sector[out + c * 2 + plane] = p0;
      sector[out + count * 2 + c * 2 + plane] = p0 ^ s0;
    }
  }
}

/** Fills bytes 2076..2247 (P parity) from bytes 12..2075 (ECMA-130 §14.5.2). */
export function computeEccP(sector: Uint8Array): void {
  // 43 columns of 24 words; the parity words are rows 24 and 25 (offsets 2076 and 2076 + 86).
  parity(sector, 43, 24, 1, 43, 2064, 2076);
}

/** Fills bytes 2248..2351 (Q parity) from bytes 12..2247 (ECMA-130 §14.5.3). */
export function computeEccQ(sector: Uint8Array): void {
  // 26 diagonals of 43 words over the 1118 words of header..P parity; the parity words follow.
  parity(sector, 26, 43, 43, 44, 2236, 2248);
}
