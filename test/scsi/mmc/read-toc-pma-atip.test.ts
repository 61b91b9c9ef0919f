import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LEAD_OUT_TRACK_NUMBER,
  MAX_FORMATTED_TOC_LENGTH,
  TocControl,
  TocFormat,
  TocPoint,
  decodeFormattedToc,
  decodeMultiSessionInformation,
  decodeRawToc,
  decodeReadTocPmaAtipCdb,
  decodeReadTocPmaAtipData,
  encodeFormattedToc,
  encodeMultiSessionInformation,
  encodeRawToc,
  encodeReadTocPmaAtipCdb,
  encodeReadTocPmaAtipData,
  readTocPmaAtip,
  readTocPmaAtipDataLength,
  type FormattedToc,
  type MultiSessionInformation,
  type RawToc,
  type TocTrackDescriptor,
} from '../../../src/scsi/mmc/read-toc-pma-atip.js';
import { MSF_LBA_MAX, MSF_LBA_MIN, msfToLba } from '../../../src/scsi/mmc/msf.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, int32 } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

// A CD with a data track 1 at LBA 0, an audio track 2 at LBA 20000 and the lead-out at 100000.
const TWO_TRACK_TOC_LBA = cat(
  h('00 1A 01 02'), // TOC Data Length 26: 2 + 3 × 8; tracks 1..2
  h('00 14 01 00'), // ADR 1, CONTROL 4 (data); track 1
  be(0, 4),
  h('00 10 02 00'), // ADR 1, CONTROL 0 (audio); track 2
  be(20000, 4),
  h('00 14 AA 00'), // lead-out
  be(100000, 4),
);
// The same TOC with MSF addresses: 00:02:00, 04:28:50, 22:15:25.
const TWO_TRACK_TOC_MSF = cat(
  h('00 1A 01 02'),
  h('00 14 01 00 00 00 02 00'),
  h('00 10 02 00 00 04 1C 32'),
  h('00 14 AA 00 00 16 0F 19'),
);
const twoTrackToc: FormattedToc = {
  format: TocFormat.FORMATTED_TOC,
  firstTrackNumber: 1,
  lastTrackNumber: 2,
  descriptors: [
    { adr: 1, control: TocControl.DATA_TRACK, trackNumber: 1, trackStartAddress: 0 },
    { adr: 1, control: 0, trackNumber: 2, trackStartAddress: 20000 },
    { adr: 1, control: TocControl.DATA_TRACK, trackNumber: 0xaa, trackStartAddress: 100000 },
  ],
};

// tgt's formatted TOC of a DVD+R whose lead-out sits at LBA 0x400: the TOC Data Length says 18
// (two descriptors) but only 18 bytes arrive, so the lead-out's last two address bytes are lost.
const TGT_TOC_TWO_BYTES_SHORT = h('00 12 01 01  00 14 01 00 00 00 00 00  00 14 AA 00 00 00');
// tgt's multi-session information, also 2 bytes short: no whole descriptor.
const TGT_MULTI_SESSION_TWO_BYTES_SHORT = h('00 0A 01 01  00 14 01 00 00 00');

// Two sessions; the last complete one starts with track 2 at LBA 17750.
const MULTI_SESSION = h('00 0A 01 02  00 14 02 00 00 00 45 56');

describe('READ TOC/PMA/ATIP CDB', () => {
  it('defaults to the formatted TOC from track 0, LBA form, allocation FFFEh', () => {
    assert.deepEqual(encodeReadTocPmaAtipCdb(), h('43 00 00 000000 00 FFFE 00'));
  });
  it('puts MSF at byte 1 bit 1, Format in byte 2 and Track/Session Number in byte 6', () => {
    assert.deepEqual(
      encodeReadTocPmaAtipCdb({
        msf: true,
        trackSessionNumber: 1,
        allocationLength: MAX_FORMATTED_TOC_LENGTH,
      }),
      h('43 02 00 000000 01 0324 00'),
    );
    assert.deepEqual(
      encodeReadTocPmaAtipCdb({
        format: TocFormat.RAW_TOC,
        trackSessionNumber: 1,
        allocationLength: 12,
      }),
      h('43 00 02 000000 01 000C 00'),
    );
    assert.deepEqual(
      encodeReadTocPmaAtipCdb({
        format: TocFormat.MULTI_SESSION_INFORMATION,
        allocationLength: 12,
      }),
      h('43 00 01 000000 00 000C 00'),
    );
  });
  it('format table and constants', () => {
    assert.deepEqual(
      { ...TocFormat },
      { FORMATTED_TOC: 0, MULTI_SESSION_INFORMATION: 1, RAW_TOC: 2, PMA: 3, ATIP: 4, CD_TEXT: 5 },
    );
    assert.equal(LEAD_OUT_TRACK_NUMBER, 0xaa);
    assert.equal(MAX_FORMATTED_TOC_LENGTH, 804);
    assert.deepEqual(
      { ...TocPoint },
      {
        FIRST_TRACK: 0xa0,
        LAST_TRACK: 0xa1,
        LEAD_OUT: 0xa2,
        NEXT_PROGRAM_AREA: 0xb0,
        FIRST_LEAD_IN: 0xc0,
      },
    );
  });
  it('rejects a format over 15 and a track number over 255', () => {
    assert.throws(() => encodeReadTocPmaAtipCdb({ format: 16 }), isInvalidArg);
    assert.throws(() => encodeReadTocPmaAtipCdb({ trackSessionNumber: 256 }), isInvalidArg);
  });
  it('request factory: data-in with the CDB allocation length', () => {
    const c = readTocPmaAtip({ format: TocFormat.MULTI_SESSION_INFORMATION, allocationLength: 12 });
    assert.equal(c.name, 'READ TOC/PMA/ATIP');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 12);
    assert.deepEqual(c.cdb, h('43 00 01 000000 00 000C 00'));
    assert.equal(readTocPmaAtip().allocationLength, 0xfffe);
  });
  it('CDB round-trips, rejects other opcodes and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          msf: fc.boolean(),
          format: fc.integer({ min: 0, max: 15 }),
          trackSessionNumber: fc.integer({ min: 0, max: 255 }),
          allocationLength: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) => assert.deepEqual(decodeReadTocPmaAtipCdb(encodeReadTocPmaAtipCdb(x)), { ...x }),
      ),
    );
    assert.throws(
      () => decodeReadTocPmaAtipCdb(h('42 00 00 000000 00 000C 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeReadTocPmaAtipCdb, [h('43 02 00 000000 01 0324 00')]);
  });
});

describe('formatted TOC (format 0000b)', () => {
  it('decodes LBA addresses', () => {
    assert.deepEqual(decodeFormattedToc(TWO_TRACK_TOC_LBA), twoTrackToc);
  });
  it('decodes MSF addresses to the same LBAs', () => {
    assert.deepEqual(decodeFormattedToc(TWO_TRACK_TOC_MSF, { msf: true }), twoTrackToc);
  });
  it('encodes both forms to the hand-built bytes', () => {
    assert.deepEqual(encodeFormattedToc(twoTrackToc), TWO_TRACK_TOC_LBA);
    assert.deepEqual(encodeFormattedToc(twoTrackToc, { msf: true }), TWO_TRACK_TOC_MSF);
  });
  it('splits ADR (bits 7..4) from CONTROL (bits 3..0)', () => {
    const x = Uint8Array.from(TWO_TRACK_TOC_LBA);
    x[5] = 0x5b;
    const d = decodeFormattedToc(x).descriptors[0]!;
    assert.equal(d.adr, 5);
    assert.equal(d.control, 0xb);
  });
  it("tgt's reply 2 bytes short of its length field: keeps track 1, drops the broken lead-out", () => {
    const toc = decodeFormattedToc(TGT_TOC_TWO_BYTES_SHORT);
    assert.equal(toc.firstTrackNumber, 1);
    assert.equal(toc.lastTrackNumber, 1);
    assert.deepEqual(toc.descriptors, [
      { adr: 1, control: 4, trackNumber: 1, trackStartAddress: 0 },
    ]);
  });
  it('a reply cut by the allocation length keeps the whole descriptors', () => {
    assert.equal(decodeFormattedToc(TWO_TRACK_TOC_LBA.subarray(0, 27)).descriptors.length, 2);
    assert.equal(decodeFormattedToc(TWO_TRACK_TOC_LBA.subarray(0, 4)).descriptors.length, 0);
  });
  it('ignores padding past the TOC Data Length', () => {
    const padded = cat(TWO_TRACK_TOC_LBA, h('00 14 03 00 00 00 00 99'));
    assert.deepEqual(decodeFormattedToc(padded), twoTrackToc);
  });
  it('rejects a header shorter than 4 bytes and a length field under 2', () => {
    assert.throws(() => decodeFormattedToc(h('00 1A 01')), MalformedDataError);
    assert.throws(() => decodeFormattedToc(h('00 01 01 02')), MalformedDataError);
  });
  it('reports the full length so the caller can re-read', () => {
    assert.equal(readTocPmaAtipDataLength(TWO_TRACK_TOC_LBA), 28);
    assert.equal(readTocPmaAtipDataLength(TGT_TOC_TWO_BYTES_SHORT), 20);
    assert.throws(() => readTocPmaAtipDataLength(h('00')), MalformedDataError);
  });
  it('encoder rejects an LBA MSF cannot express, and a too long TOC', () => {
    const far: FormattedToc = {
      ...twoTrackToc,
      descriptors: [{ adr: 1, control: 4, trackNumber: 1, trackStartAddress: MSF_LBA_MAX + 1 }],
    };
    assert.throws(() => encodeFormattedToc(far, { msf: true }), isInvalidArg);
    assert.doesNotThrow(() => encodeFormattedToc(far));
    const d: TocTrackDescriptor = { adr: 1, control: 4, trackNumber: 1, trackStartAddress: 0 };
    const huge: FormattedToc = {
      ...twoTrackToc,
      descriptors: new Array<TocTrackDescriptor>(8192).fill(d),
    };
    assert.throws(() => encodeFormattedToc(huge), isInvalidArg);
    const badAdr: FormattedToc = { ...twoTrackToc, descriptors: [{ ...d, adr: 16 }] };
    assert.throws(() => encodeFormattedToc(badAdr), isInvalidArg);
  });
});

describe('multi-session information (format 0001b)', () => {
  it('decodes the first track of the last complete session', () => {
    const info: MultiSessionInformation = {
      format: TocFormat.MULTI_SESSION_INFORMATION,
      firstCompleteSessionNumber: 1,
      lastCompleteSessionNumber: 2,
      descriptors: [{ adr: 1, control: 4, trackNumber: 2, trackStartAddress: 17750 }],
    };
    assert.deepEqual(decodeMultiSessionInformation(MULTI_SESSION), info);
    assert.deepEqual(encodeMultiSessionInformation(info), MULTI_SESSION);
  });
  it('decodes the MSF form', () => {
    // 17750 + 150 = 17900 frames = 03:58:50
    const msf = h('00 0A 01 02  00 14 02 00 00 03 3A 32');
    assert.equal(
      decodeMultiSessionInformation(msf, { msf: true }).descriptors[0]!.trackStartAddress,
      17750,
    );
  });
  it("tgt's reply 2 bytes short: header kept, incomplete descriptor dropped", () => {
    assert.deepEqual(decodeMultiSessionInformation(TGT_MULTI_SESSION_TWO_BYTES_SHORT), {
      format: TocFormat.MULTI_SESSION_INFORMATION,
      firstCompleteSessionNumber: 1,
      lastCompleteSessionNumber: 1,
      descriptors: [],
    });
  });
});

describe('raw TOC (format 0010b)', () => {
  const entries = [
    h('01 14 00 A0 00 00 00 00 01 00 00'), // A0: first track 1, disc type 00h
    h('01 14 00 A1 00 00 00 00 01 00 00'), // A1: last track 1
    h('01 14 00 A2 00 00 00 00 16 0F 19'), // A2: lead-out at 22:15:25
    h('01 14 00 01 00 00 00 00 00 02 00'), // track 1 at 00:02:00
    h('01 54 00 B0 18 0F 19 02 4F 3B 4A'), // B0 (ADR 5): next area 24:15:25, max lead-out 79:59:74
  ];
  // Raw TOC of a single-session CD-R with one data track (values in binary, not BCD).
  const bytes = cat(h('00 39 01 01'), ...entries); // TOC Data Length 57 = 2 + 5 × 11
  it('a header-only reply has no descriptors', () => {
    assert.equal(bytes.length, 4 + 55);
    assert.deepEqual(decodeRawToc(h('00 02 01 01')).descriptors, []);
  });
  it('decodes every Q entry', () => {
    const toc = decodeRawToc(bytes);
    assert.equal(toc.firstCompleteSessionNumber, 1);
    assert.equal(toc.lastCompleteSessionNumber, 1);
    assert.equal(toc.descriptors.length, 5);
    assert.deepEqual(toc.descriptors[2], {
      sessionNumber: 1,
      adr: 1,
      control: 4,
      tno: 0,
      point: TocPoint.LEAD_OUT,
      min: 0,
      sec: 0,
      frame: 0,
      zero: 0,
      pmin: 0x16,
      psec: 0x0f,
      pframe: 0x19,
    });
    const leadOut = toc.descriptors[2];
    assert.equal(msfToLba({ m: leadOut.pmin, s: leadOut.psec, f: leadOut.pframe }), 100000);
    const b0 = toc.descriptors[4]!;
    assert.deepEqual(
      [b0.adr, b0.point, b0.min, b0.sec, b0.frame, b0.zero],
      [5, 0xb0, 0x18, 0x0f, 0x19, 2],
    );
    assert.deepEqual([b0.pmin, b0.psec, b0.pframe], [79, 59, 74]);
    assert.deepEqual(encodeRawToc(toc), bytes);
  });
  it('drops an incomplete last entry', () => {
    assert.equal(decodeRawToc(bytes.subarray(0, 4 + 22 + 5)).descriptors.length, 2);
  });
  it('round-trips', () => {
    const raw = fc.record({
      sessionNumber: fc.integer({ min: 0, max: 255 }),
      adr: fc.integer({ min: 0, max: 15 }),
      control: fc.integer({ min: 0, max: 15 }),
      tno: fc.integer({ min: 0, max: 255 }),
      point: fc.integer({ min: 0, max: 255 }),
      min: fc.integer({ min: 0, max: 255 }),
      sec: fc.integer({ min: 0, max: 255 }),
      frame: fc.integer({ min: 0, max: 255 }),
      zero: fc.integer({ min: 0, max: 255 }),
      pmin: fc.integer({ min: 0, max: 255 }),
      psec: fc.integer({ min: 0, max: 255 }),
      pframe: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(raw, { maxLength: 20 }),
        (first, last, ds) => {
          const toc: RawToc = {
            format: TocFormat.RAW_TOC,
            firstCompleteSessionNumber: first,
            lastCompleteSessionNumber: last,
            descriptors: ds.map((d) => ({ ...d })),
          };
          assert.deepEqual(decodeRawToc(encodeRawToc(toc)), toc);
        },
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeRawToc, [bytes]);
  });
});

describe('decodeReadTocPmaAtipData / encodeReadTocPmaAtipData', () => {
  it('dispatches on the format the CDB asked for', () => {
    assert.deepEqual(
      decodeReadTocPmaAtipData(TWO_TRACK_TOC_MSF, { format: 0, msf: true }),
      twoTrackToc,
    );
    assert.equal(decodeReadTocPmaAtipData(MULTI_SESSION, { format: 1 }).format, 1);
    assert.equal(decodeReadTocPmaAtipData(h('00 02 01 01'), { format: 2 }).format, 2);
    assert.deepEqual(encodeReadTocPmaAtipData(twoTrackToc, { msf: true }), TWO_TRACK_TOC_MSF);
  });
  it('formats it does not decode are an argument error, not malformed data', () => {
    assert.throws(
      () => decodeReadTocPmaAtipData(TWO_TRACK_TOC_LBA, { format: TocFormat.ATIP }),
      isInvalidArg,
    );
  });

  const descriptor = (address: fc.Arbitrary<number>) =>
    fc.record({
      adr: fc.integer({ min: 0, max: 15 }),
      control: fc.integer({ min: 0, max: 15 }),
      trackNumber: fc.integer({ min: 0, max: 255 }),
      trackStartAddress: address,
    });
  const toc = (address: fc.Arbitrary<number>) =>
    fc
      .tuple(
        fc.constantFrom(TocFormat.FORMATTED_TOC, TocFormat.MULTI_SESSION_INFORMATION),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(descriptor(address), { maxLength: 20 }),
      )
      .map(([format, a, b, ds]) => {
        const descriptors = ds.map((d) => ({ ...d }));
        return format === TocFormat.FORMATTED_TOC
          ? { format, firstTrackNumber: a, lastTrackNumber: b, descriptors }
          : { format, firstCompleteSessionNumber: a, lastCompleteSessionNumber: b, descriptors };
      });

  it('formats 0 and 1 round-trip with LBA addresses', () => {
    fc.assert(
      fc.property(toc(int32()), (t) =>
        assert.deepEqual(
          decodeReadTocPmaAtipData(encodeReadTocPmaAtipData(t), { format: t.format }),
          t,
        ),
      ),
    );
  });
  it('formats 0 and 1 round-trip with MSF addresses', () => {
    fc.assert(
      fc.property(toc(fc.integer({ min: MSF_LBA_MIN, max: MSF_LBA_MAX })), (t) => {
        const bytes = encodeReadTocPmaAtipData(t, { msf: true });
        assert.deepEqual(decodeReadTocPmaAtipData(bytes, { format: t.format, msf: true }), t);
      }),
    );
  });
  it('decoders are robust to random, truncated and corrupted replies', () => {
    const samples = [TWO_TRACK_TOC_LBA, TWO_TRACK_TOC_MSF, TGT_TOC_TWO_BYTES_SHORT, MULTI_SESSION];
    for (const msf of [false, true]) {
      assertDecoderRobust((b) => decodeFormattedToc(b, { msf }), samples, 1000);
      assertDecoderRobust((b) => decodeMultiSessionInformation(b, { msf }), samples, 1000);
    }
  });
});
