import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeSendDiscStructureCdb,
  decodeSendDiscStructureData,
  encodeSendDiscStructureCdb,
  encodeSendDiscStructureData,
  sendDiscStructure,
} from '../../../src/scsi/mmc/send-disc-structure.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, cat, h, zeros } from '../../helpers/bytes.js';

// Format 0Fh (timestamp): 4 reserved bytes then "20260314123000" in ASCII.
const TIMESTAMP = cat(zeros(4), h('32 30 32 36 30 33 31 34 31 32 33 30 30 30'));

describe('SEND DISC STRUCTURE CDB', () => {
  it('puts FORMAT CODE at byte 7 and PARAMETER LIST LENGTH at bytes 8..9', () => {
    assert.deepEqual(
      encodeSendDiscStructureCdb({ formatCode: 0x0f, parameterListLength: 22 }),
      h('BF 00 00 00 00 00 00 0F 0016 00 00'),
    );
  });
  it('puts MEDIA TYPE at byte 1 bits 3..0 and AGID at byte 10 bits 7..6', () => {
    assert.deepEqual(
      encodeSendDiscStructureCdb({
        mediaType: 1,
        formatCode: 0x30,
        parameterListLength: 0x1234,
        agid: 2,
      }),
      h('BF 01 00 00 00 00 00 30 1234 80 00'),
    );
  });
  it('rejects out-of-range fields', () => {
    assert.throws(
      () => encodeSendDiscStructureCdb({ formatCode: 0, parameterListLength: 0x10000 }),
      DwError,
    );
    assert.throws(
      () => encodeSendDiscStructureCdb({ formatCode: 0, parameterListLength: 4, agid: 4 }),
      DwError,
    );
    assert.throws(
      () => encodeSendDiscStructureCdb({ formatCode: 0, parameterListLength: 4, mediaType: 16 }),
      DwError,
    );
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          mediaType: fc.integer({ min: 0, max: 15 }),
          formatCode: fc.integer({ min: 0, max: 255 }),
          parameterListLength: fc.integer({ min: 0, max: 0xffff }),
          agid: fc.integer({ min: 0, max: 3 }),
        }),
        (x) =>
          assert.deepEqual(decodeSendDiscStructureCdb(encodeSendDiscStructureCdb(x)), { ...x }),
      ),
    );
    assert.throws(
      () => decodeSendDiscStructureCdb(h('AD 00 00 00 00 00 00 0F 0016 00 00')),
      MalformedDataError,
    );
    assertDecoderRobust(decodeSendDiscStructureCdb, [h('BF 01 00 00 00 00 00 30 1234 80 00')]);
  });
});

describe('SEND DISC STRUCTURE parameter list', () => {
  it('prepends the 4-byte header: data length = payload + 2, two reserved bytes', () => {
    assert.deepEqual(encodeSendDiscStructureData(TIMESTAMP), cat(h('0014 0000'), TIMESTAMP));
  });
  it('request factory sends header + payload and sizes the CDB from it', () => {
    const c = sendDiscStructure({ formatCode: 0x0f, payload: TIMESTAMP });
    assert.equal(c.name, 'SEND DISC STRUCTURE');
    assert.equal(c.direction, 'out');
    assert.deepEqual(c.cdb, h('BF 00 00 00 00 00 00 0F 0016 00 00'));
    assert.deepEqual(c.dataOut, cat(h('0014 0000'), TIMESTAMP));
    const bd = sendDiscStructure({ formatCode: 0x30, payload: h('01 02'), mediaType: 1, agid: 1 });
    assert.deepEqual(bd.cdb, h('BF 01 00 00 00 00 00 30 0006 40 00'));
  });
  it('accepts a payload of up to 65531 bytes', () => {
    assert.equal(
      sendDiscStructure({ formatCode: 0x30, payload: new Uint8Array(0xfffb) }).dataOut?.length,
      0xffff,
    );
    assert.throws(
      () => sendDiscStructure({ formatCode: 0x30, payload: new Uint8Array(0xfffc) }),
      DwError,
    );
  });
  it('decodes the payload on the drive side, ignoring padding', () => {
    assert.deepEqual(decodeSendDiscStructureData(cat(h('0014 0000'), TIMESTAMP)), TIMESTAMP);
    assert.deepEqual(decodeSendDiscStructureData(h('0004 0000 AA BB 00 00')), h('AA BB'));
  });
  it('rejects a parameter list shorter than its data length says', () => {
    assert.throws(() => decodeSendDiscStructureData(h('0014 0000 01 02')), MalformedDataError);
    assert.throws(() => decodeSendDiscStructureData(h('0014 00')), MalformedDataError);
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (p) =>
        assert.deepEqual(decodeSendDiscStructureData(encodeSendDiscStructureData(p)), p),
      ),
    );
    assertDecoderRobust(decodeSendDiscStructureData, [cat(h('0014 0000'), TIMESTAMP)]);
  });
});
