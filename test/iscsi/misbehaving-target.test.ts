// The iSCSI initiator against a target that misbehaves, one way per test (docs/iscsi.md, "What
// the initiator checks and refuses"): WRITE residuals and GOOD without the data, Data-In with
// holes, overlaps, reordering and overruns, R2Ts outside the transfer, oversized segments,
// login floods, ping floods, Rejects and target failures. Each asserts the HRESULT, that no
// wrong data comes back as a result, and that the failure comes at once: well inside the
// configured command and login timeouts, which the tests set to bounds a wait would reach.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError, HR } from '../../src/errors.js';
import { scsiCommand, type ScsiCommand } from '../../src/scsi/command.js';
import { openIscsiTransport, type IscsiTransport } from '../../src/transport/iscsi/index.js';
import {
  LOGIN_MAX_CONTINUATIONS,
  LOGIN_MAX_DATA_SEGMENT,
  LOGIN_MAX_RESPONSES,
} from '../../src/transport/iscsi/login.js';
import { MAX_ECHOES_IN_FLIGHT } from '../../src/transport/iscsi/keep-alive.js';
import { RESERVED_TAG } from '../../src/transport/iscsi/pdu-layout.js';
import type { ScsiCommandPdu } from '../../src/transport/iscsi/pdu-types.js';
import { encodeTextPairs } from '../../src/transport/iscsi/text.js';
import { h } from '../helpers/bytes.js';
import {
  dataIn,
  FakeTarget,
  lun0,
  r2t,
  respond,
  type Conn,
  type TargetScript,
} from '../helpers/fake-iscsi-target.js';
import { bhsBytes, scsiResponsePdu, wireBytes } from '../helpers/iscsi-pdus.js';

/** Bounds a correct initiator never waits out here: a failure must come before them. */
const COMMAND_TIMEOUT_MS = 5000;
const LOGIN_TIMEOUT_MS = 5000;

const targets: FakeTarget[] = [];
const transports: IscsiTransport[] = [];
after(async () => {
  for (const t of transports) await t.close();
  for (const t of targets) await t.close();
});

async function setup(script: TargetScript): Promise<{ target: FakeTarget; t: IscsiTransport }> {
  const target = new FakeTarget(script);
  targets.push(target);
  const port = await target.listen();
  const t = await openIscsiTransport(target.url(port), {
    keepAliveIntervalMs: 0,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    loginTimeoutMs: LOGIN_TIMEOUT_MS,
  });
  transports.push(t);
  return { target, t };
}

/** A login against `script` that must fail: its error and how long it took. */
async function failedLogin(script: TargetScript): Promise<{ e: DwError; ms: number }> {
  const target = new FakeTarget(script);
  targets.push(target);
  const port = await target.listen();
  const started = performance.now();
  try {
    const t = await openIscsiTransport(target.url(port), {
      keepAliveIntervalMs: 0,
      loginTimeoutMs: LOGIN_TIMEOUT_MS,
    });
    transports.push(t);
  } catch (e) {
    assert.ok(e instanceof DwError, String(e));
    return { e, ms: performance.now() - started };
  }
  throw new Error('the login succeeded');
}

/** Runs `command`, which must reject: its error and how long it took. */
async function failed(
  t: IscsiTransport,
  command: ScsiCommand,
): Promise<{ e: DwError; ms: number }> {
  const started = performance.now();
  try {
    const r = await t.execute(command);
    assert.fail(
      `resolved with status ${r.status}, ${r.dataIn.length} bytes, residual ${r.residual}`,
    );
  } catch (e) {
    assert.ok(e instanceof DwError, String(e));
    return { e, ms: performance.now() - started };
  }
}

/** The target broke the protocol: 0xC0AA02FF, never retried, before any timeout. */
function assertViolation(f: { e: DwError; ms: number }, text: RegExp): void {
  assert.equal(f.e.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, f.e.message);
  assert.equal(f.e.retryable, false);
  assert.match(f.e.message, text);
  assert.ok(f.ms < COMMAND_TIMEOUT_MS, `failed after ${f.ms} ms`);
}

const BLOCKS = 32;
const LENGTH = BLOCKS * 2048;
const source = Uint8Array.from({ length: LENGTH }, (_, i) => (i * 7 + (i >> 11)) & 0xff);
const write10 = (): ScsiCommand =>
  scsiCommand('WRITE(10)', h('2A 00 00000080 00 0020 00'), 'out', { dataOut: source });
const read10 = (): ScsiCommand =>
  scsiCommand('READ(10)', h('28 00 00000080 00 0020 00'), 'in', { allocationLength: LENGTH });
const tur = (): ScsiCommand => scsiCommand('TEST UNIT READY', new Uint8Array(6), 'none');

/** A write target that gathers what the initiator sends and lets `answer` decide the rest. */
function writeTarget(
  answer: (cmd: ScsiCommandPdu, c: Conn, received: () => number) => void,
  afterData?: (cmd: ScsiCommandPdu, c: Conn, received: number) => void,
): TargetScript {
  let cmd: ScsiCommandPdu | undefined;
  let received = 0;
  return {
    onPdu(p, c) {
      if (p.type === 'scsi-command') {
        cmd = p;
        received = p.data.length;
        if (p.write) answer(p, c, () => received);
        else respond(c, p.initiatorTaskTag);
      } else if (p.type === 'data-out') {
        received += p.data.length;
        if (p.final && cmd !== undefined) afterData?.(cmd, c, received);
      }
    },
  };
}

describe('a WRITE is counted, not believed', () => {
  it('GOOD with an underflow residual: the result says what the target took (nothing)', async () => {
    const { t } = await setup(
      writeTarget((cmd, c) =>
        respond(c, cmd.initiatorTaskTag, 0, undefined, { underflow: true, residualCount: LENGTH }),
      ),
    );
    const r = await t.execute(write10());
    assert.equal(r.status, 0);
    assert.equal(r.residual, LENGTH);
  });

  it('GOOD without an R2T for the rest: a protocol violation naming both numbers', async () => {
    const { target, t } = await setup(writeTarget((cmd, c) => respond(c, cmd.initiatorTaskTag)));
    const f = await failed(t, write10());
    // Only the immediate data (the target's default 8192-byte segments) went out.
    assertViolation(f, /claims 65536 of 65536 bytes taken, but only 8192 were sent/);
    assert.equal(target.received().filter((p) => p.type === 'data-out').length, 0);
    // The connection was dropped; the next command logs in again and works.
    assert.equal((await t.execute(tur())).status, 0);
    assert.equal(t.stats.logins, 2);
  });

  it('GOOD after half the R2Ts: a protocol violation', async () => {
    const { t } = await setup(
      writeTarget(
        (cmd, c) => r2t(c, cmd, 0, 8192, 24576),
        (cmd, c) => respond(c, cmd.initiatorTaskTag),
      ),
    );
    assertViolation(
      await failed(t, write10()),
      /claims 65536 of 65536 bytes taken, but only 32768/,
    );
  });

  it('GOOD with a residual overflow: a protocol violation', async () => {
    const { t } = await setup(
      writeTarget(
        (cmd, c) => r2t(c, cmd, 0, 8192, LENGTH - 8192),
        (cmd, c) =>
          respond(c, cmd.initiatorTaskTag, 0, undefined, { overflow: true, residualCount: 2048 }),
      ),
    );
    assertViolation(await failed(t, write10()), /residual overflow of 2048 bytes/);
  });

  it('status in a Data-In for a WRITE: a protocol violation', async () => {
    const { t } = await setup(
      writeTarget((cmd, c) =>
        dataIn(c, cmd, { dataSn: 0, bufferOffset: 0, data: new Uint8Array(0), status: 0 }),
      ),
    );
    assertViolation(await failed(t, write10()), /Data-In for a command that reads no data/);
  });

  for (const [name, offset, length, text] of [
    ['beyond the transfer', 8192, LENGTH, /of a 65536-byte transfer/],
    ['for bytes already sent', 0, 8192, /the next sequence starts at byte 8192/],
    ['longer than MaxBurstLength', 8192, 0x1000000 - 8192, /transfer|MaxBurstLength/],
    ['for no bytes', 8192, 0, /asks for no data/],
  ] as const) {
    it(`an R2T ${name}: a protocol violation, nothing sent for it`, async () => {
      const { target, t } = await setup(writeTarget((cmd, c) => r2t(c, cmd, 0, offset, length)));
      assertViolation(await failed(t, write10()), text);
      assert.equal(target.received().filter((p) => p.type === 'data-out').length, 0);
    });
  }

  it('an R2T with the reserved Target Transfer Tag: a protocol violation', async () => {
    const { t } = await setup(
      writeTarget((cmd, c) =>
        c.send({
          type: 'r2t',
          lun: cmd.lun,
          initiatorTaskTag: cmd.initiatorTaskTag,
          targetTransferTag: RESERVED_TAG,
          ...c.sn(),
          r2tSn: 0,
          bufferOffset: 8192,
          desiredDataTransferLength: 8192,
        }),
      ),
    );
    assertViolation(await failed(t, write10()), /reserved Target Transfer Tag/);
  });

  it('a second R2T while one is outstanding, or a skipped R2TSN: a protocol violation', async () => {
    const { t } = await setup(
      writeTarget((cmd, c) => {
        r2t(c, cmd, 0, 8192, 8192);
        r2t(c, cmd, 2, 16384, 8192);
      }),
    );
    assertViolation(await failed(t, write10()), /R2TSN 1 was due/);
  });
});

describe('a READ returns only bytes that arrived, once, in order', () => {
  const readTarget = (send: (cmd: ScsiCommandPdu, c: Conn) => void): TargetScript => ({
    onPdu(p, c) {
      if (p.type === 'scsi-command' && p.read) send(p, c);
    },
  });
  const part = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  it('a hole in the Data-In sequence is never filled with zeros', async () => {
    const { t } = await setup(
      readTarget((cmd, c) => {
        dataIn(c, cmd, { dataSn: 0, bufferOffset: 0, data: part(16384, 1) });
        dataIn(c, cmd, { dataSn: 1, bufferOffset: 32768, data: part(32768, 2), status: 0 });
      }),
    );
    assertViolation(await failed(t, read10()), /offset 32768 where 16384 was due \(a gap\)/);
  });

  it('overlapping Data-In: a protocol violation', async () => {
    const { t } = await setup(
      readTarget((cmd, c) => {
        dataIn(c, cmd, { dataSn: 0, bufferOffset: 0, data: part(32768, 1) });
        dataIn(c, cmd, { dataSn: 1, bufferOffset: 16384, data: part(49152, 2), status: 0 });
      }),
    );
    assertViolation(await failed(t, read10()), /an overlap/);
  });

  it('Data-In out of order (DataPDUInOrder=Yes): a protocol violation', async () => {
    const { t } = await setup(
      readTarget((cmd, c) => {
        dataIn(c, cmd, { dataSn: 1, bufferOffset: 32768, data: part(32768, 2) });
        dataIn(c, cmd, { dataSn: 0, bufferOffset: 0, data: part(32768, 1), status: 0 });
      }),
    );
    assertViolation(await failed(t, read10()), /DataSN 1 where 0 was due/);
  });

  it('Data-In beyond the allocation length: a protocol violation', async () => {
    const { t } = await setup(
      readTarget((cmd, c) => {
        dataIn(c, cmd, { dataSn: 0, bufferOffset: 0, data: part(LENGTH, 1) });
        dataIn(c, cmd, { dataSn: 1, bufferOffset: LENGTH, data: part(4, 2), status: 0 });
      }),
    );
    assertViolation(await failed(t, read10()), /bytes 65536\.\.65540 of a 65536-byte allocation/);
  });

  it('GOOD claiming every byte when the last ones never came: a protocol violation', async () => {
    const { t } = await setup(
      readTarget((cmd, c) => {
        dataIn(c, cmd, { dataSn: 0, bufferOffset: 0, data: part(32768, 1), status: 0 });
      }),
    );
    assertViolation(
      await failed(t, read10()),
      /claims 65536 of 65536 bytes transferred, but 32768 arrived/,
    );
  });

  it('GOOD with a matching underflow residual is a short result, not zeros', async () => {
    const { t } = await setup(
      readTarget((cmd, c) => {
        dataIn(c, cmd, { dataSn: 0, bufferOffset: 0, data: part(32768, 1) });
        respond(c, cmd.initiatorTaskTag, 0, undefined, { underflow: true, residualCount: 32768 });
      }),
    );
    const r = await t.execute(read10());
    assert.equal(r.dataIn.length, 32768);
    assert.equal(r.residual, 32768);
    assert.ok(r.dataIn.every((b) => b === 1));
  });
});

describe('incoming PDUs are bounded before anything is buffered', () => {
  it('a DataSegmentLength over the MaxRecvDataSegmentLength declared: dropped at once', async () => {
    const { t } = await setup(readTarget16MiB());
    const f = await failed(t, read10());
    assertViolation(f, /DataSegmentLength 16777215 exceeds the MaxRecvDataSegmentLength of 262144/);
    assert.equal(t.connected, false);
  });

  it('a NOP-In flood from a target that does not read: echoes stop at a few in flight', async () => {
    const PING = 262144;
    const PINGS = 160; // 40 MiB: well beyond what the kernel's socket buffers absorb
    const { target, t } = await setup({ onPdu: () => undefined });
    const c = target.conns[0]!;
    c.socket.pause(); // never reads again
    let maxBacklog = 0;
    const ping = new Uint8Array(PING).fill(0x70);
    for (let i = 0; i < PINGS; i++) {
      c.send({
        type: 'nop-in',
        lun: lun0,
        initiatorTaskTag: RESERVED_TAG,
        targetTransferTag: 0x100 + i,
        ...c.sn(),
        data: ping,
      });
      await new Promise((r) => setImmediate(r));
      maxBacklog = Math.max(maxBacklog, t.sendBacklog);
    }
    // Let the initiator read what is left of the flood.
    for (
      let i = 0;
      i < 200 && t.stats.nopInPingsAnswered + t.stats.nopInPingsUnanswered < PINGS;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 5));
      maxBacklog = Math.max(maxBacklog, t.sendBacklog);
    }
    const s = t.stats;
    assert.equal(s.nopInPingsAnswered + s.nopInPingsUnanswered, PINGS);
    assert.ok(s.nopInPingsUnanswered > 0, 'every ping was answered');
    // The socket's high-water mark (16 KiB), one echo that crossed it and the few allowed after.
    const echo = 48 + PING;
    assert.ok(
      maxBacklog <= 16384 + (MAX_ECHOES_IN_FLIGHT + 1) * echo,
      `${maxBacklog} bytes waited in the socket`,
    );
  });

  const loginWith = (login: NonNullable<TargetScript['login']>) => failedLogin({ login });

  it('login: a response for another task tag is refused', async () => {
    const f = await loginWith((_p, c, a) => c.send({ ...a, initiatorTaskTag: 7 }));
    assertViolation(f, /task tag 0x7/);
  });

  it('login: a jump from the security stage straight to full feature phase is refused', async () => {
    const f = await loginWith((_p, c, a) => c.send(a.csg === 0 ? { ...a, nsg: 3 } : a));
    assertViolation(f, /moves to stage 3 where stage 1 was asked/);
  });

  it('login: a reserved next stage is refused at once (not "no login response")', async () => {
    const f = await loginWith((_p, c, a) => c.send(a.csg === 0 ? { ...a, nsg: 2 } : a));
    assertViolation(f, /moves to stage 2/);
  });

  it('login: endless continued responses are refused after a bounded number', async () => {
    let rounds = 0;
    const f = await loginWith((p, c, a) => {
      if (p.csg !== 0) return c.send(a);
      rounds++;
      c.send({
        ...a,
        transit: false,
        continue: true,
        data: encodeTextPairs([['X-a', 'b'.repeat(100)]]),
      });
    });
    assertViolation(f, new RegExp(`more than ${LOGIN_MAX_CONTINUATIONS} continued`));
    assert.equal(rounds, LOGIN_MAX_CONTINUATIONS + 1);
  });

  it('login: a target that never finishes a step is refused after a bounded number of steps', async () => {
    let rounds = 0;
    const f = await loginWith((p, c, a) => {
      if (p.csg !== 0) return c.send(a);
      rounds++;
      c.send({ ...a, transit: false, nsg: 0 });
    });
    assertViolation(f, /did not finish in 32 steps/);
    assert.equal(rounds, 32);
  });

  it('login: continued responses spread over steps are refused after a bounded total', async () => {
    let n = 0;
    const f = await loginWith((p, c, a) => {
      if (p.csg !== 0) return c.send(a);
      // 15 continued responses, then a final one that does not move on: 16 per step.
      const more = ++n % 16 !== 0;
      c.send({ ...a, transit: false, nsg: 0, continue: more });
    });
    assertViolation(f, new RegExp(`more than ${LOGIN_MAX_RESPONSES} login responses`));
    assert.equal(n, LOGIN_MAX_RESPONSES + 1);
  });

  it('login: a text segment over 8192 bytes (1 MiB) is refused before it is buffered', async () => {
    const f = await loginWith((p, c, a) =>
      c.send(p.csg === 0 ? { ...a, data: encodeTextPairs([['X-a', 'b'.repeat(1 << 20)]]) } : a),
    );
    assertViolation(
      f,
      new RegExp(`exceeds the MaxRecvDataSegmentLength of ${LOGIN_MAX_DATA_SEGMENT}`),
    );
  });

  for (const [name, garbage, text] of [
    ['a header stating 4 MiB of data', new Uint8Array(48).fill(0x3f), /exceeds the MaxRecv/],
    [
      'a header of no PDU type (opcode 2Fh)',
      Uint8Array.of(0x2f, 0x80, ...new Uint8Array(46)),
      /opcode/i,
    ],
  ] as const) {
    it(`garbage after the login (${name}): a protocol violation at once`, async () => {
      const { t } = await setup({
        onPdu: (p, c) => p.type === 'scsi-command' && c.raw(garbage),
      });
      assertViolation(await failed(t, tur()), text);
      assert.equal(t.connected, false);
    });
  }
});

describe('refusals and violations are not retried as transport faults', () => {
  it('a Reject of the command: 0x8007045D, not retryable, a hint naming the target', async () => {
    const { t } = await setup({
      onPdu(p, c) {
        if (p.type !== 'scsi-command') return;
        c.send({ type: 'reject', reason: 0x04, ...c.sn(), dataSnR2tSn: 0, data: bhsBytes(p) });
        c.statSn++;
      },
    });
    const f = await failed(t, tur());
    assert.equal(f.e.hr, HR.ERROR_IO_DEVICE);
    assert.equal(f.e.retryable, false);
    assert.match(f.e.hint ?? '', /target/);
    assert.doesNotMatch(f.e.hint ?? '', /cable/);
  });

  it('iSCSI response "target failure": 0x8007045D, not retryable', async () => {
    const { t } = await setup({
      onPdu(p, c) {
        if (p.type !== 'scsi-command') return;
        c.send(
          scsiResponsePdu({
            initiatorTaskTag: p.initiatorTaskTag,
            status: 0,
            response: 1,
            ...c.sn(),
            data: new Uint8Array(0),
          }),
        );
        c.statSn++;
      },
    });
    const f = await failed(t, tur());
    assert.equal(f.e.hr, HR.ERROR_IO_DEVICE);
    assert.equal(f.e.retryable, false);
    assert.match(f.e.message, /target failure/);
  });
});

/** A target that answers a READ with a header stating 16 MiB of data, and sends no more. */
function readTarget16MiB(): TargetScript {
  return {
    onPdu(p, c) {
      if (p.type !== 'scsi-command') return;
      const bytes = wireBytes({
        type: 'data-in',
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
        dataSn: 0,
        bufferOffset: 0,
        residualCount: 0,
        data: new Uint8Array(0),
      });
      // DataSegmentLength (bytes 5..7) = FFFFFFh.
      bytes.set([0xff, 0xff, 0xff], 5);
      c.raw(bytes);
    },
  };
}
