// iSCSI text key=value pairs (RFC 7143 §6.1): the data segment of Login and Text PDUs, each pair
// `key=value` terminated by a NUL byte, UTF-8. Pure.

import { MalformedDataError, invalidArgument } from '../../errors.js';

/** Ordered key/value pairs (a key may repeat, e.g. TargetName in a SendTargets answer). */
export type TextPairs = readonly (readonly [string, string])[];

const KEY = /^[A-Za-z0-9.\-+@_]{1,63}$/;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

// Layout: key "=" value NUL, repeated; no padding (the PDU framing pads the segment).
export function encodeTextPairs(pairs: TextPairs): Uint8Array {
  const text = pairs
    .map(([k, v]) => {
      if (!KEY.test(k)) throw invalidArgument(`invalid iSCSI text key ${JSON.stringify(k)}`);
      if (v.includes('\0')) throw invalidArgument(`value of ${k} contains a NUL`);
      return `${k}=${v}\0`;
    })
    .join('');
  return utf8Encoder.encode(text);
}

/**
 * Decodes a text data segment. A missing NUL after the last pair and NUL padding are tolerated;
 * a pair without `=` or with an invalid key throws MalformedDataError.
 */
export function decodeTextPairs(bytes: Uint8Array): [string, string][] {
  const out: [string, string][] = [];
  for (const item of utf8Decoder.decode(bytes).split('\0')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new MalformedDataError(`iSCSI text item without key=value: ${item}`);
    const key = item.slice(0, eq);
    if (!KEY.test(key)) throw new MalformedDataError(`invalid iSCSI text key ${key}`);
    out.push([key, item.slice(eq + 1)]);
  }
  return out;
}
