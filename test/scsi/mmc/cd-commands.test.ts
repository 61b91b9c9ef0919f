// READ CD (MMC-6 6.19), MECHANISM STATUS (6.11), the ATIP of READ TOC/PMA/ATIP format 0100b
// (6.26.3.6) and the DVD+R DL layer boundary (format 20h): expected bytes from the MMC-6 tables.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeReadCdCdb,
  encodeReadCdCdb,
  ExpectedSectorType,
  HeaderCodes,
  readCd,
} from '../../../src/scsi/mmc/read-cd.js';
import {
  decodeMechanismStatusCdb,
  decodeMechanismStatusData,
  encodeMechanismStatusCdb,
  encodeMechanismStatusData,
  MechanismState,
  mechanismStatus,
} from '../../../src/scsi/mmc/mechanism-status.js';
import { decodeAtipData, encodeAtipData, type Atip } from '../../../src/scsi/mmc/atip.js';
import {
  decodeLayerBoundaryInformation,
  decodeLayerBoundarySend,
  encodeLayerBoundaryInformation,
  encodeLayerBoundarySend,
} from '../../../src/scsi/mmc/layer-boundary.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('READ CD CDB', () => {
  it('lays out sector type, LBA, 24-bit length and the field selection', () => {
    assert.deepEqual(
      encodeReadCdCdb({
        expectedSectorType: ExpectedSectorType.MODE_1,
        lba: -150,
        transferLength: 0x010203,
        sync: true,
        headerCodes: HeaderCodes.ALL,
        userData: true,
        edcEcc: true,
        subChannelSelection: 2,
      }),
      h('BE 08 FFFFFF6A 010203 F8 02 00'),
    );
    assert.deepEqual(
      encodeReadCdCdb({ lba: 16, transferLength: 1 }),
      h('BE 00 00000010 000001 10 00 00'),
    );
  });
  it('decodes what it encodes; the request sizes the allocation per sector', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -45150, max: 404849 }),
        fc.integer({ min: 0, max: 0xffffff }),
        (lba, n) => {
          const cdb = decodeReadCdCdb(
            encodeReadCdCdb({ lba, transferLength: n, c2ErrorInformation: 1 }),
          );
          assert.equal(cdb.lba, lba);
          assert.equal(cdb.transferLength, n);
          assert.equal(cdb.c2ErrorInformation, 1);
        },
      ),
    );
    assert.equal(
      readCd({ lba: 0, transferLength: 3, bytesPerSector: 2352 }).allocationLength,
      3 * 2352,
    );
    assert.throws(() => decodeReadCdCdb(h('BE 00')));
    assertDecoderRobust(decodeReadCdCdb, [h('BE 00 00000010 000001 10 00 00')], 300);
  });
});

describe('MECHANISM STATUS', () => {
  it('CDB carries the allocation length in bytes 8..9', () => {
    assert.deepEqual(
      encodeMechanismStatusCdb({ allocationLength: 8 }),
      h('BD 00 00 00 00 00 00 00 0008 00 00'),
    );
    assert.equal(
      decodeMechanismStatusCdb(h('BD 00 00 00 00 00 00 00 0108 00 00')).allocationLength,
      0x108,
    );
    assert.equal(mechanismStatus().allocationLength, 8);
  });
  it('header: fault, changer state, slot split over two bytes, mechanism state, door open', () => {
    const v = {
      fault: true,
      changerState: 1,
      currentSlot: 0x25,
      mechanismState: MechanismState.ACTIVE,
      doorOpen: true,
      currentLba: 0x123456,
      numberOfSlotsAvailable: 5,
      slotTableLength: 20,
    };
    const bytes = h('A5 71 123456 05 0014');
    assert.deepEqual(encodeMechanismStatusData(v), bytes);
    assert.deepEqual(decodeMechanismStatusData(bytes), v);
    assertDecoderRobust(decodeMechanismStatusData, [bytes], 300);
  });
});

describe('ATIP (READ TOC/PMA/ATIP format 0100b)', () => {
  // An 80-minute CD-RW: lead-in 97:26:66, lead-out 79:59:74.
  const bytes = h('001A 0000 D1 00 C0 00 611A42 00 4F3B4A 00 000000 00 000000 00 000000 00');
  const atip: Atip = {
    indicativeTargetWritingPower: 5,
    ddcd: false,
    referenceSpeed: 1,
    uru: false,
    discTypeRewritable: true,
    discSubType: 0,
    a1Valid: false,
    a2Valid: false,
    a3Valid: false,
    startTimeOfLeadIn: { m: 97, s: 26, f: 66 },
    lastPossibleStartOfLeadOut: { m: 79, s: 59, f: 74 },
  };
  it('encodes the fixed bits, the times and zero A values', () => {
    assert.deepEqual(encodeAtipData(atip), bytes);
  });
  it('decodes a full reply and one that stops after the lead-out time', () => {
    const full = decodeAtipData(bytes);
    assert.deepEqual(
      { ...full, a1: undefined, a2: undefined, a3: undefined },
      { ...atip, a1: undefined, a2: undefined, a3: undefined },
    );
    assert.deepEqual(full.a1, new Uint8Array(3));
    const short = decodeAtipData(bytes.subarray(0, 16));
    assert.equal(short.a1, undefined);
    assert.deepEqual(short.lastPossibleStartOfLeadOut, { m: 79, s: 59, f: 74 });
    assert.throws(() => decodeAtipData(bytes.subarray(0, 15)));
    assertDecoderRobust(decodeAtipData, [bytes], 300);
  });
});

describe('Layer boundary information (format 20h)', () => {
  it('READ payload: InitStatus bit 7 of byte 0, L0 capacity in bytes 4..7', () => {
    const bytes = h('80000000 001FD800');
    assert.deepEqual(
      encodeLayerBoundaryInformation({ initStatus: true, l0DataZoneCapacity: 2086912 }),
      bytes,
    );
    assert.deepEqual(decodeLayerBoundaryInformation(bytes), {
      initStatus: true,
      l0DataZoneCapacity: 2086912,
    });
    assertDecoderRobust(decodeLayerBoundaryInformation, [bytes], 300);
  });
  it('SEND payload: the L0 capacity in bytes 4..7', () => {
    assert.deepEqual(encodeLayerBoundarySend(600000), h('00000000 000927C0'));
    assert.equal(decodeLayerBoundarySend(h('00000000 000927C0')), 600000);
    assert.throws(() => decodeLayerBoundarySend(h('0000')));
  });
});
