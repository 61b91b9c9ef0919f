import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeFeatureDescriptor,
  encodeFeatureDescriptor,
  featureDescriptor,
} from '../../../../src/scsi/mmc/features/feature-descriptor.js';
import { DwError, HR, MalformedDataError } from '../../../../src/errors.js';
import { assertDecoderRobust, h } from '../../../helpers/bytes.js';

describe('feature descriptor header', () => {
  it('lays out code, Version in bits 5..2, Persistent bit 1, Current bit 0, Additional Length', () => {
    const d = featureDescriptor(0x0107, h('1F000000'), {
      version: 3,
      persistent: false,
      current: true,
    });
    assert.deepEqual(encodeFeatureDescriptor(d), h('0107 0D 04 1F000000'));
  });
  it('encodes version 15 persistent, not current as 3Eh', () => {
    const d = featureDescriptor(0x0001, new Uint8Array(0), {
      version: 15,
      persistent: true,
      current: false,
    });
    assert.deepEqual(encodeFeatureDescriptor(d), h('0001 3E 00'));
  });
  it('builder defaults: version 0, not persistent, current', () => {
    const d = featureDescriptor(0x0026, new Uint8Array(0));
    assert.deepEqual(d, {
      featureCode: 0x26,
      version: 0,
      persistent: false,
      current: true,
      additionalLength: 0,
      data: new Uint8Array(0),
    });
  });
  it('rejects data that is not a multiple of 4, longer than 252, or disagrees with additionalLength', () => {
    const bad = (data: Uint8Array, additionalLength = data.length) =>
      assert.throws(
        () => encodeFeatureDescriptor({ ...featureDescriptor(1, data), additionalLength }),
        (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
      );
    bad(new Uint8Array(3));
    bad(new Uint8Array(256));
    bad(new Uint8Array(4), 8);
  });
  it('rejects a version above 15 and a code above FFFFh', () => {
    assert.throws(() => encodeFeatureDescriptor(featureDescriptor(1, h(''), { version: 16 })));
    assert.throws(() => encodeFeatureDescriptor(featureDescriptor(0x10000, h(''))));
  });
  it('decodes one descriptor and ignores what follows it', () => {
    assert.deepEqual(decodeFeatureDescriptor(h('002B 05 04 01000000 FFFF')), {
      featureCode: 0x2b,
      version: 1,
      persistent: false,
      current: true,
      additionalLength: 4,
      data: h('01000000'),
    });
  });
  it('a descriptor whose data is cut off is malformed', () => {
    assert.throws(() => decodeFeatureDescriptor(h('002B 01 04 0100')), MalformedDataError);
    assert.throws(() => decodeFeatureDescriptor(h('002B 01')), MalformedDataError);
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 15 }),
        fc.boolean(),
        fc.boolean(),
        fc
          .integer({ min: 0, max: 63 })
          .chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })),
        (code, version, persistent, current, data) => {
          const d = featureDescriptor(code, data, { version, persistent, current });
          assert.deepEqual(decodeFeatureDescriptor(encodeFeatureDescriptor(d)), d);
        },
      ),
    );
    assertDecoderRobust(decodeFeatureDescriptor, [h('0107 0D 04 1F000000')]);
  });
});
