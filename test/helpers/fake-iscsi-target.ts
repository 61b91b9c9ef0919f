// A scripted iSCSI target for the tests (RFC 7143): a net.Server that logs initiators in and
// hands every other PDU to a script, which answers, or misbehaves, one way per test. What it
// sends is laid out by the independent byte builder (test/helpers/iscsi-pdus.ts), never by the
// codecs the initiator decodes with; `raw()` sends bytes no builder would. `driveBacked()` makes
// it a whole target over the virtual drive: Data-Out solicited by R2Ts, the CDB executed by the
// drive, Data-In and SCSI Response back, with a hook per command to misbehave instead.

import net from 'node:net';
import { scsiCommand, type ScsiResult } from '../../src/scsi/command.js';
import { PduFramer, type DigestSettings } from '../../src/transport/iscsi/framer.js';
import { decodeInitiatorPdu } from '../../src/transport/iscsi/pdu-initiator.js';
import { RESERVED_TAG } from '../../src/transport/iscsi/pdu-layout.js';
import type {
  DataInPdu,
  InitiatorPdu,
  LoginRequestPdu,
  LoginResponsePdu,
  Pdu,
  ScsiCommandPdu,
} from '../../src/transport/iscsi/pdu-types.js';
import { decodeTextPairs, encodeTextPairs } from '../../src/transport/iscsi/text.js';
import type { Transport } from '../../src/transport/transport.js';
import { h } from './bytes.js';
import { scsiResponsePdu, senseData, wireBytes } from './iscsi-pdus.js';

const NO_DIGESTS: DigestSettings = { headerDigest: false, dataDigest: false };
export const lun0 = new Uint8Array(8);

/** One connection of the fake target, as the script sees it. */
export interface Conn {
  send(p: Pdu): void;
  /** Bytes as they are, for what no well-formed PDU can say. */
  raw(bytes: Uint8Array): void;
  destroy(): void;
  readonly socket: net.Socket;
  readonly received: InitiatorPdu[];
  statSn: number;
  expCmdSn: number;
  maxCmdSnWindow: number;
  sn(): { statSn: number; expCmdSn: number; maxCmdSn: number };
}

export interface TargetScript {
  /** Operational keys the target answers with (default: echo acceptance of RFC defaults). */
  keys?: [string, string][];
  /** Login status to answer the first login request with. */
  loginStatus?: { cls: number; detail: number; keys?: [string, string][] };
  /**
   * Replaces the answer to a login request: `answer` is the response the target would send.
   * Send something else (or nothing) to misbehave.
   */
  login?(p: LoginRequestPdu, c: Conn, answer: LoginResponsePdu): void;
  /** MaxCmdSN - ExpCmdSN after login (default 16). */
  window?: number;
  onPdu?(p: InitiatorPdu, c: Conn): void;
}

export class FakeTarget {
  readonly server: net.Server;
  readonly conns: Conn[] = [];
  logins = 0;
  constructor(readonly script: TargetScript) {
    this.server = net.createServer((s) => this.#accept(s));
  }
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }
  url(port: number): string {
    return `iscsi://127.0.0.1:${port}/iqn.2026-01.test:fake/0`;
  }
  close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
  /** Every PDU the initiator sent, over all connections. */
  received(): InitiatorPdu[] {
    return this.conns.flatMap((c) => c.received);
  }
  #accept(socket: net.Socket): void {
    const framer = new PduFramer(NO_DIGESTS);
    const c: Conn = {
      received: [],
      socket,
      statSn: 100,
      expCmdSn: 0,
      maxCmdSnWindow: this.script.window ?? 16,
      send: (p) => {
        if (!socket.destroyed) socket.write(wireBytes(p));
      },
      raw: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      destroy: () => socket.destroy(),
      sn: () => ({
        statSn: c.statSn,
        expCmdSn: c.expCmdSn,
        maxCmdSn: (c.expCmdSn + c.maxCmdSnWindow) >>> 0,
      }),
    };
    this.conns.push(c);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      for (;;) {
        const r = framer.next();
        if (r.kind === 'incomplete') return;
        const p = decodeInitiatorPdu(r.frame);
        c.received.push(p);
        if (p.type === 'login-request') this.#login(p, c);
        else if (p.type === 'scsi-command' && !p.immediate) {
          c.expCmdSn = (p.cmdSn + 1) >>> 0;
          this.script.onPdu?.(p, c);
        } else if (p.type === 'logout-request') {
          c.send({
            type: 'logout-response',
            response: 0,
            initiatorTaskTag: p.initiatorTaskTag,
            ...c.sn(),
            time2Wait: 0,
            time2Retain: 0,
          });
          c.statSn++;
          socket.end();
        } else this.script.onPdu?.(p, c);
      }
    });
  }
  #login(p: LoginRequestPdu, c: Conn): void {
    c.expCmdSn = p.cmdSn;
    const base = {
      type: 'login-response' as const,
      continue: false,
      versionMax: 0,
      versionActive: 0,
      isid: p.isid,
      tsih: h('01 00'),
      initiatorTaskTag: p.initiatorTaskTag,
      ...c.sn(),
    };
    c.statSn++;
    const send = (answer: LoginResponsePdu) => {
      if (this.script.login === undefined) c.send(answer);
      else this.script.login(p, c, answer);
    };
    const st = this.script.loginStatus;
    if (st !== undefined && this.logins === 0) {
      this.logins++;
      send({
        ...base,
        transit: false,
        csg: p.csg,
        nsg: 0,
        statusClass: st.cls,
        statusDetail: st.detail,
        data: encodeTextPairs(st.keys ?? []),
      });
      return;
    }
    if (p.csg === 0) {
      send({
        ...base,
        transit: true,
        csg: 0,
        nsg: 1,
        statusClass: 0,
        statusDetail: 0,
        data: encodeTextPairs([
          ['AuthMethod', 'None'],
          ['TargetPortalGroupTag', '1'],
        ]),
      });
      return;
    }
    const offered = decodeTextPairs(p.data);
    const answers: [string, string][] = this.script.keys ?? [];
    const answered = new Set(answers.map(([k]) => k));
    const echo = offered
      .filter(([k]) => !answered.has(k) && k !== 'MaxRecvDataSegmentLength')
      .map(([k, v]): [string, string] => {
        if (k === 'HeaderDigest' || k === 'DataDigest') return [k, 'None'];
        if (k === 'InitialR2T') return [k, 'Yes'];
        if (k === 'MaxBurstLength') return [k, '262144'];
        if (k === 'FirstBurstLength') return [k, '65536'];
        if (k === 'DefaultTime2Wait') return [k, '2'];
        return [k, v];
      });
    this.logins++;
    send({
      ...base,
      transit: true,
      csg: 1,
      nsg: 3,
      statusClass: 0,
      statusDetail: 0,
      data: encodeTextPairs([...answers, ...echo]),
    });
  }
}

/** A SCSI Response to the command `itt` (status GOOD unless given), StatSN advanced. */
export function respond(
  c: Conn,
  itt: number,
  status = 0,
  sense?: Uint8Array,
  residual?: { underflow?: boolean; overflow?: boolean; residualCount: number },
): void {
  c.send(
    scsiResponsePdu({
      initiatorTaskTag: itt,
      status,
      ...c.sn(),
      data: sense === undefined ? new Uint8Array(0) : senseData(sense),
      ...(residual ?? {}),
    }),
  );
  c.statSn++;
}

/** TASK MANAGEMENT FUNCTION RESPONSE "function complete" to the request `itt`. */
export function answerTaskManagement(c: Conn, itt: number): void {
  c.send({ type: 'task-management-response', response: 0, initiatorTaskTag: itt, ...c.sn() });
  c.statSn++;
}

/** An R2T for `length` bytes at `offset` of the command `cmd`, TTT 0x1000 + R2TSN. */
export function r2t(
  c: Conn,
  cmd: ScsiCommandPdu,
  r2tSn: number,
  offset: number,
  length: number,
): void {
  c.send({
    type: 'r2t',
    lun: cmd.lun,
    initiatorTaskTag: cmd.initiatorTaskTag,
    targetTransferTag: 0x1000 + r2tSn,
    ...c.sn(),
    r2tSn,
    bufferOffset: offset,
    desiredDataTransferLength: length,
  });
}

/** A Data-In of the command `cmd`; status and residual only when `status` is given. */
export function dataIn(
  c: Conn,
  cmd: ScsiCommandPdu,
  o: {
    dataSn: number;
    bufferOffset: number;
    data: Uint8Array;
    status?: number;
    underflow?: boolean;
    overflow?: boolean;
    residualCount?: number;
  },
): DataInPdu {
  const withStatus = o.status !== undefined;
  const p: DataInPdu = {
    type: 'data-in',
    final: withStatus,
    acknowledge: false,
    overflow: o.overflow ?? false,
    underflow: o.underflow ?? false,
    statusPresent: withStatus,
    status: o.status ?? 0,
    lun: cmd.lun,
    initiatorTaskTag: cmd.initiatorTaskTag,
    targetTransferTag: RESERVED_TAG,
    ...c.sn(),
    dataSn: o.dataSn,
    bufferOffset: o.bufferOffset,
    residualCount: o.residualCount ?? 0,
    data: o.data,
  };
  c.send(p);
  if (withStatus) c.statSn++;
  return p;
}

/** A command the drive-backed target has gathered the data of, about to run on the drive. */
export interface GatheredCommand {
  readonly pdu: ScsiCommandPdu;
  /** The bytes the target received (data-out), as long as EDTL. */
  readonly data: Uint8Array;
  /** How many of them arrived. */
  readonly received: number;
}

export interface DriveHooks {
  /**
   * Called when a command arrives, before anything is solicited: true when the hook answered
   * it (or chose never to), so the target does nothing more for it.
   */
  onCommand?(p: ScsiCommandPdu, c: Conn): boolean;
  /** Called once a command's data is in, before the drive runs it: true when handled. */
  beforeExecute?(g: GatheredCommand, c: Conn): boolean;
}

/**
 * A script that runs every SCSI command on `drive` (the virtual drive): WRITE data solicited
 * with R2Ts of at most `maxBurstLength` (default 256 KiB, what the target answers at login unless
 * its `keys` say otherwise) after the immediate data, reads answered in Data-In PDUs of at most
 * 64 KiB with status on the last. `hooks` misbehave instead where they choose to.
 */
export function driveBacked(
  drive: Transport,
  hooks: DriveHooks = {},
  maxBurstLength = 262144,
): NonNullable<TargetScript['onPdu']> {
  const pending = new Map<
    number,
    { pdu: ScsiCommandPdu; data: Uint8Array; received: number; r2tSn: number }
  >();
  const solicit = (
    c: Conn,
    t: { pdu: ScsiCommandPdu; data: Uint8Array; received: number; r2tSn: number },
  ) => {
    if (t.received < t.data.length) {
      r2t(c, t.pdu, t.r2tSn++, t.received, Math.min(maxBurstLength, t.data.length - t.received));
      return;
    }
    pending.delete(t.pdu.initiatorTaskTag);
    run(c, t.pdu, t.data, t.received);
  };
  // Commands run on the drive one at a time, in the order their data came in (the drive takes
  // one command at a time; queued WRITEs come ORDERED). An aborted task that has not started
  // never does, and gets no answer (RFC 7143 §11.5.1).
  let chain: Promise<void> = Promise.resolve();
  const aborted = new Set<number>();
  const run = (c: Conn, p: ScsiCommandPdu, data: Uint8Array, received: number) => {
    chain = chain.then(() => {
      // Aborted, or its session is gone (a target drops the tasks of a lost connection).
      if (aborted.delete(p.initiatorTaskTag) || c.socket.destroyed) return;
      if (hooks.beforeExecute?.({ pdu: p, data, received }, c) === true) return;
      const name = `opcode 0x${p.cdb[0]!.toString(16)}`;
      const command = p.write
        ? scsiCommand(name, p.cdb, 'out', { dataOut: data })
        : p.read
          ? scsiCommand(name, p.cdb, 'in', { allocationLength: p.expectedDataTransferLength })
          : scsiCommand(name, p.cdb, 'none');
      return drive.execute(command).then(
        (r) => answer(c, p, r),
        () =>
          respond(
            c,
            p.initiatorTaskTag,
            0x02,
            h('70 00 04 00 00 00 00 0A 00 00 00 00 44 00 00 00 00 00'),
          ),
      );
    });
  };
  const answer = (c: Conn, p: ScsiCommandPdu, r: ScsiResult) => {
    if (!p.read || r.status !== 0) {
      respond(c, p.initiatorTaskTag, r.status, r.status === 0 ? undefined : r.sense);
      return;
    }
    const n = r.dataIn.length;
    const underflow = n < p.expectedDataTransferLength;
    let sn = 0;
    for (let at = 0; at < n || sn === 0; at += 65536) {
      const last = at + 65536 >= n;
      dataIn(c, p, {
        dataSn: sn++,
        bufferOffset: at,
        data: r.dataIn.subarray(at, Math.min(n, at + 65536)),
        ...(last ? { status: 0, underflow, residualCount: p.expectedDataTransferLength - n } : {}),
      });
      if (last) break;
    }
  };
  return (p, c) => {
    if (p.type === 'scsi-command') {
      if (hooks.onCommand?.(p, c) === true) return;
      if (!p.write) {
        run(c, p, new Uint8Array(0), 0);
        return;
      }
      const t = {
        pdu: p,
        data: new Uint8Array(p.expectedDataTransferLength),
        received: 0,
        r2tSn: 0,
      };
      t.data.set(p.data.subarray(0, t.data.length));
      t.received = Math.min(p.data.length, t.data.length);
      pending.set(p.initiatorTaskTag, t);
      solicit(c, t);
    } else if (p.type === 'data-out') {
      const t = pending.get(p.initiatorTaskTag);
      if (t === undefined) return;
      t.data.set(p.data, p.bufferOffset);
      t.received = Math.max(t.received, p.bufferOffset + p.data.length);
      if (p.final) solicit(c, t);
    } else if (p.type === 'task-management-request') {
      if (p.function === 1) {
        // ABORT TASK: one not yet run (still gathering data, or waiting its turn) never runs.
        pending.delete(p.referencedTaskTag);
        aborted.add(p.referencedTaskTag);
      }
      answerTaskManagement(c, p.initiatorTaskTag);
    } else if (p.type === 'nop-out' && p.initiatorTaskTag !== RESERVED_TAG) {
      c.send({
        type: 'nop-in',
        lun: lun0,
        initiatorTaskTag: p.initiatorTaskTag,
        targetTransferTag: RESERVED_TAG,
        ...c.sn(),
        data: new Uint8Array(0),
      });
      c.statSn++;
    }
  };
}
