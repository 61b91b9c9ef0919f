// The iSCSI session against a scripted in-process target: the data paths under negotiated keys
// tgt never uses (InitialR2T=No, small segments, several R2Ts), Data-In assembly, NOP-In pings,
// task management on timeout and cancel, lost connections, keep-alive, the CmdSN window,
// redirects, login failures, Reject and Async Logout requests. The target sends bytes from the
// independent builder (test/helpers/iscsi-pdus.ts), never from the codecs the session decodes with.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError, HR } from '../../src/errors.js';
import { scsiCommand, type ScsiCommand } from '../../src/scsi/command.js';
import { RESERVED_TAG } from '../../src/transport/iscsi/pdu-layout.js';
import type { DataOutPdu, ScsiCommandPdu } from '../../src/transport/iscsi/pdu-types.js';
import { openIscsiTransport, type IscsiTransport } from '../../src/transport/iscsi/index.js';
import { h } from '../helpers/bytes.js';
import {
  answerTaskManagement,
  FakeTarget,
  lun0,
  r2t,
  respond,
  type TargetScript,
} from '../helpers/fake-iscsi-target.js';
import { bhsBytes } from '../helpers/iscsi-pdus.js';

const targets: FakeTarget[] = [];
const transports: IscsiTransport[] = [];
after(async () => {
  for (const t of transports) await t.close();
  for (const t of targets) await t.close();
});

async function setup(
  script: TargetScript,
  options: Parameters<typeof openIscsiTransport>[1] = {},
): Promise<{ target: FakeTarget; t: IscsiTransport; port: number }> {
  const target = new FakeTarget(script);
  targets.push(target);
  const port = await target.listen();
  const t = await openIscsiTransport(target.url(port), { keepAliveIntervalMs: 0, ...options });
  transports.push(t);
  return { target, t, port };
}

const tur = (): ScsiCommand => scsiCommand('TEST UNIT READY', new Uint8Array(6), 'none');
const writeOf = (data: Uint8Array): ScsiCommand =>
  scsiCommand('WRITE(10)', h('2A 00 00000000 00 0000 00'), 'out', { dataOut: data });
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 1_000_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
};
const isHr = (hr: number) => (e: unknown) => e instanceof DwError && e.hr === hr;

describe('iSCSI session (scripted target)', () => {
  it('sends immediate, unsolicited and R2T-solicited data within the negotiated limits', async () => {
    const data = Uint8Array.from({ length: 40 * 1024 }, (_, i) => (i * 31) & 0xff);
    const received = new Uint8Array(data.length);
    const outs: DataOutPdu[] = [];
    let cmd: ScsiCommandPdu | undefined;
    const { t } = await setup(
      {
        keys: [
          ['MaxRecvDataSegmentLength', '4096'],
          ['InitialR2T', 'No'],
          ['ImmediateData', 'Yes'],
          ['FirstBurstLength', '16384'],
          ['MaxBurstLength', '16384'],
        ],
        onPdu(p, c) {
          if (p.type === 'scsi-command') {
            cmd = p;
            received.set(p.data, 0);
          } else if (p.type === 'data-out') {
            outs.push(p);
            received.set(p.data, p.bufferOffset);
            if (!p.final) return;
            // After the unsolicited burst: two R2Ts of at most MaxBurstLength, one at a time.
            if (p.targetTransferTag === RESERVED_TAG) r2t(c, cmd!, 0, 16384, 16384);
            else if (p.targetTransferTag === 0x1000) r2t(c, cmd!, 1, 32768, 8192);
            else respond(c, cmd!.initiatorTaskTag);
          }
        },
      },
      { offer: { initialR2T: false } },
    );
    const p = t.parameters!;
    assert.equal(p.targetMaxRecvDataSegmentLength, 4096);
    assert.equal(p.initialR2T, false);
    const r = await t.execute(writeOf(data));
    assert.equal(r.status, 0);
    assert.equal(r.residual, 0);
    assert.deepEqual(received, data);
    assert.equal(cmd!.data.length, 4096);
    assert.equal(cmd!.final, false); // unsolicited Data-Out follows
    assert.equal(cmd!.expectedDataTransferLength, data.length);
    const seq = outs.map((o) => [
      o.targetTransferTag,
      o.dataSn,
      o.bufferOffset,
      o.data.length,
      o.final,
    ]);
    assert.deepEqual(seq, [
      [RESERVED_TAG, 0, 4096, 4096, false],
      [RESERVED_TAG, 1, 8192, 4096, false],
      [RESERVED_TAG, 2, 12288, 4096, true],
      [0x1000, 0, 16384, 4096, false],
      [0x1000, 1, 20480, 4096, false],
      [0x1000, 2, 24576, 4096, false],
      [0x1000, 3, 28672, 4096, true],
      [0x1001, 0, 32768, 4096, false],
      [0x1001, 1, 36864, 4096, true],
    ]);
  });

  it('R2Ts for other ranges than the burst staged ahead get their own Data-Out', async () => {
    // InitialR2T=Yes as on tgt: after the immediate data the session stages the next
    // MaxBurstLength bytes ahead. The first WRITE's R2Ts split that range differently; the
    // second WRITE's R2T asks for exactly it.
    const outs: DataOutPdu[] = [];
    let cmd: ScsiCommandPdu | undefined;
    let received = new Uint8Array(0);
    let plan: [number, number][] = [];
    const { t } = await setup(
      {
        keys: [
          ['MaxRecvDataSegmentLength', '4096'],
          ['InitialR2T', 'Yes'],
          ['ImmediateData', 'Yes'],
          ['FirstBurstLength', '8192'],
          ['MaxBurstLength', '65536'],
        ],
        onPdu(p, c) {
          if (p.type === 'scsi-command') {
            cmd = p;
            received = new Uint8Array(p.expectedDataTransferLength);
            received.set(p.data, 0);
            const [offset, length] = plan.shift()!;
            r2t(c, p, 0, offset, length);
          } else if (p.type === 'data-out') {
            outs.push(p);
            received.set(p.data, p.bufferOffset);
            if (!p.final) return;
            const next = plan.shift();
            if (next === undefined) respond(c, cmd!.initiatorTaskTag);
            else r2t(c, cmd!, 1, next[0], next[1]);
          }
        },
      },
      { offer: { initialR2T: true } },
    );
    // Every 4 KiB block differs, so data sent for the wrong offset shows.
    const data = Uint8Array.from(
      { length: 40 * 1024 },
      (_, i) => (i * 13 + (i >> 12) * 101) & 0xff,
    );
    plan = [
      [4096, 12288],
      [16384, 24576],
    ];
    assert.equal((await t.execute(writeOf(data))).status, 0);
    assert.deepEqual(received, data);
    assert.deepEqual(
      outs.map((o) => [o.targetTransferTag, o.dataSn, o.bufferOffset, o.data.length, o.final]),
      [
        [0x1000, 0, 4096, 4096, false],
        [0x1000, 1, 8192, 4096, false],
        [0x1000, 2, 12288, 4096, true],
        ...Array.from({ length: 6 }, (_, k) => [0x1001, k, 16384 + 4096 * k, 4096, k === 5]),
      ],
    );
    outs.length = 0;
    const second = data.map((b) => b ^ 0x5a);
    plan = [[4096, 36864]];
    assert.equal((await t.execute(writeOf(second))).status, 0);
    assert.deepEqual(received, second);
    assert.deepEqual(
      outs.map((o) => [o.targetTransferTag, o.dataSn, o.bufferOffset, o.final]),
      Array.from({ length: 9 }, (_, k) => [0x1000, k, 4096 + 4096 * k, k === 8]),
    );
    assert.equal(t.stats.dataOutPdus, 18);
  });

  it('assembles Data-In, reports the residual, and returns CHECK CONDITION with its sense', async () => {
    const sense = h('70 00 05 00 00 00 00 0A 00 00 00 00 24 00 00 00 00 00');
    const { t } = await setup({
      onPdu(p, c) {
        if (p.type !== 'scsi-command') return;
        if (p.cdb[0] === 0x12) {
          const base = {
            type: 'data-in' as const,
            final: false,
            acknowledge: false,
            overflow: false,
            underflow: false,
            statusPresent: false,
            status: 0,
            lun: p.lun,
            initiatorTaskTag: p.initiatorTaskTag,
            targetTransferTag: RESERVED_TAG,
            ...c.sn(),
            residualCount: 0,
          };
          // Two PDUs of data, then status with an underflow residual of 4000.
          c.send({ ...base, dataSn: 0, bufferOffset: 0, data: new Uint8Array(3000).fill(1) });
          c.send({ ...base, dataSn: 1, bufferOffset: 3000, data: new Uint8Array(3000).fill(2) });
          c.send({
            ...base,
            final: true,
            statusPresent: true,
            underflow: true,
            residualCount: 4000,
            dataSn: 2,
            bufferOffset: 6000,
            data: new Uint8Array(0),
          });
          c.statSn++;
        } else respond(c, p.initiatorTaskTag, 2, sense);
      },
    });
    const r = await t.execute(
      scsiCommand('INQUIRY', h('12 00 00 27 10 00'), 'in', { allocationLength: 10000 }),
    );
    assert.equal(r.status, 0);
    assert.equal(r.dataIn.length, 6000);
    assert.equal(r.residual, 4000);
    assert.equal(r.dataIn[2999], 1);
    assert.equal(r.dataIn[3000], 2);
    const cc = await t.execute(tur());
    assert.equal(cc.status, 2);
    assert.deepEqual(cc.sense, sense);
  });

  it('answers target NOP-In pings with the TTT and ping data, without advancing CmdSN', async () => {
    const { target, t } = await setup({
      onPdu: (p, c) => p.type === 'scsi-command' && respond(c, p.initiatorTaskTag),
    });
    const c = target.conns[0]!;
    c.send({
      type: 'nop-in',
      lun: lun0,
      initiatorTaskTag: RESERVED_TAG,
      targetTransferTag: 0x55,
      ...c.sn(),
      data: h('70 69 6E 67'),
    });
    await until(() => c.received.some((p) => p.type === 'nop-out'));
    const nop = c.received.find((p) => p.type === 'nop-out');
    assert.ok(nop?.type === 'nop-out');
    assert.equal(nop.initiatorTaskTag, RESERVED_TAG);
    assert.equal(nop.targetTransferTag, 0x55);
    assert.equal(nop.immediate, true);
    assert.deepEqual(nop.data, h('70 69 6E 67'));
    await t.execute(tur());
    const cmd = c.received.find((p) => p.type === 'scsi-command');
    assert.ok(cmd?.type === 'scsi-command');
    assert.equal(cmd.cmdSn, nop.cmdSn);
    assert.equal(t.stats.nopInPingsAnswered, 1);
  });

  it('on timeout sends ABORT TASK and rejects with 0xC0AA020D; cancel rejects with 0xC0AA0002', async () => {
    const { target, t } = await setup({
      onPdu(p, c) {
        if (p.type === 'task-management-request') answerTaskManagement(c, p.initiatorTaskTag);
        // SCSI commands are never answered.
      },
    });
    await assert.rejects(
      t.execute(tur(), { timeoutMs: 20 }),
      isHr(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT),
    );
    const c = target.conns[0]!;
    const cmd = c.received.find((p) => p.type === 'scsi-command');
    const tmf = c.received.find((p) => p.type === 'task-management-request');
    assert.ok(cmd?.type === 'scsi-command' && tmf?.type === 'task-management-request');
    assert.equal(tmf.function, 1);
    assert.equal(tmf.referencedTaskTag, cmd.initiatorTaskTag);
    assert.equal(tmf.refCmdSn, cmd.cmdSn);
    assert.equal(tmf.immediate, true);

    const ac = new AbortController();
    const pending = t.execute(tur(), { signal: ac.signal });
    await until(() => c.received.filter((p) => p.type === 'scsi-command').length === 2);
    ac.abort();
    await assert.rejects(pending, isHr(HR.E_IMAPI_REQUEST_CANCELLED));
    assert.equal(t.stats.abortsSent, 2);
    // An already aborted signal never reaches the target.
    await assert.rejects(
      t.execute(tur(), { signal: AbortSignal.abort() }),
      isHr(HR.E_IMAPI_REQUEST_CANCELLED),
    );
    assert.equal(c.received.filter((p) => p.type === 'scsi-command').length, 2);
  });

  // The bound turns a missed deadline (the 20 ms command waiting for the 60 s one) into a failure.
  it(
    'times each command against its own deadline, across commands with different timeouts',
    { timeout: 10_000 },
    async () => {
      // The answer to the n-th SCSI command: 'now', after a delay, or never (then ABORT TASK).
      const plan: ({ kind: 'now' } | { kind: 'later'; ms: number } | { kind: 'never' })[] = [
        { kind: 'now' },
        { kind: 'later', ms: 80 },
        { kind: 'never' },
        { kind: 'now' },
      ];
      let n = 0;
      const { t } = await setup({
        onPdu(p, c) {
          if (p.type === 'task-management-request') {
            answerTaskManagement(c, p.initiatorTaskTag);
            return;
          }
          if (p.type !== 'scsi-command') return;
          const step = plan[n++];
          if (step?.kind === 'now') respond(c, p.initiatorTaskTag);
          // A slow drive: the answer comes well after the previous command's deadline.
          else if (step?.kind === 'later')
            setTimeout(() => respond(c, p.initiatorTaskTag), step.ms);
        },
      });
      // Leaves a deadline 30 ms out that no command is waiting for any more.
      assert.equal((await t.execute(tur(), { timeoutMs: 30 })).status, 0);
      // Still in flight when that deadline passes: it must not time out.
      assert.equal((await t.execute(tur(), { timeoutMs: 60_000 })).status, 0);
      // A shorter deadline than the one pending (60 s) must still fire.
      await assert.rejects(
        t.execute(tur(), { timeoutMs: 20 }),
        isHr(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT),
      );
      assert.equal(t.stats.abortsSent, 1);
      assert.equal((await t.execute(tur())).status, 0);
      assert.equal(n, 4);
    },
  );

  it('drops the connection when ABORT TASK goes unanswered, and logs in again next time', async () => {
    let answer = false;
    const { target, t } = await setup(
      { onPdu: (p, c) => answer && p.type === 'scsi-command' && respond(c, p.initiatorTaskTag) },
      { taskManagementTimeoutMs: 20 },
    );
    await assert.rejects(
      t.execute(tur(), { timeoutMs: 20 }),
      isHr(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT),
    );
    assert.equal(t.connected, false);
    answer = true;
    assert.equal((await t.execute(tur())).status, 0);
    assert.equal(t.stats.logins, 2);
    assert.equal(target.conns.length, 2);
  });

  it('a connection lost mid-command rejects with 0x80070037; without autoReconnect it stays lost', async () => {
    const { t } = await setup(
      { onPdu: (p, c) => p.type === 'scsi-command' && c.destroy() },
      { autoReconnect: false },
    );
    await assert.rejects(t.execute(tur()), isHr(HR.ERROR_DEV_NOT_EXIST));
    await assert.rejects(t.execute(tur()), isHr(HR.ERROR_DEV_NOT_EXIST));
  });

  it('rejects overlapping commands with E_FAIL and commands after close with 0x80070006', async () => {
    const { target, t } = await setup({
      onPdu: (p, c) =>
        p.type === 'scsi-command' && setImmediate(() => respond(c, p.initiatorTaskTag)),
    });
    const first = t.execute(tur());
    await assert.rejects(t.execute(tur()), isHr(HR.E_FAIL));
    assert.equal((await first).status, 0);
    await t.close();
    await t.close();
    await assert.rejects(t.execute(tur()), isHr(HR.ERROR_INVALID_HANDLE));
    assert.ok(target.conns[0]!.received.some((p) => p.type === 'logout-request'));
  });

  it('keep-alive: a target that stops answering ends the connection with 0x80070037', async () => {
    const { t } = await setup(
      { onPdu: () => undefined },
      { keepAliveIntervalMs: 20, keepAliveTimeoutMs: 20, autoReconnect: false },
    );
    await until(() => !t.connected);
    await assert.rejects(t.execute(tur()), isHr(HR.ERROR_DEV_NOT_EXIST));
  });

  it('waits for the CmdSN window to open (asks with a NOP-Out)', async () => {
    const { target, t } = await setup({
      window: -1, // MaxCmdSN = ExpCmdSN - 1: closed
      onPdu(p, c) {
        if (p.type === 'nop-out' && p.initiatorTaskTag !== RESERVED_TAG) {
          c.maxCmdSnWindow = 4;
          c.send({
            type: 'nop-in',
            lun: lun0,
            initiatorTaskTag: p.initiatorTaskTag,
            targetTransferTag: RESERVED_TAG,
            ...c.sn(),
            data: new Uint8Array(0),
          });
          c.statSn++;
        } else if (p.type === 'scsi-command') respond(c, p.initiatorTaskTag);
      },
    });
    assert.equal((await t.execute(tur())).status, 0);
    const kinds = target.conns[0]!.received.map((p) => p.type);
    assert.ok(kinds.indexOf('nop-out') < kinds.indexOf('scsi-command'));
  });

  it('follows a login redirect', async () => {
    const real = new FakeTarget({
      onPdu: (p, c) => p.type === 'scsi-command' && respond(c, p.initiatorTaskTag),
    });
    targets.push(real);
    const realPort = await real.listen();
    const { t } = await setup({
      loginStatus: { cls: 1, detail: 1, keys: [['TargetAddress', `127.0.0.1:${realPort},1`]] },
    });
    assert.equal(real.logins, 1);
    assert.equal((await t.execute(tur())).status, 0);
  });

  it('maps login failures: not found → 0x80070037, auth → E_ACCESSDENIED, target error → 0x8007045D', async () => {
    for (const [cls, detail, hr] of [
      [2, 3, HR.ERROR_DEV_NOT_EXIST],
      [2, 1, HR.E_ACCESSDENIED],
      [3, 1, HR.ERROR_IO_DEVICE],
    ] as const) {
      const target = new FakeTarget({ loginStatus: { cls, detail } });
      targets.push(target);
      const port = await target.listen();
      await assert.rejects(openIscsiTransport(target.url(port)), isHr(hr));
    }
    // Nobody listening: the device is gone.
    const gone = new FakeTarget({});
    const port = await gone.listen();
    await gone.close();
    await assert.rejects(openIscsiTransport(gone.url(port)), isHr(HR.ERROR_DEV_NOT_EXIST));
  });

  it('a Reject of the command fails it with 0x8007045D', async () => {
    const { t } = await setup({
      onPdu(p, c) {
        if (p.type !== 'scsi-command') return;
        c.send({
          type: 'reject',
          reason: 0x04,
          ...c.sn(),
          dataSnR2tSn: 0,
          data: bhsBytes(p),
        });
        c.statSn++;
      },
    });
    await assert.rejects(t.execute(tur()), isHr(HR.ERROR_IO_DEVICE));
  });

  it('logs out when the target asks (Async Message) and logs in again on the next command', async () => {
    const { target, t } = await setup({
      onPdu: (p, c) => p.type === 'scsi-command' && respond(c, p.initiatorTaskTag),
    });
    const c = target.conns[0]!;
    c.send({
      type: 'async-message',
      lun: lun0,
      ...c.sn(),
      asyncEvent: 1,
      asyncVCode: 0,
      parameter1: 0,
      parameter2: 0,
      parameter3: 5,
      data: new Uint8Array(0),
    });
    await until(() => !t.connected);
    assert.ok(c.received.some((p) => p.type === 'logout-request'));
    assert.equal((await t.execute(tur())).status, 0);
    assert.equal(t.stats.logins, 2);
  });
});
