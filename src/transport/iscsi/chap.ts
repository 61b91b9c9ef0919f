// CHAP for iSCSI login (RFC 7143 §12.1.3, RFC 1994): MD5 responses, binary value encoding, and
// the challenge an initiator sends for mutual authentication.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { MalformedDataError } from '../../errors.js';

/** CHAP_A algorithm number for MD5 (RFC 1994 / IANA PPP authentication algorithms). */
export const CHAP_MD5 = 5;

/** CHAP response: MD5(identifier ‖ secret ‖ challenge). */
export function chapMd5Response(
  identifier: number,
  secret: string | Uint8Array,
  challenge: Uint8Array,
): Uint8Array {
  const h = createHash('md5');
  h.update(Uint8Array.of(identifier & 0xff));
  h.update(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  h.update(challenge);
  return new Uint8Array(h.digest());
}

/**
 * Decodes an iSCSI binary value (RFC 7143 §6.1): `0x`/`0X` hex (an odd digit count gets a
 * leading zero) or `0b`/`0B` base64.
 */
export function decodeBinaryValue(value: string): Uint8Array {
  const prefix = value.slice(0, 2).toLowerCase();
  const body = value.slice(2);
  if (prefix === '0x') {
    if (body.length === 0 || !/^[0-9a-fA-F]+$/.test(body)) {
      throw new MalformedDataError(`bad hex binary value ${value}`);
    }
    return new Uint8Array(Buffer.from(body.length % 2 === 1 ? '0' + body : body, 'hex'));
  }
  if (prefix === '0b') {
    if (body.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
      throw new MalformedDataError(`bad base64 binary value ${value}`);
    }
    return new Uint8Array(Buffer.from(body, 'base64'));
  }
  throw new MalformedDataError(`binary value without 0x or 0b prefix: ${value}`);
}

/** `0x`-prefixed lower-case hex. */
export function encodeBinaryValue(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes).toString('hex');
}

/** A fresh identifier and challenge for mutual CHAP (16 random bytes, as RFC 7143 requires at least). */
export function newChallenge(): { identifier: number; challenge: Uint8Array } {
  const b = randomBytes(17);
  return { identifier: b[0]!, challenge: new Uint8Array(b.subarray(1)) };
}

/** Constant-time comparison of a received response with the expected one. */
export function responsesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
