// Supported VPD Pages and Block Limits (src/scsi/spc/vpd.ts): expected bytes written out from
// SPC-4 7.8.14 and SBC-3 6.5.3, tgt's answer for its MMC logical unit as captured, and the
// decoders fed truncated and random bytes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBlockLimits,
  decodeSupportedVpdPages,
  encodeBlockLimits,
  encodeSupportedVpdPages,
  vpdPageLength,
} from '../../../src/scsi/spc/vpd.js';
import { MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, cat, h, zeros } from '../../helpers/bytes.js';

// tgt 1.0.x, a DVD+R logical unit (device type 5): Supported VPD Pages lists 00 80 83 B0 B1 B2,
// and Block Limits is the SBC-3 page with every transfer field 0 ("not reported").
const tgtPages = h('05 00 00 06 00 80 83 B0 B1 B2');
const tgtBlockLimits = cat(h('05 B0 00 3C 00 80 00 00'), zeros(56));

describe('Supported VPD Pages (00h)', () => {
  it("decodes tgt's list, and no more codes than PAGE LENGTH or the bytes hold", () => {
    assert.deepEqual(decodeSupportedVpdPages(tgtPages), [0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2]);
    assert.deepEqual(decodeSupportedVpdPages(h('05 00 00 01 00 B0')), [0x00]);
    assert.deepEqual(decodeSupportedVpdPages(h('05 00 00 04 00 80')), [0x00, 0x80]);
    assert.equal(vpdPageLength(tgtPages), 10);
  });
  it('encodes as SPC-4 lays it out', () => {
    assert.deepEqual(encodeSupportedVpdPages(5, [0x00, 0xb0]), h('05 00 00 02 00 B0'));
    assert.deepEqual(encodeSupportedVpdPages(5, [0x00]), h('05 00 00 01 00'));
  });
  it("refuses a short header or another page's data", () => {
    assert.throws(() => decodeSupportedVpdPages(h('05 00 00')), MalformedDataError);
    assert.throws(() => decodeSupportedVpdPages(h('05 83 00 00')), MalformedDataError);
    assertDecoderRobust(decodeSupportedVpdPages, [tgtPages]);
  });
});

describe('Block Limits (B0h)', () => {
  it("decodes tgt's answer: nothing reported", () => {
    assert.deepEqual(decodeBlockLimits(tgtBlockLimits), {
      optimalTransferLengthGranularity: 0,
      maximumTransferLength: 0,
      optimalTransferLength: 0,
    });
  });
  it('decodes the transfer fields (bytes 6..15, big-endian), SBC-2 length included', () => {
    const page = cat(h('05 B0 00 0C 00 00 00 10'), h('00 00 01 00'), h('00 00 00 80'));
    assert.deepEqual(decodeBlockLimits(page), {
      optimalTransferLengthGranularity: 16,
      maximumTransferLength: 256,
      optimalTransferLength: 128,
    });
  });
  it('encodes a 64-byte page as SBC-3 lays it out', () => {
    const bytes = encodeBlockLimits(5, {
      optimalTransferLengthGranularity: 0,
      maximumTransferLength: 0x12345678,
      optimalTransferLength: 32,
    });
    assert.deepEqual(bytes, cat(h('05 B0 00 3C 00 00 00 00 12 34 56 78 00 00 00 20'), zeros(48)));
  });
  it('refuses a page shorter than its transfer fields, by bytes or by PAGE LENGTH', () => {
    assert.throws(() => decodeBlockLimits(tgtBlockLimits.subarray(0, 15)), MalformedDataError);
    assert.throws(() => decodeBlockLimits(cat(h('05 B0 00 08'), zeros(12))), MalformedDataError);
    assert.throws(() => decodeBlockLimits(cat(h('05 00 00 3C'), zeros(60))), MalformedDataError);
    assertDecoderRobust(decodeBlockLimits, [tgtBlockLimits]);
  });
});
