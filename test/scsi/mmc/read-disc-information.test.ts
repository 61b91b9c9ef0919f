import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BgFormatStatus,
  DiscInformationDataType,
  DiscStatus,
  DiscType,
  LastSessionState,
  MAX_STANDARD_DISC_INFORMATION_LENGTH,
  decodeReadDiscInformationCdb,
  decodeReadDiscInformationData,
  encodeReadDiscInformationCdb,
  encodeReadDiscInformationData,
  readDiscInformation,
  readDiscInformationDataLength,
  type DiscInformation,
} from '../../../src/scsi/mmc/read-disc-information.js';
import { MSF_LBA_MAX, MSF_LBA_MIN } from '../../../src/scsi/mmc/msf.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, int32, zeros } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

// Blank 80-minute CD-R, as a drive reports it (addresses in MSF on CD).
const BLANK_CD_R = cat(
  h('00 20'), // Disc Information Length: 32
  h('00'), // not erasable, last session empty, disc empty
  h('01 01 01 01'), // first track 1, 1 session, first/last track in last session 1
  h('20'), // URU
  h('00'), // Disc Type: CD-DA or CD-ROM
  h('00 00 00'), // MSBs
  h('00000000'), // Disc Identification
  h('00 61 1A 42'), // lead-in 97:26:66
  h('00 4F 3B 4A'), // last possible lead-out 79:59:74
  zeros(8), // Disc Bar Code
  h('00 00'), // Disc Application Code, Number of OPC Tables
);

// DVD+R with one closed session: appendable, an empty second session open (addresses in LBA).
const APPENDABLE_DVD_PLUS_R = cat(
  h('00 20'),
  h('01'), // last session empty, disc incomplete
  h('01 02 02 02'), // first track 1, 2 sessions, track 2 in the last session
  h('00'),
  h('00'),
  h('00 00 00'),
  h('00000000'),
  be(0x00010700, 4), // lead-in of the open session
  be(0x00230540, 4), // last possible lead-out: 2,295,104 blocks
  zeros(8),
  h('00 00'),
);

// tgt's blank DVD+R (notes/tgt-mmc.md 1.3), padded to a 48-byte allocation with junk.
const TGT_BLANK_DVD_PLUS_R = cat(
  h('00 20 00 01 01 01 01 10 00 00 00 00'),
  zeros(4),
  zeros(4),
  h('00 23 05 40'),
  zeros(8),
  h('00 00'),
  h('DE AD BE EF 55 AA 55 AA 01 02 03 04 05 06'),
);

const blankCdRInfo: DiscInformation = {
  erasable: false,
  stateOfLastSession: LastSessionState.EMPTY,
  discStatus: DiscStatus.EMPTY,
  numberOfFirstTrackOnDisc: 1,
  numberOfSessions: 1,
  firstTrackNumberInLastSession: 1,
  lastTrackNumberInLastSession: 1,
  didV: false,
  dbcV: false,
  uru: true,
  dacV: false,
  dbit: false,
  bgFormatStatus: BgFormatStatus.NONE,
  discType: DiscType.CD_DA_OR_CD_ROM,
  discIdentification: 0,
  lastSessionLeadInStartAddress: -11634,
  lastPossibleLeadOutStartAddress: 359849,
  discBarCode: new Uint8Array(8),
  discApplicationCode: 0,
  numberOfOpcTables: 0,
  opcTableEntries: [],
};

describe('READ DISC INFORMATION CDB', () => {
  it('asks for standard disc information with the longest block by default', () => {
    assert.equal(MAX_STANDARD_DISC_INFORMATION_LENGTH, 34 + 255 * 8);
    assert.deepEqual(encodeReadDiscInformationCdb(), h('51 00 0000000000 081A 00'));
  });
  it('puts Data Type in byte 1 bits 2..0 and the allocation length in bytes 7..8', () => {
    assert.deepEqual(
      encodeReadDiscInformationCdb({
        dataType: DiscInformationDataType.TRACK_RESOURCES,
        allocationLength: 34,
      }),
      h('51 01 0000000000 0022 00'),
    );
    assert.equal(encodeReadDiscInformationCdb({ dataType: 7 })[1], 0x07);
  });
  it('data type table', () => {
    assert.deepEqual(
      { ...DiscInformationDataType },
      { STANDARD: 0, TRACK_RESOURCES: 1, POW_RESOURCES: 2 },
    );
  });
  it('rejects a data type over 7 and an allocation length over 65535', () => {
    assert.throws(() => encodeReadDiscInformationCdb({ dataType: 8 }), isInvalidArg);
    assert.throws(() => encodeReadDiscInformationCdb({ allocationLength: 65536 }), isInvalidArg);
  });
  it('request factory: data-in with the CDB allocation length', () => {
    const c = readDiscInformation({ allocationLength: 34 });
    assert.equal(c.name, 'READ DISC INFORMATION');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 34);
    assert.deepEqual(c.cdb, h('51 00 0000000000 0022 00'));
    assert.equal(readDiscInformation().allocationLength, MAX_STANDARD_DISC_INFORMATION_LENGTH);
  });
  it('CDB round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          dataType: fc.integer({ min: 0, max: 7 }),
          allocationLength: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) =>
          assert.deepEqual(decodeReadDiscInformationCdb(encodeReadDiscInformationCdb(x)), { ...x }),
      ),
    );
  });
  it('CDB decoder rejects other opcodes and short CDBs, and is robust', () => {
    assert.throws(
      () => decodeReadDiscInformationCdb(h('52 00 0000000000 0022 00')),
      MalformedDataError,
    );
    assert.throws(
      () => decodeReadDiscInformationCdb(h('51 00 0000000000 0022')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeReadDiscInformationCdb, [h('51 00 0000000000 0022 00')]);
  });
});

describe('READ DISC INFORMATION data', () => {
  it('decodes a blank CD-R with MSF addresses: lead-in 97:26:66 = -11634', () => {
    assert.deepEqual(decodeReadDiscInformationData(BLANK_CD_R, { msf: true }), blankCdRInfo);
  });

  it('encodes the blank CD-R back to the same bytes', () => {
    assert.deepEqual(encodeReadDiscInformationData(blankCdRInfo, { msf: true }), BLANK_CD_R);
  });

  it('the same bytes read as LBA give a different (wrong for CD) address: the caller must say', () => {
    const info = decodeReadDiscInformationData(BLANK_CD_R);
    assert.equal(info.lastSessionLeadInStartAddress, 0x00611a42);
    assert.equal(info.lastPossibleLeadOutStartAddress, 0x004f3b4a);
  });

  it('decodes an appendable DVD+R with one closed session', () => {
    const info = decodeReadDiscInformationData(APPENDABLE_DVD_PLUS_R);
    assert.equal(info.discStatus, DiscStatus.INCOMPLETE);
    assert.equal(info.stateOfLastSession, LastSessionState.EMPTY);
    assert.equal(info.erasable, false);
    assert.equal(info.numberOfFirstTrackOnDisc, 1);
    assert.equal(info.numberOfSessions, 2);
    assert.equal(info.firstTrackNumberInLastSession, 2);
    assert.equal(info.lastTrackNumberInLastSession, 2);
    assert.equal(info.lastSessionLeadInStartAddress, 0x10700);
    assert.equal(info.lastPossibleLeadOutStartAddress, 2_295_104);
    assert.deepEqual(encodeReadDiscInformationData(info), APPENDABLE_DVD_PLUS_R);
  });

  it("decodes tgt's blank DVD+R and ignores the padding past the length field", () => {
    const info = decodeReadDiscInformationData(TGT_BLANK_DVD_PLUS_R);
    assert.equal(info.discStatus, DiscStatus.EMPTY);
    assert.equal(info.dacV, true);
    assert.equal(info.uru, false);
    assert.equal(info.lastSessionLeadInStartAddress, 0);
    assert.equal(info.lastPossibleLeadOutStartAddress, 0x230540);
    assert.equal(info.numberOfOpcTables, 0);
    assert.deepEqual(info.opcTableEntries, []);
    assert.deepEqual(encodeReadDiscInformationData(info), TGT_BLANK_DVD_PLUS_R.subarray(0, 34));
  });

  it('decodes a finalized CD: complete session, complete disc, FFFFFFFFh addresses are null', () => {
    const bytes = cat(
      h('00 20 0E 01 01 01 01 20 00 00 00 00'),
      zeros(4),
      h('FFFFFFFF FFFFFFFF'),
      zeros(10),
    );
    for (const msf of [false, true]) {
      const info = decodeReadDiscInformationData(bytes, { msf });
      assert.equal(info.discStatus, DiscStatus.COMPLETE);
      assert.equal(info.stateOfLastSession, LastSessionState.COMPLETE);
      assert.equal(info.lastSessionLeadInStartAddress, null);
      assert.equal(info.lastPossibleLeadOutStartAddress, null);
      assert.deepEqual(encodeReadDiscInformationData(info, { msf }), bytes);
    }
  });

  it('in MSF form FF:FF:FF is "not applicable" whatever the reserved byte holds', () => {
    const bytes = cat(
      h('00 20 0E 01 01 01 01 00 00 00 00 00'),
      zeros(4),
      h('00FFFFFF 00FFFFFF'),
      zeros(10),
    );
    const info = decodeReadDiscInformationData(bytes, { msf: true });
    assert.equal(info.lastSessionLeadInStartAddress, null);
    assert.equal(info.lastPossibleLeadOutStartAddress, null);
  });

  it('decodes each bit of bytes 2 and 7 at its place', () => {
    const base = Uint8Array.from(APPENDABLE_DVD_PLUS_R);
    const at = (b2: number, b7: number) => {
      const x = Uint8Array.from(base);
      x[2] = b2;
      x[7] = b7;
      return decodeReadDiscInformationData(x);
    };
    assert.equal(at(0x10, 0).erasable, true);
    assert.equal(at(0x04, 0).stateOfLastSession, LastSessionState.INCOMPLETE);
    assert.equal(at(0x08, 0).stateOfLastSession, LastSessionState.DAMAGED);
    assert.equal(at(0x03, 0).discStatus, DiscStatus.OTHERS);
    assert.equal(at(0, 0x80).didV, true);
    assert.equal(at(0, 0x40).dbcV, true);
    assert.equal(at(0, 0x20).uru, true);
    assert.equal(at(0, 0x10).dacV, true);
    assert.equal(at(0, 0x04).dbit, true);
    assert.equal(at(0, 0x08).dbit, false); // bit 3 is reserved
    assert.equal(at(0, 0x01).bgFormatStatus, BgFormatStatus.INCOMPLETE);
    assert.equal(at(0, 0x02).bgFormatStatus, BgFormatStatus.IN_PROGRESS);
    assert.equal(at(0, 0x03).bgFormatStatus, BgFormatStatus.COMPLETE);
    const none = at(0, 0);
    assert.deepEqual(
      [none.erasable, none.didV, none.dbcV, none.uru, none.dacV, none.dbit],
      [false, false, false, false, false, false],
    );
  });

  it('joins the LSB and MSB halves of the session and track counts', () => {
    const x = Uint8Array.from(APPENDABLE_DVD_PLUS_R);
    x.set([0x02, 0x03, 0x04], 4); // LSBs
    x.set([0x01, 0x01, 0x01], 9); // MSBs
    const info = decodeReadDiscInformationData(x);
    assert.equal(info.numberOfSessions, 0x0102);
    assert.equal(info.firstTrackNumberInLastSession, 0x0103);
    assert.equal(info.lastTrackNumberInLastSession, 0x0104);
  });

  it('decodes disc identification, bar code, application code and disc type', () => {
    const bytes = cat(
      h('00 20 00 01 01 01 01 D0 20 00 00 00'), // DID_V, DBC_V, DAC_V; CD-ROM XA
      h('12345678'),
      zeros(8),
      h('0102030405060708'),
      h('2A 00'),
    );
    const info = decodeReadDiscInformationData(bytes);
    assert.equal(info.discType, DiscType.CD_ROM_XA);
    assert.equal(info.discIdentification, 0x12345678);
    assert.deepEqual(info.discBarCode, h('0102030405060708'));
    assert.equal(info.discApplicationCode, 0x2a);
    assert.ok(info.didV && info.dbcV && info.dacV && !info.uru);
  });

  describe('OPC tables', () => {
    const withOpc = cat(
      h('00 30'), // 32 + 2 × 8
      APPENDABLE_DVD_PLUS_R.subarray(2, 33),
      h('02'), // Number of OPC Tables
      h('5690 0A0B0C0D0E0F'), // 22,160 kB/s (16x DVD)
      h('2B48 010203040506'), // 11,080 kB/s (8x)
    );
    it('decodes every entry', () => {
      const info = decodeReadDiscInformationData(withOpc);
      assert.equal(info.numberOfOpcTables, 2);
      assert.deepEqual(info.opcTableEntries, [
        { speedKBps: 22160, opcValues: h('0A0B0C0D0E0F') },
        { speedKBps: 11080, opcValues: h('010203040506') },
      ]);
      assert.deepEqual(encodeReadDiscInformationData(info), withOpc);
    });
    it('keeps only whole entries when the allocation length cut the reply', () => {
      const cut = decodeReadDiscInformationData(withOpc.subarray(0, 45));
      assert.equal(cut.numberOfOpcTables, 2);
      assert.equal(cut.opcTableEntries.length, 1);
      assert.equal(
        decodeReadDiscInformationData(withOpc.subarray(0, 34)).opcTableEntries.length,
        0,
      );
    });
    it('keeps no more entries than the count says', () => {
      const x = Uint8Array.from(withOpc);
      x[33] = 1;
      assert.equal(decodeReadDiscInformationData(x).opcTableEntries.length, 1);
    });
    it('reports the full length so the caller can re-read', () => {
      assert.equal(readDiscInformationDataLength(withOpc.subarray(0, 2)), 50);
      assert.throws(() => readDiscInformationDataLength(h('00')), MalformedDataError);
    });
  });

  it('rejects a reply shorter than the standard block', () => {
    assert.throws(
      () => decodeReadDiscInformationData(BLANK_CD_R.subarray(0, 33)),
      MalformedDataError,
    );
    assert.throws(() => decodeReadDiscInformationData(new Uint8Array(0)), MalformedDataError);
  });

  it('rejects a length field shorter than the standard block', () => {
    const x = Uint8Array.from(BLANK_CD_R);
    x[1] = 0x1f;
    assert.throws(() => decodeReadDiscInformationData(x), MalformedDataError);
  });

  it('rejects disc information of another data type', () => {
    const x = Uint8Array.from(BLANK_CD_R);
    x[2] = 0x20; // Disc Information Data Type 001b
    assert.throws(() => decodeReadDiscInformationData(x), MalformedDataError);
  });

  it('encoder rejects values the fields cannot hold', () => {
    const bad =
      (patch: Partial<DiscInformation>, msf = false) =>
      () =>
        encodeReadDiscInformationData({ ...blankCdRInfo, ...patch }, { msf });
    assert.throws(bad({ numberOfSessions: 0x10000 }), isInvalidArg);
    assert.throws(bad({ firstTrackNumberInLastSession: -1 }), isInvalidArg);
    assert.throws(bad({ discBarCode: new Uint8Array(7) }), isInvalidArg);
    assert.throws(bad({ discType: 256 }), isInvalidArg);
    assert.throws(bad({ lastSessionLeadInStartAddress: -1 }), isInvalidArg);
    assert.throws(bad({ lastSessionLeadInStartAddress: MSF_LBA_MAX + 1 }, true), isInvalidArg);
    assert.throws(
      bad({ opcTableEntries: [{ speedKBps: 1, opcValues: new Uint8Array(5) }] }),
      isInvalidArg,
    );
    assert.throws(
      bad({ opcTableEntries: new Array(256).fill({ speedKBps: 1, opcValues: new Uint8Array(6) }) }),
      isInvalidArg,
    );
  });

  const arbInfo = (address: fc.Arbitrary<number>) =>
    fc.record({
      erasable: fc.boolean(),
      stateOfLastSession: fc.constantFrom(0, 1, 2, 3),
      discStatus: fc.constantFrom(0, 1, 2, 3),
      numberOfFirstTrackOnDisc: fc.integer({ min: 0, max: 255 }),
      numberOfSessions: fc.integer({ min: 0, max: 0xffff }),
      firstTrackNumberInLastSession: fc.integer({ min: 0, max: 0xffff }),
      lastTrackNumberInLastSession: fc.integer({ min: 0, max: 0xffff }),
      didV: fc.boolean(),
      dbcV: fc.boolean(),
      uru: fc.boolean(),
      dacV: fc.boolean(),
      dbit: fc.boolean(),
      bgFormatStatus: fc.constantFrom(0, 1, 2, 3),
      discType: fc.integer({ min: 0, max: 255 }),
      discIdentification: fc.integer({ min: 0, max: 0xffffffff }),
      lastSessionLeadInStartAddress: fc.option(address),
      lastPossibleLeadOutStartAddress: fc.option(address),
      discBarCode: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      discApplicationCode: fc.integer({ min: 0, max: 255 }),
      numberOfOpcTables: fc.integer({ min: 0, max: 255 }),
      opcTableEntries: fc.array(
        fc
          .record({
            speedKBps: fc.integer({ min: 0, max: 0xffff }),
            opcValues: fc.uint8Array({ minLength: 6, maxLength: 6 }),
          })
          .map((e) => ({ ...e })),
        { maxLength: 5 },
      ),
    });

  it('round-trips with LBA addresses', () => {
    fc.assert(
      fc.property(arbInfo(int32().filter((v) => v !== -1)), (x) => {
        const info = {
          ...x,
          numberOfOpcTables: Math.max(x.numberOfOpcTables, x.opcTableEntries.length),
        };
        assert.deepEqual(decodeReadDiscInformationData(encodeReadDiscInformationData(info)), info);
      }),
    );
  });

  it('round-trips with MSF addresses', () => {
    fc.assert(
      fc.property(arbInfo(fc.integer({ min: MSF_LBA_MIN, max: MSF_LBA_MAX })), (x) => {
        const info = {
          ...x,
          numberOfOpcTables: Math.max(x.numberOfOpcTables, x.opcTableEntries.length),
        };
        const bytes = encodeReadDiscInformationData(info, { msf: true });
        assert.deepEqual(decodeReadDiscInformationData(bytes, { msf: true }), info);
      }),
    );
  });

  it('decoder is robust to random, truncated and corrupted replies', () => {
    const samples = [BLANK_CD_R, APPENDABLE_DVD_PLUS_R, TGT_BLANK_DVD_PLUS_R];
    assertDecoderRobust((b) => decodeReadDiscInformationData(b), samples);
    assertDecoderRobust((b) => decodeReadDiscInformationData(b, { msf: true }), samples);
  });
});
