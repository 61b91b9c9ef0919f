// CRC32C (Castagnoli), the iSCSI header and data digest (RFC 7143 §11.1, RFC 3720 B.4). Pure.
// Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF. On the wire the
// digest goes least-significant byte first (RFC 3720 B.4 lists 0x8A9136AA as `AA 36 91 8A`).

const TABLES: Uint32Array[] = (() => {
  // Slicing-by-4: four 256-entry tables, so data digests over megabytes stay cheap.
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let s = 1; s < 4; s++) {
    const prev = tables[s - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = ((prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!) >>> 0;
    tables.push(t);
  }
  return tables;
})();
const [T0, T1, T2, T3] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** Continue a CRC32C over `bytes`. Start with `crc32cInit()`, finish with `crc32cFinal()`. */
export function crc32cUpdate(state: number, bytes: Uint8Array): number {
  let c = state >>> 0;
  let i = 0;
  const n = bytes.length;
  for (; i + 4 <= n; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = T3[c & 0xff]! ^ T2[(c >>> 8) & 0xff]! ^ T1[(c >>> 16) & 0xff]! ^ T0[c >>> 24]!;
  }
  for (; i < n; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

export function crc32cInit(): number {
  return 0xffffffff;
}

export function crc32cFinal(state: number): number {
  return (state ^ 0xffffffff) >>> 0;
}

/** CRC32C of the concatenation of `parts`. */
export function crc32c(...parts: Uint8Array[]): number {
  let s = crc32cInit();
  for (const p of parts) s = crc32cUpdate(s, p);
  return crc32cFinal(s);
}

/** The 4 digest bytes as sent on the wire (least-significant byte first). */
export function digestBytes(crc: number, out: Uint8Array = new Uint8Array(4), at = 0): Uint8Array {
  out[at] = crc & 0xff;
  out[at + 1] = (crc >>> 8) & 0xff;
  out[at + 2] = (crc >>> 16) & 0xff;
  out[at + 3] = (crc >>> 24) & 0xff;
  return out;
}

/** Reads a wire digest back into a number. */
export function readDigest(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
  );
}
