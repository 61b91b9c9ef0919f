import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeModeSelect10Cdb,
  decodeModeSelect10Data,
  encodeModeSelect10Cdb,
  encodeModeSelect10Data,
  modeSelect10,
} from '../../../src/scsi/spc/mode-select-10.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, cat, h, zeros } from '../../helpers/bytes.js';

const page05 = cat(h('85 32 62 05 08 10 00 00 00 00 00000010 0096'), zeros(36)); // PS set

describe('MODE SELECT(10) CDB', () => {
  it('sets PF by default and puts the parameter list length in bytes 7..8', () => {
    assert.deepEqual(
      encodeModeSelect10Cdb({ parameterListLength: 0x3c }),
      h('55 10 00 00 000000 003C 00'),
    );
  });
  it('encodes SAVED_VALUES as SP (byte 1 = 11h, spec §4.6)', () => {
    assert.deepEqual(
      encodeModeSelect10Cdb({ sp: true, parameterListLength: 20 }),
      h('55 11 00 00 000000 0014 00'),
    );
  });
  it('can clear PF', () => {
    assert.deepEqual(
      encodeModeSelect10Cdb({ pf: false, parameterListLength: 8 }),
      h('55 00 00 00 000000 0008 00'),
    );
  });
  it('rejects a parameter list length over 65535', () => {
    assert.throws(() => encodeModeSelect10Cdb({ parameterListLength: 0x10000 }), DwError);
  });
  it('request factory sends the data and sets the length from it', () => {
    const data = encodeModeSelect10Data({ pages: [page05] });
    const c = modeSelect10({ data });
    assert.equal(c.name, 'MODE SELECT(10)');
    assert.equal(c.direction, 'out');
    assert.equal(c.dataOut, data);
    assert.deepEqual(c.cdb, h('55 10 00 00 000000 003C 00'));
    assert.deepEqual(modeSelect10({ sp: true, data }).cdb, h('55 11 00 00 000000 003C 00'));
  });
  it('decodes a CDB', () => {
    assert.deepEqual(decodeModeSelect10Cdb(h('55 11 00 00 000000 0100 00')), {
      pf: true,
      sp: true,
      parameterListLength: 0x100,
    });
  });
  it('decoder rejects another opcode', () => {
    assert.throws(() => decodeModeSelect10Cdb(h('5A 10 00 00 000000 0008 00')), MalformedDataError);
  });
  it('CDB round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          pf: fc.boolean(),
          sp: fc.boolean(),
          parameterListLength: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) => assert.deepEqual(decodeModeSelect10Cdb(encodeModeSelect10Cdb(x)), { ...x }),
      ),
    );
  });
  it('CDB decoder is robust', () => {
    assertDecoderRobust(decodeModeSelect10Cdb, [h('55 11 00 00 000000 0100 00')]);
  });
});

describe('MODE SELECT(10) parameter list', () => {
  it('is an all-zero 8-byte header plus the page with PS cleared (spec §4.6)', () => {
    assert.deepEqual(
      encodeModeSelect10Data({ pages: [page05] }),
      cat(zeros(8), h('05 32 62 05 08 10 00 00 00 00 00000010 0096'), zeros(36)),
    );
  });
  it('does not modify the caller’s page when clearing PS', () => {
    encodeModeSelect10Data({ pages: [page05] });
    assert.equal(page05[0], 0x85);
  });
  it('leaves MODE DATA LENGTH 0 but writes the header fields and descriptors', () => {
    assert.deepEqual(
      encodeModeSelect10Data({
        mediumType: 0x01,
        deviceSpecificParameter: 0x10,
        blockDescriptors: [{ densityCode: 0, numberOfBlocks: 0, blockLength: 2048 }],
      }),
      h('0000 01 10 00 00 0008 00 000000 00 000800'),
    );
  });
  it('clears PS of a sub_page format page as well', () => {
    assert.deepEqual(
      encodeModeSelect10Data({ pages: [h('CA 01 0002 AB CD')] }),
      h('0000 00 00 00 00 0000 4A 01 0002 AB CD'),
    );
  });
  it('an empty list is the header alone', () => {
    assert.deepEqual(encodeModeSelect10Data({}), new Uint8Array(8));
  });
  it('rejects a page whose length byte does not match its bytes', () => {
    assert.throws(() => encodeModeSelect10Data({ pages: [page05.subarray(0, 51)] }), DwError);
  });
  it('decodes what the host sends (virtual drive side), MODE DATA LENGTH being 0', () => {
    const d = decodeModeSelect10Data(encodeModeSelect10Data({ pages: [page05] }));
    assert.equal(d.header.modeDataLength, 0);
    assert.equal(d.truncated, false);
    assert.equal(d.pages.length, 1);
    assert.equal(d.pages[0]!.pageCode, 0x05);
    assert.equal(d.pages[0]!.ps, false);
  });
  it('decoder rejects a page overrunning the parameter list', () => {
    const bytes = encodeModeSelect10Data({ pages: [page05] });
    assert.throws(() => decodeModeSelect10Data(bytes.subarray(0, 40)), MalformedDataError);
  });
  it('round-trips, with PS cleared', () => {
    const page = fc
      .tuple(fc.integer({ min: 0, max: 63 }), fc.boolean(), fc.uint8Array({ maxLength: 60 }))
      .map(([code, ps, body]) => cat([(ps ? 0x80 : 0) | code, body.length], body));
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            densityCode: fc.integer({ min: 0, max: 255 }),
            numberOfBlocks: fc.integer({ min: 0, max: 0xffffff }),
            blockLength: fc.integer({ min: 0, max: 0xffffff }),
          }),
          { maxLength: 2 },
        ),
        fc.array(page, { maxLength: 4 }),
        (blockDescriptors, pages) => {
          const d = decodeModeSelect10Data(encodeModeSelect10Data({ blockDescriptors, pages }));
          assert.deepEqual(
            d.blockDescriptors,
            blockDescriptors.map((x) => ({ ...x })),
          );
          assert.deepEqual(
            d.pages.map((p) => p.bytes),
            pages.map((p) => cat([p[0]! & 0x7f], p.subarray(1))),
          );
        },
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeModeSelect10Data, [
      encodeModeSelect10Data({ pages: [page05, h('01 06 00 00 00 00 00 00')] }),
    ]);
  });
});
