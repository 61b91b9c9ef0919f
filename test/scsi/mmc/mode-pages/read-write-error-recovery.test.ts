import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeReadWriteErrorRecoveryPage,
  encodeReadWriteErrorRecoveryPage,
} from '../../../../src/scsi/mmc/mode-pages/read-write-error-recovery.js';
import { DwError, MalformedDataError } from '../../../../src/errors.js';
import { assertDecoderRobust, h } from '../../../helpers/bytes.js';

// A DVD writer's current values: AWRE + ARRE, 32 read retries, 1 write retry.
const drivePage = h('01 0A C0 20 00 00 00 00 01 00 0000');
// A SCSI-2 era CD-ROM: the 8-byte page (PAGE LENGTH 06h), PER set, 5 read retries.
const oldPage = h('01 06 04 05 00 00 00 00');

describe('Read/Write Error Recovery page (01h)', () => {
  it('decodes a drive’s 12-byte page', () => {
    assert.deepEqual(decodeReadWriteErrorRecoveryPage(drivePage), {
      ps: false,
      awre: true,
      arre: true,
      tb: false,
      rc: false,
      per: false,
      dte: false,
      dcr: false,
      readRetryCount: 32,
      emcdr: 0,
      writeRetryCount: 1,
      recoveryTimeLimit: 0,
    });
  });
  it('decodes the 8-byte page without write retry count or time limit', () => {
    const d = decodeReadWriteErrorRecoveryPage(oldPage);
    assert.equal(d.per, true);
    assert.equal(d.readRetryCount, 5);
    assert.equal('writeRetryCount' in d, false);
    assert.equal('recoveryTimeLimit' in d, false);
  });
  it('decodes each bit of byte 2 at its place', () => {
    const names = ['dcr', 'dte', 'per', null, 'rc', 'tb', 'arre', 'awre'] as const;
    names.forEach((name, bit) => {
      if (name === null) return;
      const bytes = Uint8Array.from(drivePage);
      bytes[2] = 1 << bit;
      const d = decodeReadWriteErrorRecoveryPage(bytes);
      for (const other of names) {
        if (other !== null) assert.equal(d[other], other === name, `${other} with bit ${bit}`);
      }
    });
  });
  it('decodes PS, EMCDR and the recovery time limit', () => {
    const d = decodeReadWriteErrorRecoveryPage(h('81 0A 00 00 00 00 00 03 05 00 0BB8'));
    assert.equal(d.ps, true);
    assert.equal(d.emcdr, 3);
    assert.equal(d.writeRetryCount, 5);
    assert.equal(d.recoveryTimeLimit, 3000);
  });
  it('ignores bytes after the page (the next page of a reply)', () => {
    const d = decodeReadWriteErrorRecoveryPage(h('01 06 04 05 00 00 00 00 05 32'));
    assert.equal('writeRetryCount' in d, false);
  });
  it('decodes only the fields present in a cut page', () => {
    const d = decodeReadWriteErrorRecoveryPage(drivePage.subarray(0, 9));
    assert.equal(d.writeRetryCount, 1);
    assert.equal('recoveryTimeLimit' in d, false);
  });
  it('rejects another page code, SPF, and a page under 8 bytes', () => {
    assert.throws(
      () => decodeReadWriteErrorRecoveryPage(h('05 06 00 00 00 00 00 00')),
      MalformedDataError,
    );
    assert.throws(
      () => decodeReadWriteErrorRecoveryPage(h('41 00 0006 00 00 00 00 00 00')),
      MalformedDataError,
    );
    assert.throws(
      () => decodeReadWriteErrorRecoveryPage(h('01 04 00 00 00 00')),
      MalformedDataError,
    );
    assert.throws(
      () => decodeReadWriteErrorRecoveryPage(drivePage.subarray(0, 7)),
      MalformedDataError,
    );
  });
  it('encodes the 12-byte page', () => {
    assert.deepEqual(
      encodeReadWriteErrorRecoveryPage({
        awre: true,
        arre: true,
        readRetryCount: 32,
        writeRetryCount: 1,
        recoveryTimeLimit: 0,
      }),
      drivePage,
    );
  });
  it('encodes the 8-byte page when neither write retry count nor time limit is given', () => {
    assert.deepEqual(encodeReadWriteErrorRecoveryPage({ per: true, readRetryCount: 5 }), oldPage);
  });
  it('encodes every bit of byte 2, PS and EMCDR', () => {
    assert.deepEqual(
      encodeReadWriteErrorRecoveryPage({
        ps: true,
        awre: true,
        arre: true,
        tb: true,
        rc: true,
        per: true,
        dte: true,
        dcr: true,
        emcdr: 2,
        recoveryTimeLimit: 0x1234,
      }),
      h('81 0A F7 00 00 00 00 02 00 00 1234'),
    );
  });
  it('rejects out-of-range counts and EMCDR', () => {
    assert.throws(() => encodeReadWriteErrorRecoveryPage({ readRetryCount: 256 }), DwError);
    assert.throws(() => encodeReadWriteErrorRecoveryPage({ emcdr: 4 }), DwError);
    assert.throws(() => encodeReadWriteErrorRecoveryPage({ recoveryTimeLimit: 65536 }), DwError);
  });
  it('round-trips both page lengths', () => {
    const base = {
      ps: fc.boolean(),
      awre: fc.boolean(),
      arre: fc.boolean(),
      tb: fc.boolean(),
      rc: fc.boolean(),
      per: fc.boolean(),
      dte: fc.boolean(),
      dcr: fc.boolean(),
      readRetryCount: fc.integer({ min: 0, max: 255 }),
      emcdr: fc.integer({ min: 0, max: 3 }),
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record(base),
          fc.record({
            ...base,
            writeRetryCount: fc.integer({ min: 0, max: 255 }),
            recoveryTimeLimit: fc.integer({ min: 0, max: 0xffff }),
          }),
        ),
        (x) =>
          assert.deepEqual(decodeReadWriteErrorRecoveryPage(encodeReadWriteErrorRecoveryPage(x)), {
            ...x,
          }),
      ),
    );
  });
  it('decoder is robust', () => {
    assertDecoderRobust(decodeReadWriteErrorRecoveryPage, [drivePage, oldPage]);
  });
});
