import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DwError, HR } from '../../src/errors.js';
import type { ScsiCommand } from '../../src/scsi/command.js';
import type { SgIoReply } from '../../src/transport/sgio/sg-io-hdr.js';
import {
  DriverStatus,
  HostStatus,
  decodeSgCompletion,
  driverStatusName,
  hostStatusName,
  type SgCompletion,
} from '../../src/transport/sgio/status.js';
import { h } from '../helpers/bytes.js';

const inquiry: ScsiCommand = {
  name: 'INQUIRY',
  cdb: h('12 00 00 00 24 00'),
  direction: 'in',
  allocationLength: 36,
};
const tur: ScsiCommand = {
  name: 'TEST UNIT READY',
  cdb: h('00 00 00 00 00 00'),
  direction: 'none',
};
const clean: SgIoReply = {
  status: 0,
  maskedStatus: 0,
  msgStatus: 0,
  sbLenWr: 0,
  hostStatus: 0,
  driverStatus: 0,
  resid: 0,
  duration: 3,
  info: 0,
};
// Fixed-format sense 2/3A/00 (MEDIUM NOT PRESENT), 18 bytes.
const noMedium = h('70 00 02 00000000 0A 00000000 3A 00 00 000000');

function completion(reply: Partial<SgIoReply>, command: ScsiCommand = inquiry): SgCompletion {
  const senseBuffer = new Uint8Array(252);
  senseBuffer.set(noMedium);
  const dataBuffer = Uint8Array.from({ length: 36 }, (_, i) => i + 1);
  return {
    command,
    reply: { ...clean, ...reply },
    dxferLen: command.direction === 'in' ? 36 : 0,
    dataBuffer,
    senseBuffer,
    timeoutMs: 5000,
    path: '/dev/sg1',
  };
}

function result(c: SgCompletion) {
  const o = decodeSgCompletion(c);
  if (!o.ok) assert.fail(`expected a result, got ${o.error.message}`);
  return o.result;
}
function error(c: SgCompletion): DwError {
  const o = decodeSgCompletion(c);
  if (o.ok) assert.fail('expected a transport error');
  assert.ok(o.error instanceof DwError);
  return o.error;
}

describe('SG_IO completion → result', () => {
  it('GOOD with a short reply: dataIn holds only the bytes received, residual the rest', () => {
    const r = result(completion({ resid: 4 }));
    assert.equal(r.status, 0);
    assert.equal(r.dataIn.length, 32);
    assert.deepEqual(r.dataIn.subarray(0, 3), h('01 02 03'));
    assert.equal(r.residual, 4);
    assert.equal(r.sense.length, 0);
  });
  it('CHECK CONDITION passes the sense bytes through untouched', () => {
    const r = result(
      completion({ status: 0x02, maskedStatus: 0x01, sbLenWr: 18, driverStatus: 0x08, info: 1 }),
    );
    assert.equal(r.status, 0x02);
    assert.deepEqual(r.sense, noMedium);
  });
  it('sense wins over a host error that came with it (USB bridges add DID_ERROR)', () => {
    const r = result(
      completion({ status: 0x02, sbLenWr: 18, hostStatus: HostStatus.DID_ERROR, info: 1 }),
    );
    assert.equal(r.status, 0x02);
    assert.equal(r.sense.length, 18);
  });
  it('DRIVER_SENSE with status 0 (old drivers) is CHECK CONDITION', () => {
    const r = result(completion({ sbLenWr: 18, driverStatus: DriverStatus.DRIVER_SENSE, info: 1 }));
    assert.equal(r.status, 0x02);
    assert.deepEqual(r.sense, noMedium);
  });
  it('CHECK CONDITION without sense stays a result for the recorder to judge', () => {
    const r = result(completion({ status: 0x02, info: 1 }, tur));
    assert.equal(r.status, 0x02);
    assert.equal(r.sense.length, 0);
  });
  it('BUSY and RESERVATION CONFLICT are results', () => {
    assert.equal(result(completion({ status: 0x08, info: 1 })).status, 0x08);
    assert.equal(result(completion({ status: 0x18, info: 1 })).status, 0x18);
  });
  it('clamps a residual outside 0..dxfer_len', () => {
    assert.equal(result(completion({ resid: -5 })).residual, 0);
    const r = result(completion({ resid: 1000 }));
    assert.equal(r.residual, 36);
    assert.equal(r.dataIn.length, 0);
  });
  it('a data-out or no-data command has empty dataIn', () => {
    assert.equal(result(completion({}, tur)).dataIn.length, 0);
  });
  it('sense length is bounded by the buffer', () => {
    const c = completion({ status: 2, sbLenWr: 255, info: 1 });
    assert.equal(result({ ...c, senseBuffer: c.senseBuffer.subarray(0, 18) }).sense.length, 18);
  });
});

describe('SG_IO completion → transport error (spec §4.7)', () => {
  const cases: [string, Partial<SgIoReply>, number][] = [
    [
      'DID_TIME_OUT',
      { hostStatus: HostStatus.DID_TIME_OUT, info: 1 },
      HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT,
    ],
    [
      'DRIVER_TIMEOUT',
      { driverStatus: DriverStatus.DRIVER_TIMEOUT, info: 1 },
      HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT,
    ],
    ['DID_NO_CONNECT', { hostStatus: HostStatus.DID_NO_CONNECT, info: 1 }, HR.ERROR_DEV_NOT_EXIST],
    ['DID_BAD_TARGET', { hostStatus: HostStatus.DID_BAD_TARGET, info: 1 }, HR.ERROR_DEV_NOT_EXIST],
    ['DID_TRANSPORT_FAILFAST', { hostStatus: 0x0f, info: 1 }, HR.ERROR_DEV_NOT_EXIST],
    ['DID_RESET', { hostStatus: HostStatus.DID_RESET, info: 1 }, HR.ERROR_IO_DEVICE],
    ['DID_ERROR', { hostStatus: HostStatus.DID_ERROR, info: 1 }, HR.ERROR_IO_DEVICE],
    ['DID_ABORT', { hostStatus: HostStatus.DID_ABORT, info: 1 }, HR.ERROR_IO_DEVICE],
    ['DID_ALLOC_FAILURE', { hostStatus: 0x12, info: 1 }, HR.E_OUTOFMEMORY],
    ['DRIVER_ERROR', { driverStatus: DriverStatus.DRIVER_ERROR, info: 1 }, HR.ERROR_IO_DEVICE],
    ['DRIVER_HARD + SUGGEST', { driverStatus: 0x27, info: 1 }, HR.ERROR_IO_DEVICE],
  ];
  for (const [name, reply, hr] of cases) {
    it(`${name} → 0x${hr.toString(16).toUpperCase()}`, () => {
      const e = error(completion(reply));
      assert.equal(e.hr, hr);
      assert.match(e.message, /INQUIRY|\/dev\/sg1/);
    });
  }
  it('the timeout error carries the command and the timeout', () => {
    const e = error(completion({ hostStatus: HostStatus.DID_TIME_OUT, info: 1 }));
    assert.equal(e.command, 'INQUIRY');
    assert.match(e.message, /5000 ms/);
  });
  it('names host and driver bytes', () => {
    assert.equal(hostStatusName(3), 'DID_TIME_OUT');
    assert.equal(hostStatusName(0x77), 'DID_0x77');
    assert.equal(driverStatusName(0x06), 'DRIVER_TIMEOUT');
    assert.equal(driverStatusName(0x0e), 'DRIVER_TIMEOUT');
  });
});

describe('decodeSgCompletion robustness', () => {
  it('always returns a result or a DwError, and data + residual add up', () => {
    fc.assert(
      fc.property(
        fc.record({
          status: fc.integer({ min: 0, max: 255 }),
          maskedStatus: fc.integer({ min: 0, max: 255 }),
          msgStatus: fc.integer({ min: 0, max: 255 }),
          sbLenWr: fc.integer({ min: 0, max: 255 }),
          hostStatus: fc.integer({ min: 0, max: 0xffff }),
          driverStatus: fc.integer({ min: 0, max: 0xffff }),
          resid: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
          duration: fc.nat(),
          info: fc.nat(),
        }),
        (reply) => {
          const o = decodeSgCompletion(completion(reply));
          if (!o.ok) {
            assert.ok(o.error instanceof DwError);
            return;
          }
          assert.equal(o.result.dataIn.length + o.result.residual, 36);
          assert.ok(o.result.sense.length <= 252);
        },
      ),
    );
  });
});
