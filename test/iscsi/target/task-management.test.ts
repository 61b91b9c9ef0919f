// Task management and unit attention on discwright's iSCSI target, PDU by PDU (RFC 7143 §11.5,
// SAM-5 7, SPC-4 5.14): ABORT TASK of a WRITE waiting for Data-Out (answered at once, its late
// Data-Out dropped) and of a command the drive is executing (answered when the drive is done,
// its result never sent), ABORT TASK of a task that does not exist, LOGICAL UNIT RESET aborting
// another session's queued command, TARGET WARM RESET, and the unit attention each nexus then
// sees once: 29/03 or 29/00 after a reset, 28/00 after a media change reported to another
// session; INQUIRY leaves it pending, REQUEST SENSE returns and clears it. The drive runs on a
// manual VirtualClock with latency, so "running on the drive" is a state the test controls.

import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/transport/clock.js';
import { openVirtualDrive, type VirtualDrive } from '../../../src/transport/emulated/index.js';
import { IscsiTarget } from '../../../src/transport/iscsi/target/index.js';
import {
  LUN0,
  command,
  loggedIn,
  lunField,
  nopOut,
  statusOf,
  taskManagement,
  type Raw,
} from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:tmf';
const TUR = [0x00, 0, 0, 0, 0, 0];
const INQUIRY = [0x12, 0, 0, 0, 36, 0];
const REQUEST_SENSE = [0x03, 0, 0, 0, 18, 0];
const RESERVE_6 = [0x16, 0, 0, 0, 0, 0];
const RELEASE_6 = [0x17, 0, 0, 0, 0, 0];
const ABORT_TASK = 1;
const CLEAR_ACA = 3;
const CLEAR_TASK_SET = 4;
const LUN_RESET = 5;
const TARGET_WARM_RESET = 6;

/** Waits until the drive sleeps on the clock (a command is executing). */
async function driveBusy(clock: VirtualClock): Promise<void> {
  while (clock.pending === 0) await new Promise((r) => setImmediate(r));
}

/** The TMF response's code, checking the PDU is one for `itt`. */
async function tmfResponse(raw: Raw, itt: number): Promise<number> {
  const a = await raw.next();
  assert.equal(a.bhs[0]! & 0x3f, 0x22, 'Task Management Function Response expected');
  assert.equal(a.bhs.readUInt32BE(16), itt);
  return a.bhs[2]!;
}

/** The next PDU answers the NOP-Out `itt` (nothing else was pending before it). */
async function nopAnswered(raw: Raw, itt: number, cmdSn: number): Promise<void> {
  raw.send(nopOut(itt, cmdSn));
  const a = await raw.next();
  assert.equal(a.bhs[0]! & 0x3f, 0x20, 'NOP-In expected, not an answer to an aborted task');
  assert.equal(a.bhs.readUInt32BE(16), itt);
}

async function run(
  raw: Raw,
  itt: number,
  cmdSn: number,
  cdb: number[],
  edtl = 0,
  lun: Uint8Array = LUN0,
) {
  raw.send(command(itt, cmdSn, cdb, edtl, lun));
  const a = await raw.next();
  assert.equal(a.bhs.readUInt32BE(16), itt);
  return { ...statusOf(a), data: a.data };
}

describe('iSCSI target: task management and unit attention', () => {
  const clock = new VirtualClock({ auto: false });
  let drives: VirtualDrive[];
  let target: IscsiTarget;
  const open: Raw[] = [];
  const session = async (isid: number) => {
    const raw = await loggedIn(target.port, IQN, { isid });
    open.push(raw);
    return raw;
  };
  /**
   * Session A's TEST UNIT READY runs on LUN 0's drive and B's waits behind it when A sends the
   * task management function `fn`; resolves with both sessions once `fn` is complete and A got
   * no answer for its TUR (B's is checked by the caller).
   */
  const functionOverTwoTasks = async (fn: number): Promise<[Raw, Raw]> => {
    const a = await session(2);
    const b = await session(3);
    drives[0]!.control.faults.latency(1000);
    a.send(command(1, 10, TUR, 0));
    await driveBusy(clock);
    b.send(command(1, 10, TUR, 0)); // queued on the LUN behind A's
    await nopAnswered(b, 9, 11);
    a.send(taskManagement(fn, 2, 11));
    await nopAnswered(a, 9, 11);
    drives[0]!.control.faults.latency(0);
    clock.advance(1000);
    assert.equal(await tmfResponse(a, 2), 0); // function complete
    await nopAnswered(a, 3, 11);
    return [a, b];
  };
  before(async () => {
    drives = [
      await openVirtualDrive('virtual:dvd+r', { clock }),
      await openVirtualDrive('virtual:bd-re', { clock }),
    ];
    target = new IscsiTarget({ luns: drives, targetName: IQN, port: 0 });
    await target.listen();
  });
  beforeEach(async () => {
    for (const r of open.splice(0)) r.destroy();
    for (const d of drives) d.control.faults.latency(0);
    // Let the target see those connections close (their nexuses leave).
    await new Promise((r) => setTimeout(r, 20));
  });
  after(async () => {
    for (const r of open) r.destroy();
    await target.close(0);
    for (const d of drives) await d.close();
  });

  it('aborts a WRITE waiting for Data-Out at once and drops its late Data-Out', async () => {
    const a = await session(2);
    a.send(
      command(1, 10, [0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], 2048, LUN0, {
        immediate: new Uint8Array(0),
      }),
    );
    const r2t = await a.next();
    assert.equal(r2t.bhs[0]! & 0x3f, 0x31); // R2T
    const ttt = r2t.bhs.readUInt32BE(20);
    a.send(taskManagement(ABORT_TASK, 2, 11, { referencedTaskTag: 1, refCmdSn: 10 }));
    assert.equal(await tmfResponse(a, 2), 0); // function complete
    a.send({
      type: 'data-out',
      final: true,
      lun: LUN0,
      initiatorTaskTag: 1,
      targetTransferTag: ttt,
      expStatSn: 0,
      dataSn: 0,
      bufferOffset: 0,
      data: new Uint8Array(2048),
    });
    await nopAnswered(a, 3, 11);
    assert.equal((await run(a, 4, 11, TUR)).status, 0);
  });

  it('aborts a command the drive is executing when the drive is done, and sends no result', async () => {
    const a = await session(2);
    drives[0]!.control.faults.latency(1000);
    a.send(command(1, 10, TUR, 0));
    await driveBusy(clock);
    a.send(taskManagement(ABORT_TASK, 2, 11, { referencedTaskTag: 1, refCmdSn: 10 }));
    // Answered in order: the TMF was taken, and neither it nor the task has answered yet.
    await nopAnswered(a, 3, 11);
    drives[0]!.control.faults.latency(0);
    clock.advance(1000);
    assert.equal(await tmfResponse(a, 2), 0);
    await nopAnswered(a, 4, 11);
  });

  it('answers ABORT TASK of an unknown, already answered task with "task does not exist"', async () => {
    const a = await session(2);
    assert.equal((await run(a, 1, 10, TUR)).status, 0);
    a.send(taskManagement(ABORT_TASK, 2, 11, { referencedTaskTag: 1, refCmdSn: 10 }));
    assert.equal(await tmfResponse(a, 2), 1);
  });

  it("LUN RESET aborts every session's tasks of the LUN and reports 29/03 to each nexus once", async () => {
    const [a, b] = await functionOverTwoTasks(LUN_RESET);
    // Each nexus sees the reset once; INQUIRY neither reports nor clears it.
    assert.deepEqual(await run(a, 4, 11, TUR).then((r) => r.sense), [6, 0x29, 0x03]);
    assert.equal((await run(a, 5, 12, TUR)).status, 0);
    const inquiry = await run(b, 2, 11, INQUIRY, 36);
    assert.equal(inquiry.status, 0, 'B gets no answer to its aborted TUR, then INQUIRY');
    const sense = await run(b, 3, 12, REQUEST_SENSE, 18);
    assert.equal(sense.status, 0);
    assert.deepEqual([sense.data[2]! & 0x0f, sense.data[12], sense.data[13]], [6, 0x29, 0x03]);
    assert.equal((await run(b, 4, 13, TUR)).status, 0);
    // The other LUN was not reset.
    assert.equal((await run(b, 5, 14, TUR, 0, lunField(1))).status, 0);
  });

  it("CLEAR TASK SET aborts every session's tasks of the LUN; the other nexus gets 2F/00 once", async () => {
    const [a, b] = await functionOverTwoTasks(CLEAR_TASK_SET);
    // Neither aborted TUR is answered; the issuer gets no unit attention, the unit no reset.
    assert.equal((await run(a, 4, 11, TUR)).status, 0);
    await nopAnswered(b, 2, 11);
    assert.deepEqual((await run(b, 3, 11, TUR)).sense, [6, 0x2f, 0x00]);
    assert.equal((await run(b, 4, 12, TUR)).status, 0);
    // The other LUN's tasks were not touched.
    assert.equal((await run(b, 5, 13, TUR, 0, lunField(1))).status, 0);
  });

  it('CLEAR TASK SET keeps the reservation and gives a nexus without tasks no unit attention', async () => {
    const a = await session(2);
    const b = await session(3);
    assert.equal((await run(a, 1, 10, RESERVE_6)).status, 0);
    a.send(taskManagement(CLEAR_TASK_SET, 2, 11));
    assert.equal(await tmfResponse(a, 2), 0);
    assert.equal((await run(b, 1, 10, TUR)).status, 0x18, 'RESERVATION CONFLICT, no 2F/00');
    assert.equal((await run(a, 3, 11, RELEASE_6)).status, 0);
    assert.equal((await run(b, 2, 11, TUR)).status, 0);
  });

  it('answers CLEAR TASK SET of a LUN not served "LUN does not exist", CLEAR ACA "not supported"', async () => {
    const a = await session(2);
    a.send(taskManagement(CLEAR_TASK_SET, 1, 10, { lun: lunField(7) }));
    assert.equal(await tmfResponse(a, 1), 2);
    a.send(taskManagement(CLEAR_ACA, 2, 10));
    assert.equal(await tmfResponse(a, 2), 5);
  });

  it('TARGET WARM RESET reports 29/00 on every LUN to every nexus', async () => {
    const a = await session(2);
    const b = await session(3);
    a.send(taskManagement(TARGET_WARM_RESET, 1, 10));
    assert.equal(await tmfResponse(a, 1), 0);
    for (const [raw, lun] of [
      [a, 0],
      [a, 1],
      [b, 0],
      [b, 1],
    ] as const) {
      const sn = 10 + lun;
      assert.deepEqual((await run(raw, 10 + lun, sn, TUR, 0, lunField(lun))).sense, [6, 0x29, 0]);
    }
    assert.equal((await run(b, 20, 12, TUR)).status, 0);
  });

  it('reports a media change seen by one session to every other session once', async () => {
    const a = await session(2);
    const b = await session(3);
    await drives[0]!.control.load('dvd+r');
    assert.deepEqual((await run(a, 1, 10, TUR)).sense, [6, 0x28, 0]);
    assert.equal((await run(a, 2, 11, TUR)).status, 0);
    assert.deepEqual((await run(b, 1, 10, TUR)).sense, [6, 0x28, 0]);
    assert.equal((await run(b, 2, 11, TUR)).status, 0);
  });
});
