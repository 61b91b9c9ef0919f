// SEND CUE SHEET, READ SUB-CHANNEL and READ TOC format 5 codecs. Expected bytes are written by
// hand from MMC-6 (cue sheet descriptors Table 536, data forms Table 538; READ SUB-CHANNEL
// Tables 532-535; CD-TEXT header 6.26.3.7), never produced by the encoder under test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildCueSheet,
  CueMainForm,
  CueSubchannelForm,
  decodeCueSheet,
  decodeSendCueSheetCdb,
  encodeCueSheet,
  encodeSendCueSheetCdb,
  sendCueSheet,
  type CueSheetEntry,
} from '../../../src/scsi/mmc/send-cue-sheet.js';
import {
  decodeReadSubChannelCdb,
  decodeReadSubChannelData,
  encodeReadSubChannelCdb,
  encodeReadSubChannelData,
} from '../../../src/scsi/mmc/read-sub-channel.js';
import {
  decodeCdTextTocData,
  encodeCdTextTocData,
} from '../../../src/scsi/mmc/read-toc-cd-text.js';
import { DwError, HR } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

// A data track then two audio tracks (the second with a 2-second pause and an index 2), MCN,
// ISRC, CD-TEXT in the lead-in; the lead-out at 00:20:00.
const EXPECTED = h(`
  02 31 32 33 34 35 36 37   02 38 39 30 31 32 33 00
  41 00 00 54 00 00 00 00
  41 01 00 10 00 00 00 00
  41 01 01 10 00 00 02 00
  01 02 00 01 00 00 06 00
  01 02 01 00 00 00 08 00
  03 03 47 42 41 41 41 30   03 03 30 30 30 30 30 31
  01 03 01 00 00 00 0C 00
  01 03 02 00 00 00 0E 00
  01 AA 01 01 00 00 14 00`);

describe('cue sheet', () => {
  const session = {
    mediaCatalogNumber: '1234567890123',
    cdTextInLeadIn: true,
    tracks: [
      { control: 4, mainForm: CueMainForm.MODE1, startLba: 0, pregapSectors: 150 },
      {
        control: 0,
        mainForm: CueMainForm.CD_DA,
        startLba: 450,
        pregapSectors: 150,
        pregapForm: CueMainForm.CD_DA_GENERATED,
      },
      {
        control: 0,
        mainForm: CueMainForm.CD_DA,
        startLba: 750,
        pregapSectors: 0,
        indexLbas: [900],
        isrc: 'GBAAA0000001',
      },
    ],
    leadOutLba: 1350,
  };

  it('buildCueSheet + encodeCueSheet give the hand-written descriptors', () => {
    assert.deepEqual(encodeCueSheet(buildCueSheet(session)), EXPECTED);
  });

  it('decodeCueSheet reads them back; decode(encode(x)) = x', () => {
    const entries = decodeCueSheet(EXPECTED);
    assert.deepEqual(entries, buildCueSheet(session));
    assert.deepEqual(entries[0], { adr: 2, mediaCatalogNumber: '1234567890123' });
    assert.deepEqual(entries[1], {
      adr: 1,
      control: 4,
      trackNumber: 0,
      index: 0,
      dataForm: 0x54,
      scms: false,
      lba: -150,
    });
    const point = fc
      .record({
        adr: fc.constant(1 as const),
        control: fc.integer({ min: 0, max: 15 }),
        trackNumber: fc.integer({ min: 0, max: 255 }),
        index: fc.integer({ min: 0, max: 99 }),
        dataForm: fc.integer({ min: 0, max: 255 }),
        scms: fc.boolean(),
        lba: fc.integer({ min: -150, max: 404_849 }),
      })
      .map((o) => ({ ...o }));
    fc.assert(
      fc.property(fc.array(point, { maxLength: 10 }), (entries: CueSheetEntry[]) => {
        assert.deepEqual(decodeCueSheet(encodeCueSheet(entries)), entries);
      }),
      { numRuns: 200 },
    );
    assertDecoderRobust(decodeCueSheet, [EXPECTED], 400);
  });

  it('refuses layouts and values no drive would take', () => {
    const bad = (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG;
    assert.throws(() => buildCueSheet({ ...session, tracks: [] }), bad);
    assert.throws(
      () => buildCueSheet({ ...session, tracks: [{ ...session.tracks[0]!, pregapSectors: 100 }] }),
      bad,
    );
    assert.throws(() => buildCueSheet({ ...session, leadOutLba: 900 }), bad);
    assert.throws(() => encodeCueSheet([{ adr: 2, mediaCatalogNumber: '12' }]), bad);
    assert.throws(() => encodeCueSheet([{ adr: 3, control: 0, trackNumber: 1, isrc: 'x' }]), bad);
    assert.throws(() => decodeCueSheet(EXPECTED.subarray(0, 12)), /whole descriptors/);
    assert.throws(() => decodeCueSheet(h('01 01 01 00 00 00 3C 00')), /time/);
    assert.throws(() => decodeCueSheet(h('04 01 01 00 00 00 00 00')), /ADR 4/);
    assert.throws(() => decodeCueSheet(EXPECTED.subarray(0, 8)), /second descriptor/);
  });

  it('SEND CUE SHEET CDB: 5Dh, size in bytes 6..8', () => {
    assert.deepEqual(
      encodeSendCueSheetCdb({ cueSheetSize: 0x012345 }),
      h('5D 00 00 00 00 00 01 23 45 00'),
    );
    assert.deepEqual(decodeSendCueSheetCdb(h('5D 00 00 00 00 00 00 00 58 00')), {
      cueSheetSize: 88,
    });
    const c = sendCueSheet(buildCueSheet(session));
    assert.equal(c.direction, 'out');
    assert.deepEqual(c.dataOut, EXPECTED);
    assert.equal(CueSubchannelForm.RAW_PW | CueMainForm.CD_DA_GENERATED, 0x41);
  });
});

describe('READ SUB-CHANNEL', () => {
  it('CDB: MSF, SubQ, format, track, allocation length', () => {
    assert.deepEqual(
      encodeReadSubChannelCdb({ msf: true, format: 3, trackNumber: 5, allocationLength: 24 }),
      h('42 02 40 03 00 00 05 00 18 00'),
    );
    assert.deepEqual(decodeReadSubChannelCdb(h('42 00 00 02 00 00 00 01 00 00')), {
      msf: false,
      subQ: false,
      format: 2,
      trackNumber: 0,
      allocationLength: 256,
    });
  });

  it('data: current position, MCN, ISRC, header only without SubQ', () => {
    const pos = {
      format: 1 as const,
      adr: 1,
      control: 4,
      trackNumber: 1,
      indexNumber: 1,
      absoluteLba: 1000,
      relativeLba: 850,
    };
    const lbaForm = h('00 15 00 0C 01 14 01 01 00 00 03 E8 00 00 03 52');
    assert.deepEqual(encodeReadSubChannelData(pos), lbaForm);
    assert.deepEqual(decodeReadSubChannelData(lbaForm).data, pos);
    // MSF: 1000 + 150 = 1150 frames = 00:15:25; relative 850 = 00:11:25.
    const msf = h('00 15 00 0C 01 14 01 01 00 00 0F 19 00 00 0B 19');
    assert.deepEqual(encodeReadSubChannelData(pos, { msf: true }), msf);
    assert.deepEqual(decodeReadSubChannelData(msf, { msf: true }).data, pos);
    const mcn = h('00 15 00 14 02 00 00 00 80 31 32 33 34 35 36 37 38 39 30 31 32 33 00 00');
    assert.deepEqual(
      encodeReadSubChannelData({ format: 2, mediaCatalogNumber: '1234567890123' }),
      mcn,
    );
    const isrc = h('00 15 00 14 03 10 02 00 80 47 42 41 41 41 30 30 30 30 30 30 31 00 00 00');
    const i = { format: 3 as const, adr: 1, control: 0, trackNumber: 2, isrc: 'GBAAA0000001' };
    assert.deepEqual(encodeReadSubChannelData(i), isrc);
    assert.deepEqual(decodeReadSubChannelData(isrc).data, i);
    assert.deepEqual(encodeReadSubChannelData(undefined), h('00 15 00 00'));
    assert.deepEqual(decodeReadSubChannelData(h('00 15 00 00')), {
      audioStatus: 0x15,
      data: undefined,
    });
    assertDecoderRobust(decodeReadSubChannelData, [lbaForm, mcn, isrc], 400);
  });
});

describe('READ TOC format 5 (CD-TEXT)', () => {
  it('header then packs; a cut pack is dropped', () => {
    const packs = new Uint8Array(36).fill(0x80);
    const data = encodeCdTextTocData(packs);
    assert.deepEqual(data.subarray(0, 4), h('00 26 00 00'));
    assert.deepEqual(decodeCdTextTocData(data), packs);
    assert.deepEqual(decodeCdTextTocData(data.subarray(0, 30)), packs.subarray(0, 18));
    assert.deepEqual(decodeCdTextTocData(h('00 02 00 00')), new Uint8Array(0));
    assertDecoderRobust(decodeCdTextTocData, [data], 300);
  });
});
