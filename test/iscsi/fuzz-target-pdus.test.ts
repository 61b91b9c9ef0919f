// Fuzzing what a target says about a command (issue 16): the wire bytes of a recorded good
// answer (a 4 KiB READ in eight Data-In PDUs with status; a WRITE's SCSI Response), built by the
// independent byte builder, mutated at random (bytes overwritten, PDUs dropped, repeated or
// swapped), then framed, decoded and given to the task as the session does (task.ts). Whatever
// comes out must be an error (a DwError), nothing else, or a result that is true: every byte of
// a READ's data arrived exactly once at its offset, a WRITE never counts bytes it did not send.
// Seeded, so a failure repeats; 10^5 READ answers and 2·10^4 WRITE answers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError } from '../../src/errors.js';
import { scsiCommand, type ScsiResult } from '../../src/scsi/command.js';
import type { IscsiConnection } from '../../src/transport/iscsi/connection.js';
import { PduFramer } from '../../src/transport/iscsi/framer.js';
import { RESERVED_TAG } from '../../src/transport/iscsi/pdu-layout.js';
import type { DataInPdu, Pdu, TargetPdu } from '../../src/transport/iscsi/pdu-types.js';
import { decodePdu } from '../../src/transport/iscsi/pdu.js';
import {
  newTask,
  resultOfDataIn,
  resultOfScsiResponse,
  type Task,
} from '../../src/transport/iscsi/task.js';
import { reorderPdus, scsiResponsePdu, wireBytes } from '../helpers/iscsi-pdus.js';
import { cat, h } from '../helpers/bytes.js';
import { mulberry32 } from '../helpers/prng.js';

const ITT = 0x42;
const LENGTH = 4096;
const SEGMENT = 512;
const source = Uint8Array.from({ length: LENGTH }, (_, i) => (i * 31 + (i >> 9)) & 0xff);
const sn = { statSn: 7, expCmdSn: 3, maxCmdSn: 20 };

function readAnswer(): Uint8Array[] {
  const pdus: Uint8Array[] = [];
  for (let at = 0, dataSn = 0; at < LENGTH; at += SEGMENT, dataSn++) {
    const last = at + SEGMENT >= LENGTH;
    const p: DataInPdu = {
      type: 'data-in',
      final: last,
      acknowledge: false,
      overflow: false,
      underflow: false,
      statusPresent: last,
      status: 0,
      lun: new Uint8Array(8),
      initiatorTaskTag: ITT,
      targetTransferTag: RESERVED_TAG,
      ...sn,
      dataSn,
      bufferOffset: at,
      residualCount: 0,
      data: source.subarray(at, at + SEGMENT),
    };
    pdus.push(wireBytes(p));
  }
  return pdus;
}

/** The recorded answer, mutated: PDUs dropped, repeated or swapped, then bytes overwritten. */
function mutate(pdus: readonly Uint8Array[], rnd: () => number): Uint8Array {
  const list = reorderPdus(pdus, rnd);
  const bytes = cat(...list);
  // Mostly header bytes: that is where the counts and offsets are.
  const flips = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < flips; k++) {
    const pdu = Math.floor(rnd() * list.length);
    const start = list.slice(0, pdu).reduce((n, p) => n + p.length, 0);
    const where = rnd() < 0.8 ? Math.floor(rnd() * 48) : Math.floor(rnd() * list[pdu]!.length);
    bytes[start + where] =
      rnd() < 0.5 ? Math.floor(rnd() * 256) : bytes[start + where]! ^ (1 << Math.floor(rnd() * 8));
  }
  return bytes;
}

/** The target PDUs in `bytes`, as the connection frames and decodes them, until one fails. */
function* framed(bytes: Uint8Array): Generator<TargetPdu> {
  const framer = new PduFramer();
  framer.maxDataSegmentLength = 262144;
  framer.push(bytes);
  for (;;) {
    const frame = framer.nextFrame();
    if (frame === undefined) return;
    const p: Pdu = decodePdu(frame);
    if (!p.type.endsWith('-in') && p.type !== 'scsi-response' && p.type !== 'r2t') continue;
    yield p as TargetPdu;
  }
}

function task(direction: 'in' | 'out'): Task {
  const command =
    direction === 'in'
      ? scsiCommand('READ(10)', h('28 00 00000000 00 0002 00'), 'in', { allocationLength: LENGTH })
      : scsiCommand('WRITE(10)', h('2A 00 00000000 00 0002 00'), 'out', { dataOut: source });
  return newTask(command, {
    itt: ITT,
    cmdSn: 3,
    lun: new Uint8Array(8),
    // The task only names its connection; nothing here sends.
    conn: undefined as unknown as IscsiConnection,
    timeoutMs: 1000,
    deadline: Infinity,
    signal: undefined,
  }).task;
}

describe('fuzzed target answers (issue 16)', () => {
  it('a READ: an error, or only bytes that arrived exactly once at their offset', () => {
    const good = readAnswer();
    const rnd = mulberry32(16);
    let results = 0;
    for (let n = 0; n < 100_000; n++) {
      const bytes = mutate(good, rnd);
      const t = task('in');
      // What the Data-In PDUs of this task delivered, counted here independently of task.ts.
      const delivered = new Uint8Array(LENGTH);
      const count = new Uint8Array(LENGTH);
      let result: ScsiResult | undefined;
      try {
        for (const p of framed(bytes)) {
          if (p.type !== 'data-in' || p.initiatorTaskTag !== ITT) continue;
          for (let i = 0; i < p.data.length && p.bufferOffset + i < LENGTH; i++) {
            delivered[p.bufferOffset + i] = p.data[i]!;
            count[p.bufferOffset + i] = count[p.bufferOffset + i]! + 1;
          }
          result = resultOfDataIn(t, p);
          if (result !== undefined) break;
        }
      } catch (e) {
        assert.ok(e instanceof DwError, `iteration ${n}: ${String(e)}`);
        continue;
      }
      if (result === undefined) continue; // incomplete: the session would time out
      results++;
      assert.equal(result.dataIn.length + result.residual, LENGTH, `iteration ${n}`);
      for (let i = 0; i < result.dataIn.length; i++) {
        if (count[i] !== 1 || result.dataIn[i] !== delivered[i]) {
          assert.fail(
            `iteration ${n}: byte ${i} delivered ${count[i]} times, returned ${result.dataIn[i]}`,
          );
        }
      }
    }
    // Mutations of data bytes alone leave a valid answer: some results must come through.
    assert.ok(results > 0);
  });

  it('a WRITE: an error, or a residual that never counts bytes not sent', () => {
    const rnd = mulberry32(7);
    for (let n = 0; n < 20_000; n++) {
      const t = task('out');
      // As if the pump had sent this much before the response came.
      t.sent = Math.floor(rnd() * 9) * SEGMENT;
      const good = wireBytes({
        ...scsiResponsePdu({ initiatorTaskTag: ITT, status: 0, ...sn, data: new Uint8Array(0) }),
        ...(rnd() < 0.5 ? { underflow: true, residualCount: LENGTH - t.sent } : {}),
      });
      const bytes = mutate([good], rnd);
      try {
        for (const p of framed(bytes)) {
          if (p.type !== 'scsi-response' || p.initiatorTaskTag !== ITT) continue;
          const r = resultOfScsiResponse(t, p);
          assert.ok(r.residual >= 0 && r.residual <= LENGTH, `iteration ${n}`);
          assert.ok(LENGTH - r.residual <= t.sent, `iteration ${n}: counted bytes never sent`);
        }
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof DwError, `iteration ${n}: ${String(e)}`);
      }
    }
  });
});
