import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SenseKey,
  ascText,
  decodeSense,
  senseKeyName,
  summarizeSense,
  toFixedSense18,
  type SenseKeySpecific,
} from '../../src/scsi/sense.js';
import {
  encodeDescriptorSense,
  encodeFixedSense,
  type SenseOptions,
} from '../../src/scsi/sense-encode.js';
import { hrFromSense } from '../../src/scsi/sense-hresult.js';
import { ASC_TABLE, standardAscText } from '../../src/scsi/asc-table.js';
import { DwError, HR, MalformedDataError } from '../../src/errors.js';
import { assertDecoderRobust, be, cat, h, zeros } from '../helpers/bytes.js';

// Fixed-format sense built by hand (SPC-4 4.5.3): 18 bytes, ADDITIONAL SENSE LENGTH 0Ah.
function fixed(o: {
  code?: number;
  byte2: number;
  info?: number;
  csi?: number;
  asc: number;
  ascq: number;
  fru?: number;
  sks?: number[];
}): Uint8Array {
  return cat(
    [o.code ?? 0x70, 0x00, o.byte2],
    be(o.info ?? 0, 4),
    [0x0a],
    be(o.csi ?? 0, 4),
    [o.asc, o.ascq, o.fru ?? 0],
    o.sks ?? [0, 0, 0],
  );
}

const ILLEGAL_REQUEST_WRITE_ADDR = h('F0 00 05 00001234 0A 00000000 21 02 00 000000');
const DESCRIPTOR_WRITE_ADDR = h('72 05 21 02 000000 0C   00 0A 80 00 0000000000001234');

describe('SenseKey and senseKeyName', () => {
  it('has the SPC-4 values', () => {
    assert.deepEqual(
      { ...SenseKey },
      {
        NO_SENSE: 0x0,
        RECOVERED_ERROR: 0x1,
        NOT_READY: 0x2,
        MEDIUM_ERROR: 0x3,
        HARDWARE_ERROR: 0x4,
        ILLEGAL_REQUEST: 0x5,
        UNIT_ATTENTION: 0x6,
        DATA_PROTECT: 0x7,
        BLANK_CHECK: 0x8,
        VENDOR_SPECIFIC: 0x9,
        COPY_ABORTED: 0xa,
        ABORTED_COMMAND: 0xb,
        VOLUME_OVERFLOW: 0xd,
        MISCOMPARE: 0xe,
        COMPLETED: 0xf,
      },
    );
  });
  it('names every key', () => {
    const names = [
      'NO SENSE',
      'RECOVERED ERROR',
      'NOT READY',
      'MEDIUM ERROR',
      'HARDWARE ERROR',
      'ILLEGAL REQUEST',
      'UNIT ATTENTION',
      'DATA PROTECT',
      'BLANK CHECK',
      'VENDOR SPECIFIC',
      'COPY ABORTED',
      'ABORTED COMMAND',
      'RESERVED',
      'VOLUME OVERFLOW',
      'MISCOMPARE',
      'COMPLETED',
    ];
    names.forEach((n, key) => assert.equal(senseKeyName(key), n));
    assert.equal(senseKeyName(0x1f), 'SENSE KEY 0x1F');
  });
});

describe('decodeSense: fixed format', () => {
  it('decodes 5/21/02 with a valid INFORMATION field (the failing LBA)', () => {
    assert.deepEqual(decodeSense(ILLEGAL_REQUEST_WRITE_ADDR), {
      format: 'fixed',
      responseCode: 0x70,
      deferred: false,
      senseKey: 5,
      asc: 0x21,
      ascq: 0x02,
      information: 0x1234,
      commandSpecificInformation: 0,
      fieldReplaceableUnitCode: 0,
      filemark: false,
      eom: false,
      ili: false,
      sdatOverflow: false,
      descriptors: [],
      length: 18,
    });
  });
  it('reads 71h as deferred (a buffered WRITE failing later)', () => {
    const d = decodeSense(fixed({ code: 0x71, byte2: 0x03, asc: 0x0c, ascq: 0x09 }));
    assert.equal(d.deferred, true);
    assert.equal(d.responseCode, 0x71);
    assert.deepEqual([d.senseKey, d.asc, d.ascq], [3, 0x0c, 0x09]);
  });
  it('ignores the INFORMATION bytes when VALID is 0', () => {
    const d = decodeSense(fixed({ byte2: 0x03, info: 0xdeadbeef, asc: 0x11, ascq: 0 }));
    assert.equal(d.information, undefined);
    assert.equal('information' in d, false);
  });
  it('reads the full 32-bit INFORMATION and COMMAND-SPECIFIC INFORMATION', () => {
    const d = decodeSense(
      fixed({ code: 0xf0, byte2: 0x05, info: 0xfffffffe, csi: 0x01020304, asc: 0x24, ascq: 0 }),
    );
    assert.equal(d.information, 0xfffffffe);
    assert.equal(d.commandSpecificInformation, 0x01020304);
  });
  it('reads FILEMARK, EOM, ILI and SDAT_OVFL from byte 2 and the FRU code from byte 14', () => {
    const d = decodeSense(fixed({ byte2: 0xf0 | 0x08, asc: 0, ascq: 0, fru: 0x42 }));
    assert.deepEqual(
      [d.filemark, d.eom, d.ili, d.sdatOverflow, d.senseKey, d.fieldReplaceableUnitCode],
      [true, true, true, true, 8, 0x42],
    );
  });
  it('decodes a NOT READY progress indication as a fraction of 65536', () => {
    const d = decodeSense(fixed({ byte2: 0x02, asc: 0x04, ascq: 0x04, sks: [0x80, 0x40, 0x00] }));
    assert.deepEqual(d.senseKeySpecific, {
      kind: 'progress',
      progressIndication: 0x4000,
      fraction: 0.25,
    });
  });
  it('decodes a NO SENSE progress indication too', () => {
    const d = decodeSense(fixed({ byte2: 0x00, asc: 0x00, ascq: 0x16, sks: [0x80, 0xff, 0xff] }));
    assert.deepEqual(d.senseKeySpecific, {
      kind: 'progress',
      progressIndication: 0xffff,
      fraction: 0xffff / 65536,
    });
  });
  it('decodes an ILLEGAL REQUEST field pointer with and without a bit pointer', () => {
    // SKSV 1, C/D 1 (CDB), BPV 1, BIT POINTER 3; FIELD POINTER 2
    const withBit = decodeSense(
      fixed({ byte2: 0x05, asc: 0x24, ascq: 0, sks: [0xcb, 0x00, 0x02] }),
    );
    assert.deepEqual(withBit.senseKeySpecific, {
      kind: 'fieldPointer',
      commandData: true,
      bitPointer: 3,
      fieldPointer: 2,
    });
    // SKSV 1, C/D 0 (parameter list), BPV 0 (bits 2..0 are then not a pointer)
    const noBit = decodeSense(fixed({ byte2: 0x05, asc: 0x26, ascq: 0, sks: [0x87, 0x01, 0x00] }));
    assert.deepEqual(noBit.senseKeySpecific, {
      kind: 'fieldPointer',
      commandData: false,
      fieldPointer: 0x100,
    });
  });
  it('decodes the actual retry count of MEDIUM, HARDWARE and RECOVERED errors', () => {
    for (const key of [1, 3, 4]) {
      const d = decodeSense(fixed({ byte2: key, asc: 0x11, ascq: 0, sks: [0x80, 0x00, 0x05] }));
      assert.deepEqual(d.senseKeySpecific, { kind: 'actualRetryCount', actualRetryCount: 5 });
    }
  });
  it('decodes a COPY ABORTED segment pointer and a UNIT ATTENTION queue overflow', () => {
    const copy = decodeSense(fixed({ byte2: 0x0a, asc: 0x0d, ascq: 0, sks: [0xad, 0x00, 0x10] }));
    assert.deepEqual(copy.senseKeySpecific, {
      kind: 'segmentPointer',
      segmentDescriptor: true,
      bitPointer: 5,
      fieldPointer: 0x10,
    });
    const ua = decodeSense(fixed({ byte2: 0x06, asc: 0x29, ascq: 0, sks: [0x81, 0, 0] }));
    assert.deepEqual(ua.senseKeySpecific, { kind: 'unitAttentionQueueOverflow', overflow: true });
  });
  it('keeps the sense key specific bytes of other keys raw, and none when SKSV is 0', () => {
    const raw = decodeSense(fixed({ byte2: 0x07, asc: 0x27, ascq: 0, sks: [0x80, 0x12, 0x34] }));
    assert.deepEqual(raw.senseKeySpecific, { kind: 'raw', bytes: h('80 12 34') });
    const none = decodeSense(fixed({ byte2: 0x02, asc: 0x04, ascq: 0x04, sks: [0x00, 0x80, 0] }));
    assert.equal('senseKeySpecific' in none, false);
  });
  it('accepts VALID with response code 71h (F1h) and ignores byte 1', () => {
    const d = decodeSense(fixed({ code: 0xf1, byte2: 0x03, info: 7, asc: 0x0c, ascq: 0x00 }));
    assert.equal(d.deferred, true);
    assert.equal(d.information, 7);
  });
});

describe('decodeSense: truncated and padded fixed sense', () => {
  it('reads only the sense key from 3 bytes (ASC/ASCQ absent = 00h, no additional info)', () => {
    const d = decodeSense(h('70 00 02'));
    assert.deepEqual([d.senseKey, d.asc, d.ascq, d.length], [2, 0, 0, 3]);
    assert.equal('commandSpecificInformation' in d, false);
  });
  it('reads ASC and ASCQ from 14 bytes but no FRU code or sense key specific data', () => {
    const d = decodeSense(ILLEGAL_REQUEST_WRITE_ADDR.subarray(0, 14));
    assert.deepEqual([d.asc, d.ascq, d.information], [0x21, 0x02, 0x1234]);
    assert.equal('fieldReplaceableUnitCode' in d, false);
  });
  it('drops INFORMATION when the sense stops inside it', () => {
    const d = decodeSense(h('F0 00 05 00 00'));
    assert.equal('information' in d, false);
  });
  it('trusts ADDITIONAL SENSE LENGTH over padding: length 6 ends the structure at byte 13', () => {
    const cut = Uint8Array.from(ILLEGAL_REQUEST_WRITE_ADDR);
    cut[7] = 6;
    const short = decodeSense(cut);
    assert.deepEqual([short.asc, short.ascq, short.length], [0x21, 0x02, 14]);
    assert.equal('fieldReplaceableUnitCode' in short, false);
  });
  it('treats ASC/ASCQ outside ADDITIONAL SENSE LENGTH 0 as absent', () => {
    const s = Uint8Array.from(ILLEGAL_REQUEST_WRITE_ADDR);
    s[7] = 0;
    const d = decodeSense(s);
    assert.deepEqual([d.senseKey, d.asc, d.ascq, d.length], [5, 0, 0, 8]);
    assert.equal(d.information, 0x1234);
  });
  it('clamps a longer ADDITIONAL SENSE LENGTH to the bytes present', () => {
    const s = cat(ILLEGAL_REQUEST_WRITE_ADDR);
    s[7] = 0x20;
    assert.equal(decodeSense(s).length, 18);
    assert.equal(decodeSense(cat(s, zeros(100))).length, 40);
  });
});

describe('decodeSense: descriptor format', () => {
  it('decodes key/ASC/ASCQ and the information descriptor', () => {
    const d = decodeSense(DESCRIPTOR_WRITE_ADDR);
    assert.deepEqual(d, {
      format: 'descriptor',
      responseCode: 0x72,
      deferred: false,
      senseKey: 5,
      asc: 0x21,
      ascq: 0x02,
      information: 0x1234,
      filemark: false,
      eom: false,
      ili: false,
      sdatOverflow: false,
      descriptors: [{ type: 0, data: h('80 00 0000000000001234') }],
      length: 20,
    });
  });
  it('keeps a 64-bit INFORMATION value exact up to 2^53 - 1', () => {
    const max = decodeSense(h('72 03 11 00 000000 0C 00 0A 80 00 001FFFFFFFFFFFFF'));
    assert.equal(max.information, Number.MAX_SAFE_INTEGER);
    const big = decodeSense(h('72 03 11 00 000000 0C 00 0A 80 00 0000010000000005'));
    assert.equal(big.information, 2 ** 40 + 5);
  });
  it('ignores an information descriptor whose VALID bit is 0', () => {
    const d = decodeSense(h('72 03 11 00 000000 0C 00 0A 00 00 0000000000000005'));
    assert.equal('information' in d, false);
  });
  it('reads the command-specific, sense key specific and FRU descriptors', () => {
    const d = decodeSense(
      h(
        '73 02 04 07 000000 18' +
          '01 0A 00 00 00000000 00ABCDEF' + // command-specific information
          '02 06 00 00 80 80 00 00' + // sense key specific: SKSV, progress 8000h
          '03 02 00 07', // field replaceable unit code 7
      ),
    );
    assert.equal(d.deferred, true);
    assert.deepEqual([d.senseKey, d.asc, d.ascq], [2, 0x04, 0x07]);
    assert.equal(d.commandSpecificInformation, 0xabcdef);
    assert.deepEqual(d.senseKeySpecific, {
      kind: 'progress',
      progressIndication: 0x8000,
      fraction: 0.5,
    });
    assert.equal(d.fieldReplaceableUnitCode, 7);
    assert.equal(d.descriptors.length, 3);
  });
  it('reads ILI from the block commands descriptor, FILEMARK/EOM from the stream one', () => {
    const block = decodeSense(h('72 03 11 00 000000 04 05 02 00 20'));
    assert.deepEqual([block.ili, block.filemark, block.eom], [true, false, false]);
    const stream = decodeSense(h('72 00 00 01 000000 04 04 02 00 C0'));
    assert.deepEqual([stream.ili, stream.filemark, stream.eom], [false, true, true]);
  });
  it('keeps unknown descriptors raw and reads SDAT_OVFL', () => {
    const d = decodeSense(h('72 04 44 00 80 0000 05 80 03 AA BB CC'));
    assert.deepEqual(d.descriptors, [{ type: 0x80, data: h('AA BB CC') }]);
    assert.equal(d.sdatOverflow, true);
  });
  it('drops a descriptor cut off by the end of the data or of the structure', () => {
    const cut = decodeSense(DESCRIPTOR_WRITE_ADDR.subarray(0, 16));
    assert.deepEqual(cut.descriptors, []);
    assert.equal('information' in cut, false);
    const short = Uint8Array.from(DESCRIPTOR_WRITE_ADDR);
    short[7] = 8; // ADDITIONAL SENSE LENGTH ends inside the 12-byte descriptor
    assert.equal('information' in decodeSense(short), false);
  });
  it('reads the sense key from 2 bytes and treats missing ASC/ASCQ as 00h', () => {
    const d = decodeSense(h('72 02'));
    assert.deepEqual([d.senseKey, d.asc, d.ascq, d.length], [2, 0, 0, 2]);
  });
});

describe('decodeSense: unusable sense', () => {
  it('throws MalformedDataError for empty sense, a foreign response code or no sense key', () => {
    for (const bad of [
      h(''),
      h('00 00 05'),
      h('7F 00 05'),
      h('74 05 21 02'),
      h('6F 00 05'),
      h('70'),
      h('70 00'),
      h('72'),
    ]) {
      assert.throws(() => decodeSense(bad), MalformedDataError, `for ${bad.join(',')}`);
    }
  });
  it('is robust against random, truncated and corrupted sense (thousands of inputs)', () => {
    const samples = [
      ILLEGAL_REQUEST_WRITE_ADDR,
      DESCRIPTOR_WRITE_ADDR,
      h('73 02 04 07 000000 18 01 0A 00 00 00000000 00ABCDEF 02 06 00 00 80 80 00 00 03 02 00 07'),
      fixed({ byte2: 0x05, asc: 0x24, ascq: 0, sks: [0xcb, 0x00, 0x02] }),
    ];
    assertDecoderRobust(decodeSense, samples, 8000);
    assertDecoderRobust(toFixedSense18, samples, 4000);
    assertDecoderRobust((b) => summarizeSense(decodeSense(b)), samples, 2000);
    // Random bytes seldom start with 70h..73h: force it so the body decoders get the traffic.
    fc.assert(
      fc.property(
        fc.integer({ min: 0x70, max: 0xf3 }),
        fc.uint8Array({ maxLength: 64 }),
        (c, t) => {
          try {
            decodeSense(cat([c], t));
          } catch (e) {
            assert.ok(e instanceof MalformedDataError, String(e));
          }
        },
      ),
      { numRuns: 8000 },
    );
  });
});

describe('toFixedSense18 (spec §4.5)', () => {
  it('converts descriptor sense: 72h becomes 70h, info to bytes 3..6 with VALID', () => {
    assert.deepEqual(toFixedSense18(DESCRIPTOR_WRITE_ADDR), ILLEGAL_REQUEST_WRITE_ADDR);
  });
  it('keeps the deferred response code (73h → 71h)', () => {
    const d = h('73 03 0C 09 000000 00');
    assert.deepEqual(toFixedSense18(d), fixed({ code: 0x71, byte2: 0x03, asc: 0x0c, ascq: 0x09 }));
  });
  it('leaves VALID clear and bytes 3..6 zero when INFORMATION does not fit 32 bits', () => {
    const d = h('72 03 11 00 000000 0C 00 0A 80 00 0000000100000000');
    assert.deepEqual(toFixedSense18(d), fixed({ byte2: 0x03, asc: 0x11, ascq: 0x00 }));
    const fits = h('72 03 11 00 000000 0C 00 0A 80 00 00000000FFFFFFFF');
    assert.deepEqual(
      toFixedSense18(fits),
      fixed({ code: 0xf0, byte2: 0x03, info: 0xffffffff, asc: 0x11, ascq: 0 }),
    );
  });
  it('moves command-specific information, FRU code, sense key specific bytes and ILI', () => {
    const d = h(
      '72 02 04 07 000000 1C' +
        '01 0A 00 00 00000000 00ABCDEF' +
        '02 06 00 00 80 80 00 00' +
        '03 02 00 07' +
        '05 02 00 20',
    );
    assert.deepEqual(
      toFixedSense18(d),
      fixed({
        byte2: 0x20 | 0x02,
        csi: 0xabcdef,
        asc: 0x04,
        ascq: 0x07,
        fru: 7,
        sks: [0x80, 0x80, 0x00],
      }),
    );
  });
  it('returns 18-byte fixed sense unchanged', () => {
    const s = fixed({ code: 0xf0, byte2: 0x05, info: 5, asc: 0x24, ascq: 0, sks: [0xc0, 0, 2] });
    assert.deepEqual(toFixedSense18(s), s);
  });
  it('truncates longer fixed sense to 18 bytes with ADDITIONAL SENSE LENGTH 0Ah', () => {
    const long = cat(ILLEGAL_REQUEST_WRITE_ADDR, h('01 02 03 04 05 06'));
    long[7] = 0x10;
    assert.deepEqual(toFixedSense18(long), ILLEGAL_REQUEST_WRITE_ADDR);
  });
  it('zero-pads short fixed sense and clears VALID when the INFORMATION bytes are missing', () => {
    assert.deepEqual(toFixedSense18(h('70 00 06')), fixed({ byte2: 0x06, asc: 0, ascq: 0 }));
    assert.deepEqual(toFixedSense18(h('F0 00 03 00 00')), fixed({ byte2: 0x03, asc: 0, ascq: 0 }));
    assert.deepEqual(
      toFixedSense18(ILLEGAL_REQUEST_WRITE_ADDR.subarray(0, 14)),
      fixed({ code: 0xf0, byte2: 0x05, info: 0x1234, asc: 0x21, ascq: 0x02 }),
    );
  });
  it('does not carry bytes that lie beyond ADDITIONAL SENSE LENGTH', () => {
    const s = fixed({ byte2: 0x05, asc: 0x24, ascq: 0x00, fru: 9, sks: [0xc0, 0, 1] });
    s[7] = 6; // the structure ends after byte 13
    assert.deepEqual(toFixedSense18(s), fixed({ byte2: 0x05, asc: 0x24, ascq: 0 }));
  });
  it('throws MalformedDataError for unusable sense', () => {
    assert.throws(() => toFixedSense18(h('')), MalformedDataError);
    assert.throws(() => toFixedSense18(h('7F 00 05')), MalformedDataError);
  });
  it('agrees with the original: same codes, deferred flag, information and HRESULT', () => {
    const opcodes = fc.constantFrom(0x2a, 0x5a, 0x55, 0xad, 0x46, 0x00);
    fc.assert(
      fc.property(
        fc.integer({ min: 0x70, max: 0x73 }),
        fc.uint8Array({ maxLength: 48 }),
        opcodes,
        (code, tail, op) => {
          const s = cat([code], tail);
          let d;
          try {
            d = decodeSense(s);
          } catch (e) {
            assert.ok(e instanceof MalformedDataError);
            assert.throws(() => toFixedSense18(s), MalformedDataError);
            assert.equal(hrFromSense(s, op), HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
            return;
          }
          const f = toFixedSense18(s);
          assert.equal(f.length, 18);
          assert.equal(f[7], 10);
          const g = decodeSense(f);
          assert.equal(g.format, 'fixed');
          assert.deepEqual(
            [g.senseKey, g.asc, g.ascq, g.deferred, g.ili, g.filemark, g.eom],
            [d.senseKey, d.asc, d.ascq, d.deferred, d.ili, d.filemark, d.eom],
          );
          const info = d.information !== undefined && d.information <= 0xffffffff;
          assert.equal(g.information, info ? d.information : undefined);
          if (d.senseKeySpecific !== undefined) {
            assert.deepEqual(g.senseKeySpecific, d.senseKeySpecific);
          }
          assert.equal(hrFromSense(f, op), hrFromSense(s, op));
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('encodeFixedSense / encodeDescriptorSense', () => {
  it('encodes fixed sense byte for byte', () => {
    assert.deepEqual(
      encodeFixedSense({ senseKey: 5, asc: 0x21, ascq: 0x02, information: 0x1234 }),
      ILLEGAL_REQUEST_WRITE_ADDR,
    );
    assert.deepEqual(
      encodeFixedSense({ senseKey: 3, asc: 0x0c, ascq: 0x09, deferred: true }),
      h('71 00 03 00000000 0A 00000000 0C 09 00 000000'),
    );
    assert.deepEqual(
      encodeFixedSense({ senseKey: 2, asc: 0x04, ascq: 0x04, progress: 0x4000 }),
      h('70 00 02 00000000 0A 00000000 04 04 00 80 4000'),
    );
  });
  it('encodes a field pointer, FRU, CSI and ILI', () => {
    assert.deepEqual(
      encodeFixedSense({
        senseKey: 5,
        asc: 0x24,
        ascq: 0,
        commandSpecificInformation: 0x0a0b0c0d,
        fieldReplaceableUnitCode: 3,
        ili: true,
        senseKeySpecific: {
          kind: 'fieldPointer',
          commandData: true,
          bitPointer: 7,
          fieldPointer: 9,
        },
      }),
      h('70 00 25 00000000 0A 0A0B0C0D 24 00 03 CF 0009'),
    );
  });
  it('encodes descriptor sense byte for byte', () => {
    assert.deepEqual(
      encodeDescriptorSense({ senseKey: 5, asc: 0x21, ascq: 0x02, information: 0x1234 }),
      DESCRIPTOR_WRITE_ADDR,
    );
    assert.deepEqual(
      encodeDescriptorSense({
        senseKey: 2,
        asc: 0x04,
        ascq: 0x07,
        deferred: true,
        commandSpecificInformation: 0xabcdef,
        progress: 0x8000,
        fieldReplaceableUnitCode: 7,
      }),
      h(
        '73 02 04 07 000000 18' +
          '01 0A 00 00 0000000000ABCDEF' +
          '02 06 00 00 80 8000 00' +
          '03 02 00 07',
      ),
    );
    assert.deepEqual(
      encodeDescriptorSense({ senseKey: 6, asc: 0x29, ascq: 0 }),
      h('72 06 29 00 000000 00'),
    );
    assert.deepEqual(
      encodeDescriptorSense({ senseKey: 3, asc: 0x11, ascq: 0, ili: true }),
      h('72 03 11 00 000000 04 05 02 00 20'),
    );
  });
  it('rejects out-of-range values and a sense key specific field of the wrong kind', () => {
    const bad: SenseOptions[] = [
      { senseKey: 16, asc: 0, ascq: 0 },
      { senseKey: 5, asc: 256, ascq: 0 },
      { senseKey: 5, asc: 0, ascq: -1 },
      { senseKey: 5, asc: 0x24, ascq: 0, progress: 10 },
      { senseKey: 2, asc: 0x04, ascq: 0x04, progress: 0x10000 },
      {
        senseKey: 2,
        asc: 4,
        ascq: 4,
        progress: 1,
        senseKeySpecific: { kind: 'raw', bytes: h('00 00 00') },
      },
      {
        senseKey: 5,
        asc: 0,
        ascq: 0,
        senseKeySpecific: {
          kind: 'fieldPointer',
          commandData: false,
          bitPointer: 8,
          fieldPointer: 0,
        },
      },
      { senseKey: 7, asc: 0x27, ascq: 0, senseKeySpecific: { kind: 'raw', bytes: h('00 00') } },
    ];
    for (const o of bad) {
      assert.throws(() => encodeFixedSense(o), DwError);
      assert.throws(() => encodeDescriptorSense(o), DwError);
    }
    assert.throws(
      () => encodeFixedSense({ senseKey: 3, asc: 0, ascq: 0, information: 2 ** 32 }),
      DwError,
    );
    assert.throws(
      () => encodeDescriptorSense({ senseKey: 3, asc: 0, ascq: 0, information: 2 ** 53 }),
      DwError,
    );
  });

  const sksFor = (key: number): fc.Arbitrary<SenseKeySpecific> => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const bit = fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined });
    switch (key) {
      case 0:
      case 2:
        return u16.map((n) => ({ kind: 'progress', progressIndication: n, fraction: n / 65536 }));
      case 5:
        return fc.tuple(fc.boolean(), bit, u16).map(([c, b, f]) => ({
          kind: 'fieldPointer',
          commandData: c,
          ...(b === undefined ? {} : { bitPointer: b }),
          fieldPointer: f,
        }));
      case 1:
      case 3:
      case 4:
        return u16.map((n) => ({ kind: 'actualRetryCount', actualRetryCount: n }));
      case 10:
        return fc.tuple(fc.boolean(), bit, u16).map(([s, b, f]) => ({
          kind: 'segmentPointer',
          segmentDescriptor: s,
          ...(b === undefined ? {} : { bitPointer: b }),
          fieldPointer: f,
        }));
      case 6:
        return fc.boolean().map((o) => ({ kind: 'unitAttentionQueueOverflow', overflow: o }));
      default:
        return fc
          .uint8Array({ minLength: 3, maxLength: 3 })
          .map((b) => ({ kind: 'raw', bytes: Uint8Array.of(b[0]! | 0x80, b[1]!, b[2]!) }));
    }
  };
  const senseOptions = (maxInfo: number) =>
    fc.integer({ min: 0, max: 15 }).chain((senseKey) =>
      fc.record(
        {
          senseKey: fc.constant(senseKey),
          asc: fc.integer({ min: 0, max: 255 }),
          ascq: fc.integer({ min: 0, max: 255 }),
          deferred: fc.boolean(),
          information: fc.integer({ min: 0, max: maxInfo }),
          commandSpecificInformation: fc.integer({ min: 0, max: maxInfo }),
          fieldReplaceableUnitCode: fc.integer({ min: 0, max: 255 }),
          senseKeySpecific: sksFor(senseKey),
          ili: fc.boolean(),
        },
        { requiredKeys: ['senseKey', 'asc', 'ascq'] },
      ),
    );

  it('round-trips fixed sense', () => {
    fc.assert(
      fc.property(senseOptions(0xffffffff), (o) => {
        const d = decodeSense(encodeFixedSense(o));
        assert.equal(d.format, 'fixed');
        assert.deepEqual(
          [d.senseKey, d.asc, d.ascq, d.deferred, d.ili],
          [o.senseKey, o.asc, o.ascq, o.deferred === true, o.ili === true],
        );
        assert.equal(d.information, o.information);
        assert.equal(d.commandSpecificInformation, o.commandSpecificInformation ?? 0);
        assert.equal(d.fieldReplaceableUnitCode, o.fieldReplaceableUnitCode ?? 0);
        assert.deepEqual(d.senseKeySpecific, o.senseKeySpecific);
      }),
    );
  });
  it('round-trips descriptor sense, 64-bit values included', () => {
    fc.assert(
      fc.property(senseOptions(Number.MAX_SAFE_INTEGER), (o) => {
        const d = decodeSense(encodeDescriptorSense(o));
        assert.equal(d.format, 'descriptor');
        assert.deepEqual(
          [d.senseKey, d.asc, d.ascq, d.deferred, d.ili],
          [o.senseKey, o.asc, o.ascq, o.deferred === true, o.ili === true],
        );
        assert.equal(d.information, o.information);
        assert.equal(d.commandSpecificInformation, o.commandSpecificInformation);
        assert.equal(d.fieldReplaceableUnitCode, o.fieldReplaceableUnitCode);
        assert.deepEqual(d.senseKeySpecific, o.senseKeySpecific);
      }),
    );
  });
});

describe('summarizeSense', () => {
  it('gives the shape errors carry, with the key name and ASC text', () => {
    assert.deepEqual(summarizeSense(decodeSense(ILLEGAL_REQUEST_WRITE_ADDR)), {
      key: 5,
      asc: 0x21,
      ascq: 0x02,
      keyName: 'ILLEGAL REQUEST',
      text: 'INVALID ADDRESS FOR WRITE',
      information: 0x1234,
      deferred: false,
    });
    assert.deepEqual(summarizeSense(decodeSense(h('73 03 0C 09 000000 00'))), {
      key: 3,
      asc: 0x0c,
      ascq: 0x09,
      keyName: 'MEDIUM ERROR',
      text: 'WRITE ERROR - LOSS OF STREAMING',
      deferred: true,
    });
  });
});

describe('hrFromSense', () => {
  it('maps fixed and descriptor sense the same way', () => {
    assert.equal(hrFromSense(ILLEGAL_REQUEST_WRITE_ADDR, 0x2a), HR.ERROR_INVALID_ADDRESS);
    assert.equal(hrFromSense(DESCRIPTOR_WRITE_ADDR, 0x2a), HR.ERROR_INVALID_ADDRESS);
  });
  it('gives E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE for unusable sense', () => {
    for (const s of [h(''), h('7F 00 05 00'), h('00 00 02 00'), h('70 00')]) {
      assert.equal(hrFromSense(s, 0x2a), HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    }
  });
  it('never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 255 }), (s, op) => {
        assert.equal(typeof hrFromSense(s, op), 'number');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('ASC/ASCQ texts', () => {
  it('names the codes an optical drive reports', () => {
    const expected: [number, number, string][] = [
      [0x00, 0x00, 'NO ADDITIONAL SENSE INFORMATION'],
      [0x04, 0x00, 'LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE'],
      [0x04, 0x01, 'LOGICAL UNIT IS IN PROCESS OF BECOMING READY'],
      [0x04, 0x04, 'LOGICAL UNIT NOT READY, FORMAT IN PROGRESS'],
      [0x04, 0x07, 'LOGICAL UNIT NOT READY, OPERATION IN PROGRESS'],
      [0x04, 0x08, 'LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS'],
      [0x0c, 0x00, 'WRITE ERROR'],
      [0x0c, 0x09, 'WRITE ERROR - LOSS OF STREAMING'],
      [0x0c, 0x0a, 'WRITE ERROR - PADDING BLOCKS ADDED'],
      [0x11, 0x00, 'UNRECOVERED READ ERROR'],
      [0x11, 0x06, 'CIRC UNRECOVERED ERROR'],
      [0x20, 0x00, 'INVALID COMMAND OPERATION CODE'],
      [0x21, 0x00, 'LOGICAL BLOCK ADDRESS OUT OF RANGE'],
      [0x21, 0x01, 'INVALID ELEMENT ADDRESS'],
      [0x21, 0x02, 'INVALID ADDRESS FOR WRITE'],
      [0x24, 0x00, 'INVALID FIELD IN CDB'],
      [0x26, 0x00, 'INVALID FIELD IN PARAMETER LIST'],
      [0x27, 0x00, 'WRITE PROTECTED'],
      [0x28, 0x00, 'NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED'],
      [0x29, 0x00, 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED'],
      [0x2a, 0x01, 'MODE PARAMETERS CHANGED'],
      [0x2c, 0x00, 'COMMAND SEQUENCE ERROR'],
      [0x30, 0x00, 'INCOMPATIBLE MEDIUM INSTALLED'],
      [0x30, 0x05, 'CANNOT WRITE MEDIUM - INCOMPATIBLE FORMAT'],
      [0x30, 0x11, 'INCOMPATIBLE VOLUME TYPE'],
      [0x3a, 0x00, 'MEDIUM NOT PRESENT'],
      [0x3a, 0x01, 'MEDIUM NOT PRESENT - TRAY CLOSED'],
      [0x3a, 0x02, 'MEDIUM NOT PRESENT - TRAY OPEN'],
      [0x3f, 0x0e, 'REPORTED LUNS DATA HAS CHANGED'],
      [0x53, 0x02, 'MEDIUM REMOVAL PREVENTED'],
      [0x5d, 0x01, 'MEDIA FAILURE PREDICTION THRESHOLD EXCEEDED'],
      [0x63, 0x00, 'END OF USER AREA ENCOUNTERED ON THIS TRACK'],
      [0x63, 0x01, 'PACKET DOES NOT FIT IN AVAILABLE SPACE'],
      [0x64, 0x00, 'ILLEGAL MODE FOR THIS TRACK'],
      [0x64, 0x01, 'INVALID PACKET SIZE'],
      [0x6f, 0x03, 'READ OF SCRAMBLED SECTOR WITHOUT AUTHENTICATION'],
      [0x72, 0x03, 'SESSION FIXATION ERROR - INCOMPLETE TRACK IN SESSION'],
      [0x72, 0x05, 'NO MORE TRACK RESERVATIONS ALLOWED'],
      [0x73, 0x02, 'POWER CALIBRATION AREA IS FULL'],
      [0x73, 0x03, 'POWER CALIBRATION AREA ERROR'],
      [0x73, 0x05, 'PROGRAM MEMORY AREA IS FULL'],
    ];
    for (const [asc, ascq, text] of expected) assert.equal(ascText(asc, ascq), text);
  });
  it('covers every code of the families MMC-6 defines for recorders', () => {
    const ranges: [number, number, number][] = [
      [0x04, 0x00, 0x0c],
      [0x3a, 0x00, 0x04],
      [0x0c, 0x00, 0x0f],
      [0x11, 0x00, 0x11],
      [0x29, 0x00, 0x07],
      [0x2a, 0x00, 0x09],
      [0x2c, 0x00, 0x0c],
      [0x3f, 0x00, 0x16],
      [0x5d, 0x00, 0x03],
      [0x6f, 0x00, 0x0a],
      [0x72, 0x00, 0x07],
      [0x73, 0x00, 0x06],
      [0x27, 0x00, 0x07],
      [0x26, 0x00, 0x13],
      [0x28, 0x00, 0x01],
      [0x21, 0x00, 0x02],
    ];
    const pairs: [number, number][] = [];
    for (const [asc, lo, hi] of ranges) for (let q = lo; q <= hi; q++) pairs.push([asc, q]);
    // 30h skips 0Bh, 0Eh and 0Fh (tape-only or unassigned)
    for (const q of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0a, 0x0c, 0x0d, 0x10, 0x11])
      pairs.push([0x30, q]);
    pairs.push([0x73, 0x10], [0x73, 0x11], [0x73, 0x17], [0x24, 0x00], [0x63, 0x00], [0x63, 0x01]);
    pairs.push([0x64, 0x00], [0x64, 0x01], [0x5d, 0xff], [0x57, 0x00], [0x5e, 0x00]);
    for (const [asc, ascq] of pairs) {
      assert.ok(
        standardAscText(asc, ascq) !== undefined,
        `missing ${asc.toString(16)}/${ascq.toString(16)}`,
      );
    }
  });
  it('expands the patterned families', () => {
    assert.equal(ascText(0x40, 0x81), 'DIAGNOSTIC FAILURE ON COMPONENT 0x81');
    assert.equal(ascText(0x4d, 0x12), 'TAGGED OVERLAPPED COMMANDS (TASK TAG 0x12)');
    assert.equal(ascText(0x70, 0x05), 'DECOMPRESSION EXCEPTION SHORT ALGORITHM ID OF 0x05');
    assert.equal(ascText(0x5d, 0x12), 'HARDWARE IMPENDING FAILURE DATA ERROR RATE TOO HIGH');
    assert.equal(ascText(0x5d, 0x6c), 'FIRMWARE IMPENDING FAILURE DRIVE CALIBRATION RETRY COUNT');
    assert.equal(ascText(0x5d, 0x1d), 'HARDWARE IMPENDING FAILURE POWER LOSS PROTECTION CIRCUIT');
  });
  it('names vendor-specific ranges and falls back to the codes for unknown pairs', () => {
    assert.equal(ascText(0x80, 0x01), 'VENDOR SPECIFIC ASC 0x80 ASCQ 0x01');
    assert.equal(ascText(0xff, 0xff), 'VENDOR SPECIFIC ASC 0xFF ASCQ 0xFF');
    assert.equal(ascText(0x04, 0x85), 'VENDOR SPECIFIC ASC 0x04 ASCQ 0x85');
    assert.equal(ascText(0x5b, 0x10), 'ASC 0x5B ASCQ 0x10');
    assert.equal(ascText(0x0f, 0x00), 'ASC 0x0F ASCQ 0x00');
    assert.equal(ascText(0x5d, 0x2d), 'ASC 0x5D ASCQ 0x2D');
    assert.equal(ascText(0x40, 0x01), 'ASC 0x40 ASCQ 0x01');
  });
  it('has one upper-case text per pair', () => {
    const seen = new Set<number>();
    for (const [asc, ascq, text] of ASC_TABLE) {
      assert.ok(asc >= 0 && asc <= 0x7f && ascq >= 0 && ascq <= 0xff, `${asc}/${ascq}`);
      const k = (asc << 8) | ascq;
      assert.ok(!seen.has(k), `duplicate ${asc.toString(16)}/${ascq.toString(16)}`);
      seen.add(k);
      assert.equal(text, text.toUpperCase());
      assert.ok(text.length > 0);
    }
  });
});
