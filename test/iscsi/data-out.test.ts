// How much of a WRITE's data goes with the SCSI Command (RFC 7143 §13.10 InitialR2T, §13.11
// ImmediateData, §13.14 FirstBurstLength), as a table; the pump itself is exercised by the session
// and tgt tests.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unsolicitedData } from '../../src/transport/iscsi/data-out.js';
import { RFC_DEFAULTS } from '../../src/transport/iscsi/negotiate.js';

describe('unsolicited data of a WRITE', () => {
  // ImmediateData, InitialR2T, FirstBurstLength, the target's MaxRecvDataSegmentLength, the
  // length of the data → immediate data, end of the unsolicited data.
  const table: [boolean, boolean, number, number, number, number, number][] = [
    [true, true, 65536, 8192, 65536, 8192, 8192], // tgt's keys: one segment of immediate data
    [true, true, 65536, 8192, 4000, 4000, 4000], // all of a short WRITE
    [true, true, 4096, 8192, 65536, 4096, 4096], // FirstBurstLength bounds immediate data
    [false, true, 65536, 8192, 65536, 0, 0], // everything waits for R2Ts
    [true, false, 16384, 4096, 40960, 4096, 16384], // unsolicited Data-Out to FirstBurstLength
    [false, false, 16384, 4096, 40960, 0, 16384], // unsolicited Data-Out only
    [true, false, 16384, 4096, 10000, 4096, 10000], // shorter than FirstBurstLength
    [true, false, 16384, 4096, 0, 0, 0], // no data
  ];
  for (const [immediateData, initialR2T, first, segment, length, immediate, end] of table) {
    const keys = `ImmediateData=${immediateData} InitialR2T=${initialR2T} FirstBurstLength=${first}`;
    it(`${keys}, MRDSL ${segment}: ${length} bytes → ${immediate} immediate, to ${end}`, () => {
      const params = {
        ...RFC_DEFAULTS,
        immediateData,
        initialR2T,
        firstBurstLength: first,
        targetMaxRecvDataSegmentLength: segment,
      };
      assert.deepEqual(unsolicitedData(params, length), { immediate, unsolicitedEnd: end });
    });
  }
});
