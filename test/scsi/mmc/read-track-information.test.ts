import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  INVISIBLE_TRACK_NUMBER,
  ReadTrackAddressType,
  TRACK_INFORMATION_LENGTH,
  decodeReadTrackInformationCdb,
  decodeReadTrackInformationData,
  encodeReadTrackInformationCdb,
  encodeReadTrackInformationData,
  readTrackInformation,
  readTrackInformationDataLength,
  type TrackInformation,
} from '../../../src/scsi/mmc/read-track-information.js';
import { DwError, HR, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, be, cat, h, int32, zeros } from '../../helpers/bytes.js';

const isInvalidArg = (e: unknown) =>
  e instanceof DwError && !(e instanceof MalformedDataError) && e.hr === HR.E_INVALIDARG;

// tgt's DVD+R track 1 (notes/tgt-mmc.md 1.3): 40-byte block, padded to a 48-byte allocation.
const TGT_DVD_PLUS_R_TRACK_1 = cat(
  h('00 26'), // Data Length 38
  h('01 01 00'), // track 1, session 1
  h('07'), // Track Mode 7
  h('41'), // Blank, Data Mode 1
  h('01'), // NWA_V
  h('00000000'), // start
  h('00000000'), // NWA
  h('00230540'), // free blocks
  h('00000010'), // blocking factor 16
  h('00230540'), // track size
  h('00000000'), // LRA
  h('00 00 00 00'), // MSBs, reserved
  h('00040D0E'), // Read Compatibility LBA
  h('EE EE EE EE FF FF FF FF'), // padding past the Data Length
);

// The invisible track of a blank CD-R: MMC-2 block (36 bytes), NWA valid at LBA 0.
const BLANK_CD_R_INVISIBLE_TRACK = cat(
  h('00 22'),
  h('01 01 00'),
  h('04'), // Track Mode 4: data, recorded uninterrupted
  h('4F'), // Blank, Data Mode Fh (nothing written)
  h('01'), // NWA_V
  be(0, 4), // start
  be(0, 4), // NWA
  be(359849, 4), // free blocks up to the 79:59:74 lead-out
  be(0, 4),
  be(359849, 4),
  be(0, 4),
  h('00 00 00 00'),
);

// The invisible track 2 of an appendable DVD+R (one closed session): full MMC-6 block.
const DVD_PLUS_R_INVISIBLE_TRACK_2 = cat(
  h('00 2E'),
  h('02 02 00'), // track 2, session 2
  h('07'),
  h('41'),
  h('01'),
  be(0x00010a00, 4), // start
  be(0x00010a00, 4), // NWA = start: nothing written yet
  be(0x0021fb40, 4), // free blocks: 0x230540 − 0x10A00
  be(16, 4),
  be(0x0021fb40, 4),
  be(0, 4),
  h('00 00 00 00'),
  be(0, 4),
  be(0, 4),
  be(0, 4),
);

const dvdTrack2: TrackInformation = {
  logicalTrackNumber: 2,
  sessionNumber: 2,
  ljrs: 0,
  damage: false,
  copy: false,
  trackMode: 7,
  rt: false,
  blank: true,
  packetInc: false,
  fp: false,
  dataMode: 1,
  lraV: false,
  nwaV: true,
  logicalTrackStartAddress: 0x10a00,
  nextWritableAddress: 0x10a00,
  freeBlocks: 0x21fb40,
  fixedPacketSizeBlockingFactor: 16,
  logicalTrackSize: 0x21fb40,
  lastRecordedAddress: 0,
  readCompatibilityLba: 0,
  nextLayerJumpAddress: 0,
  lastLayerJumpAddress: 0,
};

describe('ReadTrackAddressType (spec §5)', () => {
  it('has LBA 0, TRACK 1, SESSION 2', () => {
    assert.deepEqual({ ...ReadTrackAddressType }, { LBA: 0, TRACK: 1, SESSION: 2 });
    assert.equal(INVISIBLE_TRACK_NUMBER, 0xff);
  });
});

describe('READ TRACK INFORMATION CDB', () => {
  it('encodes track 1 with the MMC-6 block length as allocation length', () => {
    assert.equal(TRACK_INFORMATION_LENGTH, 48);
    assert.deepEqual(
      encodeReadTrackInformationCdb({ addressNumberType: ReadTrackAddressType.TRACK, address: 1 }),
      h('52 01 00000001 00 0030 00'),
    );
  });
  it('encodes the invisible track FFh', () => {
    assert.deepEqual(
      encodeReadTrackInformationCdb({
        addressNumberType: ReadTrackAddressType.TRACK,
        address: INVISIBLE_TRACK_NUMBER,
        allocationLength: 36,
      }),
      h('52 01 000000FF 00 0024 00'),
    );
  });
  it('encodes a session number and the Open bit (byte 1 bit 2)', () => {
    assert.deepEqual(
      encodeReadTrackInformationCdb({
        addressNumberType: ReadTrackAddressType.SESSION,
        address: 2,
        open: true,
      }),
      h('52 06 00000002 00 0030 00'),
    );
  });
  it('encodes a negative LBA as two’s complement', () => {
    assert.deepEqual(
      encodeReadTrackInformationCdb({ addressNumberType: ReadTrackAddressType.LBA, address: -150 }),
      h('52 00 FFFFFF6A 00 0030 00'),
    );
  });
  it('rejects out-of-range fields', () => {
    assert.throws(
      () => encodeReadTrackInformationCdb({ addressNumberType: 4, address: 1 }),
      isInvalidArg,
    );
    assert.throws(
      () =>
        encodeReadTrackInformationCdb({
          addressNumberType: ReadTrackAddressType.TRACK,
          address: -1,
        }),
      isInvalidArg,
    );
    assert.throws(
      () =>
        encodeReadTrackInformationCdb({
          addressNumberType: ReadTrackAddressType.LBA,
          address: 2 ** 31,
        }),
      isInvalidArg,
    );
    assert.throws(
      () =>
        encodeReadTrackInformationCdb({
          addressNumberType: ReadTrackAddressType.TRACK,
          address: 1,
          allocationLength: 65536,
        }),
      isInvalidArg,
    );
  });
  it('request factory: data-in with the CDB allocation length', () => {
    const c = readTrackInformation({ addressNumberType: ReadTrackAddressType.TRACK, address: 1 });
    assert.equal(c.name, 'READ TRACK INFORMATION');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 48);
    assert.deepEqual(c.cdb, h('52 01 00000001 00 0030 00'));
    assert.equal(
      readTrackInformation({ addressNumberType: 1, address: 1, allocationLength: 40 })
        .allocationLength,
      40,
    );
  });
  it('CDB round-trips: signed LBA for type 0, unsigned numbers otherwise', () => {
    const common = {
      open: fc.boolean(),
      allocationLength: fc.integer({ min: 0, max: 0xffff }),
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ ...common, addressNumberType: fc.constant(0), address: int32() }),
          fc.record({
            ...common,
            addressNumberType: fc.integer({ min: 1, max: 3 }),
            address: fc.integer({ min: 0, max: 0xffffffff }),
          }),
        ),
        (x) =>
          assert.deepEqual(decodeReadTrackInformationCdb(encodeReadTrackInformationCdb(x)), {
            ...x,
          }),
      ),
    );
  });
  it('CDB decoder rejects other opcodes and is robust', () => {
    assert.throws(
      () => decodeReadTrackInformationCdb(h('51 01 00000001 00 0030 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeReadTrackInformationCdb, [h('52 01 00000001 00 0030 00')]);
  });
});

describe('READ TRACK INFORMATION data', () => {
  it("decodes tgt's DVD+R track 1 and stops at its Data Length", () => {
    assert.deepEqual(decodeReadTrackInformationData(TGT_DVD_PLUS_R_TRACK_1), {
      logicalTrackNumber: 1,
      sessionNumber: 1,
      ljrs: 0,
      damage: false,
      copy: false,
      trackMode: 7,
      rt: false,
      blank: true,
      packetInc: false,
      fp: false,
      dataMode: 1,
      lraV: false,
      nwaV: true,
      logicalTrackStartAddress: 0,
      nextWritableAddress: 0,
      freeBlocks: 2_295_104,
      fixedPacketSizeBlockingFactor: 16,
      logicalTrackSize: 2_295_104,
      lastRecordedAddress: 0,
      readCompatibilityLba: 0x40d0e,
    });
  });

  it('decodes the invisible track of a blank CD-R (36-byte MMC-2 block) with NWA_V', () => {
    const t = decodeReadTrackInformationData(BLANK_CD_R_INVISIBLE_TRACK);
    assert.equal(t.logicalTrackNumber, 1);
    assert.equal(t.blank, true);
    assert.equal(t.dataMode, 0xf);
    assert.equal(t.trackMode, 4);
    assert.equal(t.nwaV, true);
    assert.equal(t.lraV, false);
    assert.equal(t.nextWritableAddress, 0);
    assert.equal(t.freeBlocks, 359849);
    assert.equal(t.lastRecordedAddress, 0);
    assert.equal('readCompatibilityLba' in t, false);
    assert.equal('nextLayerJumpAddress' in t, false);
    assert.deepEqual(encodeReadTrackInformationData(t), BLANK_CD_R_INVISIBLE_TRACK);
  });

  it('decodes the invisible track 2 of an appendable DVD+R (48-byte block)', () => {
    assert.deepEqual(decodeReadTrackInformationData(DVD_PLUS_R_INVISIBLE_TRACK_2), dvdTrack2);
    assert.deepEqual(encodeReadTrackInformationData(dvdTrack2), DVD_PLUS_R_INVISIBLE_TRACK_2);
  });

  it('decodes each bit of bytes 5, 6 and 7 at its place', () => {
    const at = (b5: number, b6: number, b7: number) => {
      const x = Uint8Array.from(DVD_PLUS_R_INVISIBLE_TRACK_2);
      x[5] = b5;
      x[6] = b6;
      x[7] = b7;
      return decodeReadTrackInformationData(x);
    };
    assert.equal(at(0xc0, 0, 0).ljrs, 3);
    assert.equal(at(0x40, 0, 0).ljrs, 1);
    assert.equal(at(0x20, 0, 0).damage, true);
    assert.equal(at(0x10, 0, 0).copy, true);
    assert.equal(at(0x0d, 0, 0).trackMode, 0xd);
    assert.equal(at(0, 0x80, 0).rt, true);
    assert.equal(at(0, 0x40, 0).blank, true);
    assert.equal(at(0, 0x20, 0).packetInc, true);
    assert.equal(at(0, 0x10, 0).fp, true);
    assert.equal(at(0, 0x02, 0).dataMode, 2);
    assert.equal(at(0, 0, 0x02).lraV, true);
    assert.equal(at(0, 0, 0x01).nwaV, true);
    const none = at(0, 0, 0);
    assert.deepEqual(
      [
        none.ljrs,
        none.damage,
        none.copy,
        none.rt,
        none.blank,
        none.packetInc,
        none.fp,
        none.lraV,
        none.nwaV,
      ],
      [0, false, false, false, false, false, false, false, false],
    );
  });

  it('a written, closed track: LRA valid, NWA not', () => {
    const bytes = cat(
      h('00 2E 01 01 00 04 01 02'), // track mode 4, data mode 1, LRA_V
      be(0, 4),
      be(0, 4),
      be(0, 4),
      be(16, 4),
      be(65536, 4),
      be(65535, 4), // LRA
      zeros(4),
      be(0, 4),
      zeros(8),
    );
    const t = decodeReadTrackInformationData(bytes);
    assert.equal(t.lraV, true);
    assert.equal(t.nwaV, false);
    assert.equal(t.blank, false);
    assert.equal(t.logicalTrackSize, 65536);
    assert.equal(t.lastRecordedAddress, 65535);
  });

  it('joins the MSB bytes 32 and 33 to the track and session numbers', () => {
    const x = Uint8Array.from(DVD_PLUS_R_INVISIBLE_TRACK_2);
    x[2] = 0x02;
    x[32] = 0x01;
    x[3] = 0x03;
    x[33] = 0x01;
    const t = decodeReadTrackInformationData(x);
    assert.equal(t.logicalTrackNumber, 0x0102);
    assert.equal(t.sessionNumber, 0x0103);
    assert.deepEqual(encodeReadTrackInformationData(t), x);
  });

  it('decodes a short MMC-1 block (28 bytes): numbers from the LSBs only, no later fields', () => {
    const bytes = cat(h('00 1A'), DVD_PLUS_R_INVISIBLE_TRACK_2.subarray(2, 28));
    const t = decodeReadTrackInformationData(bytes);
    assert.equal(t.logicalTrackNumber, 2);
    assert.equal(t.logicalTrackSize, 0x21fb40);
    for (const k of [
      'lastRecordedAddress',
      'readCompatibilityLba',
      'nextLayerJumpAddress',
      'lastLayerJumpAddress',
    ]) {
      assert.equal(k in t, false, k);
    }
    assert.deepEqual(encodeReadTrackInformationData(t), bytes);
  });

  it('a reply cut by the allocation length keeps the whole fields only', () => {
    const t = decodeReadTrackInformationData(DVD_PLUS_R_INVISIBLE_TRACK_2.subarray(0, 42));
    assert.equal(t.lastRecordedAddress, 0);
    assert.equal(t.readCompatibilityLba, 0);
    assert.equal('nextLayerJumpAddress' in t, false);
    const t30 = decodeReadTrackInformationData(DVD_PLUS_R_INVISIBLE_TRACK_2.subarray(0, 30));
    assert.equal('lastRecordedAddress' in t30, false);
  });

  it('rejects fewer than 28 bytes, by length field or by bytes present', () => {
    assert.throws(
      () => decodeReadTrackInformationData(DVD_PLUS_R_INVISIBLE_TRACK_2.subarray(0, 27)),
      MalformedDataError,
    );
    const x = Uint8Array.from(DVD_PLUS_R_INVISIBLE_TRACK_2);
    x[1] = 0x10; // Data Length 16
    assert.throws(() => decodeReadTrackInformationData(x), MalformedDataError);
    assert.throws(() => decodeReadTrackInformationData(h('00')), MalformedDataError);
  });

  it('reports the full length so the caller can re-read', () => {
    assert.equal(readTrackInformationDataLength(h('00 2E')), 48);
    assert.equal(readTrackInformationDataLength(TGT_DVD_PLUS_R_TRACK_1), 40);
    assert.throws(() => readTrackInformationDataLength(h('00')), MalformedDataError);
  });

  it('encoder sizes the block by the last optional field given', () => {
    const {
      lastRecordedAddress,
      readCompatibilityLba,
      nextLayerJumpAddress,
      lastLayerJumpAddress,
      ...base
    } = dvdTrack2;
    void [lastRecordedAddress, readCompatibilityLba, nextLayerJumpAddress, lastLayerJumpAddress];
    const len = (t: TrackInformation) => {
      const b = encodeReadTrackInformationData(t);
      assert.equal((b[0]! << 8) | b[1]!, b.length - 2);
      return b.length;
    };
    assert.equal(len(base), 28);
    assert.equal(len({ ...base, lastRecordedAddress: 5 }), 36);
    assert.equal(len({ ...base, readCompatibilityLba: 5 }), 40);
    assert.equal(len({ ...base, lastLayerJumpAddress: 5 }), 48);
    // A field left out before a later one is written as zero.
    const b = encodeReadTrackInformationData({ ...base, readCompatibilityLba: 0x01020304 });
    assert.deepEqual(b.subarray(28, 40), h('00000000 00000000 01020304'));
  });

  it('encoder refuses track numbers over 255 in a block without MSB bytes', () => {
    const {
      lastRecordedAddress,
      readCompatibilityLba,
      nextLayerJumpAddress,
      lastLayerJumpAddress,
      ...base
    } = dvdTrack2;
    void [lastRecordedAddress, readCompatibilityLba, nextLayerJumpAddress, lastLayerJumpAddress];
    assert.throws(
      () => encodeReadTrackInformationData({ ...base, logicalTrackNumber: 256 }),
      isInvalidArg,
    );
    assert.throws(
      () => encodeReadTrackInformationData({ ...dvdTrack2, sessionNumber: 0x10000 }),
      isInvalidArg,
    );
    assert.throws(
      () => encodeReadTrackInformationData({ ...dvdTrack2, trackMode: 16 }),
      isInvalidArg,
    );
    assert.throws(
      () => encodeReadTrackInformationData({ ...dvdTrack2, freeBlocks: -1 }),
      isInvalidArg,
    );
  });

  it('round-trips at every block size (28, 36, 40, 48 bytes)', () => {
    const core = (maxNumber: number) =>
      fc.record({
        logicalTrackNumber: fc.integer({ min: 0, max: maxNumber }),
        sessionNumber: fc.integer({ min: 0, max: maxNumber }),
        ljrs: fc.integer({ min: 0, max: 3 }),
        damage: fc.boolean(),
        copy: fc.boolean(),
        trackMode: fc.integer({ min: 0, max: 15 }),
        rt: fc.boolean(),
        blank: fc.boolean(),
        packetInc: fc.boolean(),
        fp: fc.boolean(),
        dataMode: fc.integer({ min: 0, max: 15 }),
        lraV: fc.boolean(),
        nwaV: fc.boolean(),
        logicalTrackStartAddress: int32(),
        nextWritableAddress: int32(),
        freeBlocks: fc.integer({ min: 0, max: 0xffffffff }),
        fixedPacketSizeBlockingFactor: fc.integer({ min: 0, max: 0xffffffff }),
        logicalTrackSize: fc.integer({ min: 0, max: 0xffffffff }),
      });
    const tiers = fc.oneof(
      core(0xff).map((c) => ({ ...c })),
      fc.tuple(core(0xffff), int32()).map(([c, lra]) => ({ ...c, lastRecordedAddress: lra })),
      fc
        .tuple(core(0xffff), int32(), int32())
        .map(([c, lra, rc]) => ({ ...c, lastRecordedAddress: lra, readCompatibilityLba: rc })),
      fc.tuple(core(0xffff), int32(), int32(), int32(), int32()).map(([c, lra, rc, n, l]) => ({
        ...c,
        lastRecordedAddress: lra,
        readCompatibilityLba: rc,
        nextLayerJumpAddress: n,
        lastLayerJumpAddress: l,
      })),
    );
    fc.assert(
      fc.property(tiers, (t: TrackInformation) =>
        assert.deepEqual(decodeReadTrackInformationData(encodeReadTrackInformationData(t)), t),
      ),
    );
  });

  it('decoder is robust to random, truncated and corrupted replies', () => {
    assertDecoderRobust(decodeReadTrackInformationData, [
      TGT_DVD_PLUS_R_TRACK_1,
      BLANK_CD_R_INVISIBLE_TRACK,
      DVD_PLUS_R_INVISIBLE_TRACK_2,
    ]);
  });
});
