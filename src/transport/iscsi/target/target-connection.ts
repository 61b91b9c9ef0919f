// One initiator connection to the discwright iSCSI target (RFC 7143, ErrorRecoveryLevel 0, one
// connection per session): login (target-login.ts), then the full feature phase: SCSI Command
// executed on the logical unit through the target's per-LUN queue, immediate data and R2T /
// Data-Out gathering (target-unsolicited.ts, target-r2t.ts), Data-In / SCSI Response
// (target-task.ts), NOP-Out → NOP-In, Text (target-text.ts), Task Management, Logout. Every PDU is
// framed against our MaxRecvDataSegmentLength before its data is buffered; a PDU with an unknown
// opcode gets a Reject; any other protocol fault closes this connection only. Commands run one at
// a time in CmdSN order, so at most one write buffer (≤ MAX_TRANSFER_BYTES) is held, beside the
// unsolicited bursts of the queued commands (each ≤ FirstBurstLength).

import type net from 'node:net';
import type { ScsiResult } from '../../../scsi/command.js';
import { snGreater } from '../cmdsn-window.js';
import { PduFramer, frameParts } from '../framer.js';
import { decodeInitiatorBhs } from '../pdu-initiator.js';
import { RESERVED_TAG, decodeLun, frameOpcode, type PduFrame } from '../pdu-layout.js';
import { encodeBhs, pduData } from '../pdu.js';
import type { SessionParameters } from '../negotiate.js';
import {
  type InitiatorPdu,
  type ScsiCommandPdu,
  type TargetPdu,
  type TaskManagementRequestPdu,
} from '../pdu-types.js';
import { ABORTED } from './target-lun.js';

export type { ConnectionEvent, ConnectionHost } from './target-host.js';
import { TaskSet, type TargetTask } from './target-tasks.js';
import { taskManagement } from './target-tmf.js';
import { R2tPump } from './target-r2t.js';
import { TextExchange } from './target-text.js';
import { UnsolicitedDataOut, type Unsolicited } from './target-unsolicited.js';
import { NopPinger } from './target-ping.js';
import { drained, pauseWhileBacklogged } from './drained.js';
import {
  logoutAnswer,
  logoutRequestMessage,
  nopInFor,
  nopInPing,
  rejectOf,
  rejectReason,
  taskManagementAnswer,
} from './target-replies.js';
import { TargetLogin, type LoginResult } from './target-login.js';
import { commandTrace, type ConnectionHost } from './target-host.js';
import { answerBeforeLun, answerPdus, checkCondition, fixedSense } from './target-task.js';

/** Largest Expected Data Transfer Length served; larger commands get 05/24/00. */
export const MAX_TRANSFER_BYTES = 16 * 1024 * 1024;
/** Commands the target queues per connection (MaxCmdSN − ExpCmdSN + 1). */
const WINDOW = 16;
/** Bounds on a silent initiator: the whole login, and each wait for Data-Out. */
const LOGIN_TIMEOUT_MS = 15_000;
const DATA_OUT_TIMEOUT_MS = 30_000;
/** MaxRecvDataSegmentLength in force during login (RFC 7143 §13.12). */
const LOGIN_SEGMENT_LIMIT = 8192;
const EMPTY = new Uint8Array(0);

/** A protocol fault of the initiator: this connection is closed (ERL 0). */
class ProtocolFault extends Error {}

export class TargetConnection {
  readonly #socket: net.Socket;
  readonly #host: ConnectionHost;
  readonly #peer: string;
  readonly #framer = new PduFramer();
  #login: TargetLogin;
  #session: LoginResult | undefined;
  #params: SessionParameters | undefined;
  #statSn: number;
  #expCmdSn = 0;
  #maxCmdSn = 0;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  readonly #tasks = new TaskSet();
  readonly #r2t = new R2tPump(
    {
      params: () => this.#params!,
      sendR2t: (r2t) => {
        this.#writePdu({ ...r2t, ...this.#sn(false) });
        this.#arm(DATA_OUT_TIMEOUT_MS, 'no Data-Out within 30 s');
      },
      disarm: () => clearTimeout(this.#timer),
    },
    this.#tasks,
  );
  readonly #unsolicited = new UnsolicitedDataOut(this.#tasks);
  readonly #text = new TextExchange(() => this.#host);
  /** CmdSNs of commands aborted before they arrived (RFC 7143 §11.6.1 b). */
  readonly #discard = new Set<number>();
  /** The I_T nexus: the TSIH of the session once logged in. */
  #nexus = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #pinger: NopPinger | undefined;
  #closed = false;
  #loggedOut = false;

  constructor(socket: net.Socket, host: ConnectionHost) {
    this.#socket = socket;
    this.#host = host;
    this.#peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.#statSn = (Math.random() * 0x10000) >>> 0;
    this.#login = new TargetLogin({
      targetName: host.targetName,
      ...(host.chap === undefined ? {} : { chap: host.chap }),
      admit: () => host.admit(),
      tsih: host.nextTsih(),
      statSn: this.#statSn,
    });
    this.#framer.maxDataSegmentLength = LOGIN_SEGMENT_LIMIT;
    this.#arm(LOGIN_TIMEOUT_MS, 'login timed out');
    if (host.ping !== undefined) {
      const send = (ttt: number) => this.#writePdu(nopInPing(ttt, this.#sn(false)));
      const dead = () => this.close('no answer to a NOP-In ping');
      this.#pinger = new NopPinger(host.ping.times, host.ping.clock, send, dead);
    }
    socket.on('error', () => this.close('socket error'));
    socket.on('close', () =>
      this.close(this.#loggedOut ? 'logged out' : 'connection closed by the initiator'),
    );
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  get initiatorName(): string | undefined {
    return this.#session?.initiatorName;
  }

  /** Bytes this connection holds: the PDU being framed, a write's data, unsent answers. */
  get heldBytes(): number {
    return this.#framer.bufferedBytes + this.#r2t.heldBytes + this.#socket.writableLength;
  }

  /** Ends the connection (Ctrl-C, a fault): nothing more is sent or run. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#pinger?.stop();
    this.#socket.destroy();
    this.#host.event({ kind: 'closed', peer: this.#peer, reason });
    this.#onClosed();
  }

  #onClosed: () => void = () => undefined;

  /**
   * Asks the initiator to log out (Async Message, event 1, RFC 7143 §11.9.1) and waits up to
   * `waitMs` for it to; then, or at once outside a normal session, closes the connection.
   */
  async logOut(waitMs: number): Promise<void> {
    if (this.#closed) return;
    if (this.#session?.sessionType === 'Normal') {
      const closed = new Promise<void>((resolve) => (this.#onClosed = resolve));
      this.#writePdu(logoutRequestMessage(this.#sn(true), Math.ceil(waitMs / 1000)));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    this.close('target shutting down');
  }

  #arm(ms: number, reason: string): void {
    clearTimeout(this.#timer);
    // Armed after the end (a queued WRITE soliciting its data), it would keep this connection
    // and its write buffer alive for `ms`.
    if (this.#closed) return;
    this.#timer = setTimeout(() => this.close(reason), ms);
    this.#timer.unref();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    try {
      for (;;) {
        const frame = this.#framer.nextFrame();
        if (frame === undefined || this.#closed) break;
        this.#onFrame(frame);
      }
    } catch (e) {
      this.close(e instanceof Error ? e.message : String(e));
    }
    pauseWhileBacklogged(this.#socket);
  }

  #onFrame(frame: PduFrame): void {
    const opcode = frameOpcode(frame);
    const p = decodeInitiatorBhs(opcode, frame.bhs, frame.data);
    const reason = rejectReason(p, frame.ahs.length > 0, this.#queued >= WINDOW);
    if (p === undefined || reason !== undefined) {
      if (this.#session === undefined) throw new ProtocolFault('unexpected PDU during login');
      this.#writePdu(rejectOf(frame.bhs, reason ?? 0x04, this.#sn(true)));
      return;
    }
    if (this.#session === undefined) {
      if (p.type !== 'login-request') throw new ProtocolFault(`${p.type} before login`);
      this.#onLogin(p);
      if (this.#session !== undefined) this.#pinger?.activity();
      return;
    }
    this.#pinger?.activity();
    this.#onPdu(p);
  }

  #onLogin(p: InitiatorPdu & { type: 'login-request' }): void {
    const step = this.#login.step(p);
    this.#writePdu(step.response);
    if (step.done === 'continue') return;
    if (step.done === 'fail') {
      this.#socket.end();
      this.close(`login refused: ${step.reason ?? ''}`);
      return;
    }
    const s = step.done;
    this.#session = s;
    this.#params = s.params;
    this.#statSn = s.statSn;
    this.#expCmdSn = s.expCmdSn;
    this.#maxCmdSn = (s.expCmdSn + WINDOW - 1) >>> 0;
    this.#nexus = (s.tsih[0]! << 8) | s.tsih[1]!;
    // The negotiation is the initiator's code run from the other side: its "target" length is
    // the peer's (the initiator's) declaration, its "initiator" length is ours.
    this.#framer.maxDataSegmentLength = s.params.initiatorMaxRecvDataSegmentLength;
    this.#framer.digests = { headerDigest: s.params.headerDigest, dataDigest: s.params.dataDigest };
    clearTimeout(this.#timer);
    this.#host.event({
      kind: 'login',
      peer: this.#peer,
      initiator: s.initiatorName,
      sessionType: s.sessionType,
      nexus: this.#nexus,
    });
  }

  /** Checks and takes the CmdSN of a non-immediate PDU (ordered delivery on one connection). */
  #takeCmdSn(cmdSn: number): void {
    if (cmdSn !== this.#expCmdSn || snGreater(cmdSn, this.#maxCmdSn)) {
      throw new ProtocolFault(
        `CmdSN ${cmdSn} where ${this.#expCmdSn} (window to ${this.#maxCmdSn}) was expected`,
      );
    }
    this.#expCmdSn = (cmdSn + 1) >>> 0;
  }

  #onPdu(p: InitiatorPdu): void {
    const discovery = this.#session?.sessionType === 'Discovery';
    if (discovery && p.type !== 'text-request' && p.type !== 'logout-request') {
      throw new ProtocolFault(`${p.type} in a discovery session`);
    }
    if ('immediate' in p && !p.immediate) this.#takeCmdSn(p.cmdSn);
    switch (p.type) {
      case 'scsi-command':
        this.#onCommand(p);
        return;
      case 'data-out':
        if (p.targetTransferTag !== RESERVED_TAG) this.#r2t.onDataOut(p);
        else if (!this.#tasks.wasAborted(p.initiatorTaskTag)) this.#unsolicited.onDataOut(p);
        return;
      case 'nop-out':
        if (p.initiatorTaskTag === RESERVED_TAG) return; // the answer to a ping
        this.#writePdu(nopInFor(p, this.#sn(true), this.#params!.targetMaxRecvDataSegmentLength));
        return;
      case 'text-request':
        this.#writePdu(this.#text.respond(p, this.#params!, this.#sn(true)));
        return;
      case 'task-management-request':
        // Not queued behind the commands: it may have to end the wait of one of them.
        void this.#taskManagement(p).then(
          (response) => this.#writePdu(taskManagementAnswer(p, this.#sn(true), response)),
          (e: unknown) => this.close(e instanceof Error ? e.message : String(e)),
        );
        return;
      case 'logout-request':
        this.#enqueue(() => {
          this.#writePdu(logoutAnswer(p, this.#sn(true)));
          const initiator = this.#session!.initiatorName;
          this.#host.event({ kind: 'logout', peer: this.#peer, initiator });
          this.#loggedOut = true;
          this.#socket.end();
        });
        return;
      case 'login-request':
        throw new ProtocolFault('Login Request in the full feature phase');
    }
  }

  #onCommand(p: ScsiCommandPdu): void {
    const task = this.#tasks.add(p.initiatorTaskTag, decodeLun(p.lun));
    if (task === undefined) {
      throw new ProtocolFault(`Initiator Task Tag ${p.initiatorTaskTag} already in use`);
    }
    const unsolicited = this.#unsolicited.begin(p, this.#params!, task);
    if (this.#discard.delete(p.cmdSn)) void task.abort(); // aborted before it arrived
    this.#enqueue(() =>
      this.#execute(p, unsolicited, task).finally(() => {
        this.#unsolicited.release(p.initiatorTaskTag, task);
        task.finish();
      }),
    );
  }

  /** Whether this session has an unfinished task on `lun`. */
  hasTasks(lun: number): boolean {
    return this.#tasks.some((t) => t.lun === lun);
  }

  /** Aborts this session's tasks on `lun` (every LUN when undefined); resolves when they end. */
  abortTasks(lun?: number): Promise<void> {
    return this.#tasks.abortWhere((t) => lun === undefined || t.lun === lun);
  }

  /** Carries out a task management function (RFC 7143 §11.5); its response code. */
  #taskManagement(p: TaskManagementRequestPdu): Promise<number> {
    return taskManagement(p, {
      tasks: this.#tasks,
      lunCount: this.#host.lunCount,
      expCmdSn: this.#expCmdSn,
      maxCmdSn: this.#maxCmdSn,
      discard: this.#discard,
      clearTaskSet: (lun) => this.#host.clearTaskSet(lun, this.#nexus),
      resetLun: (lun) => this.#host.resetLun(lun),
      resetTarget: () => this.#host.resetTarget(),
    });
  }

  async #execute(p: ScsiCommandPdu, u: Unsolicited, task: TargetTask): Promise<void> {
    if (this.#closed || task.aborted) return; // ERL 0: the connection's end ends its tasks
    // Its unsolicited burst is taken whole whatever the answer (later Data-Out is a fault).
    if (u.received < u.data.length) {
      task.state = 'data-out';
      this.#arm(DATA_OUT_TIMEOUT_MS, 'no unsolicited Data-Out within 30 s');
      await Promise.race([u.complete, task.abortedSignal]).finally(() => clearTimeout(this.#timer));
      if (this.#closed || task.aborted) return;
    }
    const start = performance.now();
    const edtl = p.expectedDataTransferLength;
    const lun = decodeLun(p.lun);
    let r: ScsiResult | typeof ABORTED | undefined = answerBeforeLun(
      p,
      this.#host.lunCount,
      MAX_TRANSFER_BYTES,
    );
    if (r === undefined) {
      let data = EMPTY;
      if (p.write && edtl > 0) {
        data = new Uint8Array(edtl);
        data.set(u.data.subarray(0, u.received));
        task.state = 'data-out';
        const failed = u.failed ?? (await this.#r2t.gather(p, data, u.received, task));
        if (this.#closed || task.aborted) return;
        // ABORTED COMMAND, DATA PHASE ERROR (0B/4B/xx): the drive never sees the command.
        if (failed !== undefined) r = checkCondition(fixedSense(0x0b, 0x4b, failed.ascq));
      }
      r ??= await this.#host.runOnLun(lun!, this.#nexus, task, p, data);
    }
    if (this.#closed || r === ABORTED || task.aborted) return;
    const who = { peer: this.#peer, initiator: this.initiatorName ?? '', lun };
    if (this.#host.trace) this.#host.event(commandTrace(who, p, r, performance.now() - start));
    const params = this.#params!;
    const pdus = answerPdus(
      p,
      r,
      { maxDataSegment: params.targetMaxRecvDataSegmentLength, maxBurst: params.maxBurstLength },
      (takes) => this.#sn(takes),
    );
    this.#socket.cork();
    for (const pdu of pdus) this.#writePdu(pdu);
    this.#socket.uncork();
    // A reader slower than the drive holds at most one answer in memory.
    if (this.#socket.writableNeedDrain) await drained(this.#socket);
  }

  #enqueue(job: () => Promise<void> | void): void {
    this.#queued++;
    this.#queue = this.#queue
      .then(job)
      .catch((e: unknown) => this.close(e instanceof Error ? e.message : String(e)))
      .finally(() => {
        this.#queued--;
        // The window slides as commands complete; MaxCmdSN never moves back.
        const max = (this.#expCmdSn + WINDOW - 1 - this.#queued) >>> 0;
        if (snGreater(max, this.#maxCmdSn)) this.#maxCmdSn = max;
      });
  }

  /** StatSN (taken when `takes`), ExpCmdSN and MaxCmdSN for the next target PDU. */
  #sn(takes: boolean): { statSn: number; expCmdSn: number; maxCmdSn: number } {
    const statSn = this.#statSn;
    if (takes) this.#statSn = (statSn + 1) >>> 0;
    return { statSn, expCmdSn: this.#expCmdSn, maxCmdSn: this.#maxCmdSn };
  }

  #writePdu(p: TargetPdu): void {
    if (this.#closed || this.#socket.destroyed) return;
    // Digests start after the final Login Response (the framer's are switched on after it).
    const parts = frameParts(encodeBhs(p), pduData(p), this.#framer.digests);
    for (const part of parts) this.#socket.write(part);
  }
}
