import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeTextPairs, encodeTextPairs } from '../../src/transport/iscsi/text.js';
import {
  chapMd5Response,
  decodeBinaryValue,
  encodeBinaryValue,
} from '../../src/transport/iscsi/chap.js';
import { DwError, MalformedDataError } from '../../src/errors.js';
import { assertDecoderRobust, h } from '../helpers/bytes.js';

describe('iSCSI text keys', () => {
  it('encodes key=value pairs, each ending in NUL', () => {
    assert.deepEqual(
      encodeTextPairs([
        ['HeaderDigest', 'None'],
        ['MaxBurstLength', '262144'],
      ]),
      new TextEncoder().encode('HeaderDigest=None\0MaxBurstLength=262144\0'),
    );
  });
  it('decodes repeated keys in order and tolerates a missing final NUL', () => {
    const text = 'TargetName=iqn.a\0TargetAddress=10.0.0.1:3260,1\0TargetName=iqn.b';
    assert.deepEqual(decodeTextPairs(new TextEncoder().encode(text)), [
      ['TargetName', 'iqn.a'],
      ['TargetAddress', '10.0.0.1:3260,1'],
      ['TargetName', 'iqn.b'],
    ]);
  });
  it('rejects bad keys and NULs in values', () => {
    assert.throws(() => encodeTextPairs([['bad key', 'x']]), DwError);
    assert.throws(() => encodeTextPairs([['Key', 'a\0b']]), DwError);
    assert.throws(
      () => decodeTextPairs(new TextEncoder().encode('NoEquals\0')),
      MalformedDataError,
    );
  });
  it('round-trips and the decoder is robust', () => {
    const key = fc.stringMatching(/^[A-Za-z0-9.\-+@_]{1,20}$/);
    const value = fc.string({ maxLength: 30 }).filter((v) => !v.includes('\0'));
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 8 }), (pairs) => {
        assert.deepEqual(decodeTextPairs(encodeTextPairs(pairs)), pairs);
      }),
    );
    assertDecoderRobust(decodeTextPairs, [encodeTextPairs([['AuthMethod', 'CHAP,None']])]);
  });
});

describe('CHAP', () => {
  it('MD5 response = MD5(identifier ‖ secret ‖ challenge)', () => {
    // MD5 of the single byte 00h.
    assert.deepEqual(
      chapMd5Response(0, '', new Uint8Array(0)),
      h('93b885adfe0da089cdf634904fd59f71'),
    );
    // MD5("abc"): identifier 61h ('a'), secret "b", challenge "c".
    assert.deepEqual(chapMd5Response(0x61, 'b', h('63')), h('900150983cd24fb0d6963f7d28e17f72'));
  });
  it('decodes hex and base64 binary values and encodes hex', () => {
    assert.deepEqual(decodeBinaryValue('0x0A0b'), h('0A 0B'));
    assert.deepEqual(decodeBinaryValue('0Xabc'), h('0A BC'));
    assert.deepEqual(decodeBinaryValue('0bAQID'), h('01 02 03'));
    assert.equal(encodeBinaryValue(h('00 FF 10')), '0x00ff10');
    for (const bad of ['0x', '0xZZ', '1234', '0b!!', '']) {
      assert.throws(() => decodeBinaryValue(bad), MalformedDataError, bad);
    }
  });
});
