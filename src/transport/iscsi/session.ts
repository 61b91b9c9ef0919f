// The iSCSI Transport: one session, one connection, ErrorRecoveryLevel 0 (RFC 7143). Full
// feature phase: SCSI Command with immediate and unsolicited data per the negotiated keys,
// R2T-driven Data-Out within MaxBurstLength and MaxRecvDataSegmentLength, Data-In with status
// and residuals, SCSI Response with sense, NOP-In/NOP-Out both ways, ABORT TASK on timeout or
// cancel, LOGICAL UNIT RESET, Logout, and re-login after a lost connection.
//
// Faults (see docs/iscsi.md): every wait is bounded. A connection lost while a command is in
// flight rejects that command with 0x80070037; a timeout sends ABORT TASK and rejects with
// 0xC0AA020D; an abort signal does the same and rejects with 0xC0AA0002. At ERL 0 a lost
// connection is a lost session: the next command logs in again (session reinstatement with the
// same ISID) unless `autoReconnect` is off.

import { readU32 } from '../../scsi/bytes.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DwError, HR, invalidArgument } from '../../errors.js';
import { ScsiStatus, type ScsiCommand, type ScsiResult } from '../../scsi/command.js';
import {
  TransportErrors,
  type ExecuteOptions,
  type PlatformInfo,
  type Transport,
  type TransportLimits,
} from '../transport.js';
import {
  parseIscsiAddress,
  redactIscsiAddress,
  type IscsiAddress,
  type IscsiCredentials,
  type IscsiPortal,
} from './address.js';
import { IscsiConnection } from './connection.js';
import { login } from './login.js';
import {
  DEFAULT_OFFER,
  type DigestName,
  type OperationalOffer,
  type SessionParameters,
} from './negotiate.js';
import { encodeLun, RESERVED_TAG } from './pdu-layout.js';
import { decodeSenseData } from './pdu-target.js';
import {
  AsyncEvent,
  LogoutReason,
  TaskManagementFunction,
  TaskManagementResponse,
  type DataInPdu,
  type DataOutPdu,
  type R2tPdu,
  type ScsiCommandPdu,
  type ScsiResponsePdu,
  type TargetPdu,
} from './pdu-types.js';

export interface IscsiTransportOptions {
  /** Our iSCSI name (default `iqn.2025-01.dev.discwright:<hostname>`). */
  readonly initiatorName?: string;
  readonly initiatorAlias?: string;
  /** Overrides the credentials in the address. */
  readonly credentials?: IscsiCredentials;
  /** Acceptable digests, preferred first (default None, then CRC32C). */
  readonly headerDigest?: readonly DigestName[];
  readonly dataDigest?: readonly DigestName[];
  /** Operational keys offered at login (defaults in DEFAULT_OFFER). */
  readonly offer?: Partial<OperationalOffer>;
  /** TCP connect bound (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Bound on each login round trip (default 10 s). */
  readonly loginTimeoutMs?: number;
  /** Timeout of a command whose ExecuteOptions give none (default 60 s). */
  readonly commandTimeoutMs?: number;
  /** Bound on ABORT TASK, LOGICAL UNIT RESET and Logout answers (default 10 s). */
  readonly taskManagementTimeoutMs?: number;
  /** Idle time before a NOP-Out ping (default 15 s; 0 disables keep-alive). */
  readonly keepAliveIntervalMs?: number;
  /** A ping unanswered this long ends the connection (default 10 s). */
  readonly keepAliveTimeoutMs?: number;
  /** Log in again on the next command after the connection was lost (default true). */
  readonly autoReconnect?: boolean;
  /** Largest single transfer reported in limits() (default 8 MiB). */
  readonly maxTransferBytes?: number;
  /** Environment for passwords missing from the address (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Counters, for diagnostics and tests. */
export interface IscsiSessionStats {
  /** Successful logins on this transport (1 after open; +1 per re-login). */
  readonly logins: number;
  readonly commands: number;
  readonly dataOutPdus: number;
  readonly r2ts: number;
  readonly nopInPingsAnswered: number;
  readonly abortsSent: number;
}

interface DataRange {
  readonly offset: number;
  readonly end: number;
  readonly ttt: number;
}

interface Task {
  readonly itt: number;
  readonly cmdSn: number;
  readonly command: ScsiCommand;
  readonly lun: Uint8Array;
  readonly conn: IscsiConnection;
  readonly dataOut: Uint8Array | undefined;
  readonly dataIn: Uint8Array | undefined;
  sent: number;
  received: number;
  readonly queue: DataRange[];
  pumping: boolean;
  /** The Data-Out staged ahead for the first R2T (`IscsiConnection.prepare`), if any. */
  prepared: { readonly offset: number; readonly end: number; readonly token: number } | undefined;
  /** Settled (or being aborted): PDUs for it are ignored from now on. */
  finished: boolean;
  readonly timeoutMs: number;
  /** performance.now() time at which the command times out. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The caller's promise. */
  readonly resolve: (result: ScsiResult) => void;
  readonly reject: (error: DwError) => void;
}

interface Waiter {
  resolve(p: TargetPdu): void;
  reject(e: DwError): void;
}

const EMPTY = new Uint8Array(0);

const noop = (): void => undefined;

/** Serial number arithmetic (RFC 1982, 32 bits): a > b. */
function snGreater(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function defaultInitiatorName(): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '') || 'host';
  return `iqn.2025-01.dev.discwright:${host}`;
}

export class IscsiTransport implements Transport {
  readonly address: string;
  private readonly target: IscsiAddress;
  private portal: IscsiPortal;
  private readonly credentials: IscsiCredentials | undefined;
  private readonly initiatorName: string;
  private readonly initiatorAlias: string | undefined;
  private readonly offer: OperationalOffer;
  private readonly connectTimeoutMs: number;
  private readonly loginTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly tmfTimeoutMs: number;
  private readonly keepAliveIntervalMs: number;
  private readonly keepAliveTimeoutMs: number;
  private readonly autoReconnect: boolean;
  private readonly maxTransferBytes: number;
  private readonly lun: Uint8Array;
  private readonly isid: Uint8Array;

  private conn: IscsiConnection | undefined;
  private lost: DwError | undefined;
  private params: SessionParameters | undefined;
  private tsih: Uint8Array = new Uint8Array(2);
  private cmdSn = 1;
  private expStatSn = 0;
  private maxCmdSn = 1;
  private itt = 0;
  private task: Task | undefined;
  private readonly waiters = new Map<number, Waiter>();
  private windowWaiters: (() => void)[] = [];
  private busy = false;
  private closed = false;
  private retiring = false;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  /**
   * One timer for the command deadlines, kept armed between commands (unreferenced while idle)
   * instead of a setTimeout/clearTimeout pair per command: with one command every few hundred
   * microseconds that pair was a measurable share of the per-command cost. It fires at
   * `deadlineTimerAt` at the latest and re-arms itself for the current task's deadline.
   */
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimerAt = Infinity;
  private lastReceive = 0;
  private pingOutstanding = false;
  private readonly counters = {
    logins: 0,
    commands: 0,
    dataOutPdus: 0,
    r2ts: 0,
    nopInPingsAnswered: 0,
    abortsSent: 0,
  };

  constructor(target: IscsiAddress, options: IscsiTransportOptions = {}) {
    this.target = target;
    this.portal = { host: target.host, port: target.port };
    this.credentials = options.credentials ?? target.credentials;
    this.address = redactIscsiAddress({
      ...target,
      ...(this.credentials === undefined ? {} : { credentials: this.credentials }),
    });
    this.initiatorName = options.initiatorName ?? defaultInitiatorName();
    this.initiatorAlias = options.initiatorAlias;
    this.offer = {
      ...DEFAULT_OFFER,
      ...options.offer,
      ...(options.headerDigest === undefined ? {} : { headerDigest: options.headerDigest }),
      ...(options.dataDigest === undefined ? {} : { dataDigest: options.dataDigest }),
    };
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.loginTimeoutMs = options.loginTimeoutMs ?? 10_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 60_000;
    this.tmfTimeoutMs = options.taskManagementTimeoutMs ?? 10_000;
    this.keepAliveIntervalMs = options.keepAliveIntervalMs ?? 15_000;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 10_000;
    this.autoReconnect = options.autoReconnect ?? true;
    this.maxTransferBytes = options.maxTransferBytes ?? 8 * 1024 * 1024;
    this.lun = encodeLun(target.lun);
    // ISID type 10b (random): byte 0 = 80h, bytes 1..3 random, qualifier bytes 4..5 random.
    this.isid = new Uint8Array(randomBytes(6));
    this.isid[0] = 0x80;
  }

  /** Parameters of the current session (undefined before the first login). */
  get parameters(): SessionParameters | undefined {
    return this.params;
  }

  /** True while logged in with a live connection. */
  get connected(): boolean {
    return this.conn?.isOpen === true && this.lost === undefined;
  }

  get stats(): IscsiSessionStats {
    return { ...this.counters };
  }

  limits(): TransportLimits {
    return {
      maxPageAlignedTransferBytes: this.maxTransferBytes,
      maxNonPageAlignedTransferBytes: this.maxTransferBytes,
      alignment: 1,
      busType: 'iscsi',
    };
  }

  platform(): PlatformInfo {
    return { volumeName: this.address, volumePathNames: [], legacyDeviceNumber: -1 };
  }

  /**
   * Logs in (again). Drops the current connection first, if any; the same ISID with TSIH 0 makes
   * the target reinstate the session (its old tasks are discarded). Rejects with E_FAIL while a
   * command is in flight.
   */
  async reconnect(): Promise<void> {
    if (this.closed) throw TransportErrors.closed(this.address);
    if (this.task !== undefined) {
      throw new DwError(HR.E_FAIL, { message: 'cannot reconnect while a command is in flight' });
    }
    this.dropConnection(TransportErrors.deviceGone(`${this.address}: reconnecting`));
    await this.loginWithRedirects();
  }

  execute(command: ScsiCommand, options: ExecuteOptions = {}): Promise<ScsiResult> {
    if (this.closed) return Promise.reject(TransportErrors.closed(this.address));
    if (this.busy) return Promise.reject(TransportErrors.overlapped(command));
    this.busy = true;
    try {
      this.validate(command);
      const signal = options.signal;
      if (signal?.aborted === true) throw TransportErrors.aborted(command);
      const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
      const deadline = performance.now() + timeoutMs;
      const conn = this.conn;
      // The common case (logged in, CmdSN inside the window) sends the command in this tick;
      // the returned promise is the one the response settles, with no async layers between.
      if (
        conn?.isOpen === true &&
        this.lost === undefined &&
        !snGreater(this.cmdSn, this.maxCmdSn)
      ) {
        return this.start(conn, command, timeoutMs, deadline, signal);
      }
      return this.startWhenReady(command, timeoutMs, deadline, signal);
    } catch (e) {
      this.becomeIdle();
      return Promise.reject(e instanceof DwError ? e : TransportErrors.io(String(e), e));
    }
  }

  /** After the previous command (and any ABORT TASK for it) is over: the next may start. */
  private becomeIdle(): void {
    this.busy = false;
    this.deadlineTimer?.unref();
    if (this.retiring && !this.closed) this.retire();
  }

  /** LOGICAL UNIT RESET (the target queues a unit attention 06/29/xx). Returns the TMF response. */
  async resetLogicalUnit(): Promise<number> {
    if (this.closed) throw TransportErrors.closed(this.address);
    if (this.busy || this.task !== undefined) {
      throw new DwError(HR.E_FAIL, { message: 'cannot reset while a command is in flight' });
    }
    this.busy = true;
    try {
      const conn = await this.ensureConnected();
      const itt = this.nextItt();
      const answer = this.waitFor(itt, this.tmfTimeoutMs, 'LOGICAL UNIT RESET response');
      conn.send({
        type: 'task-management-request',
        immediate: true,
        function: TaskManagementFunction.LOGICAL_UNIT_RESET,
        lun: this.lun,
        initiatorTaskTag: itt,
        referencedTaskTag: RESERVED_TAG,
        cmdSn: this.cmdSn,
        expStatSn: this.expStatSn,
        refCmdSn: this.cmdSn,
        expDataSn: 0,
      });
      const p = await answer;
      return p.type === 'task-management-response'
        ? p.response
        : TaskManagementResponse.FUNCTION_REJECTED;
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopKeepAlive();
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlineTimerAt = Infinity;
    const conn = this.conn;
    if (conn?.isOpen === true && this.lost === undefined && this.task === undefined) {
      await this.logout(conn).catch(() => undefined);
    }
    this.dropConnection(TransportErrors.closed(this.address));
  }

  // ---- connection management ----

  private async ensureConnected(): Promise<IscsiConnection> {
    if (this.conn?.isOpen === true && this.lost === undefined) return this.conn;
    if (this.params !== undefined && !this.autoReconnect) {
      throw TransportErrors.deviceGone(
        `${this.address}: connection lost (${this.lost?.message ?? 'closed'}); reconnect() to continue`,
      );
    }
    return this.loginWithRedirects();
  }

  /** Opens a connection and logs in, following up to 4 redirects. */
  async loginWithRedirects(): Promise<IscsiConnection> {
    let portal = this.portal;
    for (let hop = 0; hop < 5; hop++) {
      const conn = await IscsiConnection.open(portal.host, portal.port, this.connectTimeoutMs);
      let outcome;
      try {
        outcome = await login(conn, {
          initiatorName: this.initiatorName,
          ...(this.initiatorAlias === undefined ? {} : { initiatorAlias: this.initiatorAlias }),
          targetName: this.target.targetName,
          sessionType: 'Normal',
          isid: this.isid,
          cid: 0,
          cmdSn: this.cmdSn,
          ...(this.credentials === undefined ? {} : { credentials: this.credentials }),
          offer: this.offer,
          timeoutMs: this.loginTimeoutMs,
        });
      } catch (e) {
        conn.destroy();
        throw e;
      }
      if (outcome.kind === 'redirect') {
        conn.destroy();
        portal = outcome.portal;
        if (outcome.permanent) this.portal = portal;
        continue;
      }
      if (this.closed) {
        conn.destroy();
        throw TransportErrors.closed(this.address);
      }
      this.conn = conn;
      this.lost = undefined;
      this.retiring = false;
      this.params = outcome.params;
      this.tsih = outcome.tsih;
      this.expStatSn = outcome.expStatSn;
      this.cmdSn = outcome.expCmdSn;
      this.maxCmdSn = outcome.maxCmdSn;
      this.counters.logins++;
      this.lastReceive = performance.now();
      conn.start({
        pdu: (p) => this.onPdu(conn, p),
        closed: (e) => this.onClosed(conn, e),
      });
      this.startKeepAlive();
      return conn;
    }
    throw TransportErrors.io(`${this.address}: too many login redirects`);
  }

  private dropConnection(reason: DwError): void {
    const conn = this.conn;
    if (conn === undefined) return;
    conn.destroy(reason);
  }

  private onClosed(conn: IscsiConnection, error: DwError): void {
    if (this.conn !== conn) return;
    this.lost = error;
    this.stopKeepAlive();
    const task = this.task;
    if (task !== undefined && task.conn === conn) this.failTask(task, error);
    for (const [, w] of this.waiters) w.reject(error);
    this.waiters.clear();
    this.wakeWindow();
  }

  /** The target asked us to log out (or renegotiate, which we do by logging in again). */
  private retire(): void {
    this.retiring = false;
    const conn = this.conn;
    if (conn === undefined || !conn.isOpen) return;
    void this.logout(conn)
      .catch(() => undefined)
      .finally(() => {
        if (this.conn === conn)
          conn.destroy(
            TransportErrors.deviceGone(`${this.address}: logged out at the target's request`),
          );
      });
  }

  private async logout(conn: IscsiConnection): Promise<void> {
    const itt = this.nextItt();
    const answer = this.waitFor(itt, Math.min(this.tmfTimeoutMs, 3000), 'Logout response');
    conn.send({
      type: 'logout-request',
      immediate: true,
      reasonCode: LogoutReason.CLOSE_SESSION,
      initiatorTaskTag: itt,
      cid: 0,
      cmdSn: this.cmdSn,
      expStatSn: this.expStatSn,
    });
    await answer;
  }

  private startKeepAlive(): void {
    this.stopKeepAlive();
    this.pingOutstanding = false;
    if (this.keepAliveIntervalMs <= 0) return;
    const tick = Math.max(10, Math.min(this.keepAliveIntervalMs, this.keepAliveTimeoutMs) / 2);
    this.keepAliveTimer = setInterval(() => this.keepAlive(), tick);
    this.keepAliveTimer.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer !== undefined) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  private keepAlive(): void {
    const conn = this.conn;
    if (conn === undefined || !conn.isOpen || this.pingOutstanding) return;
    if (performance.now() - this.lastReceive < this.keepAliveIntervalMs) return;
    this.pingOutstanding = true;
    this.ping(conn, this.keepAliveTimeoutMs)
      .then(() => {
        this.pingOutstanding = false;
      })
      .catch((e: unknown) => {
        this.pingOutstanding = false;
        if (
          this.conn === conn &&
          conn.isOpen &&
          e instanceof DwError &&
          e.hr === HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT
        ) {
          conn.destroy(
            TransportErrors.deviceGone(
              `${this.address}: target did not answer a keep-alive ping within ${this.keepAliveTimeoutMs} ms`,
            ),
          );
        }
      });
  }

  /** NOP-Out ping (immediate); resolves on the NOP-In echo. */
  private async ping(conn: IscsiConnection, timeoutMs: number): Promise<void> {
    const itt = this.nextItt();
    const answer = this.waitFor(itt, timeoutMs, 'NOP-In');
    conn.send({
      type: 'nop-out',
      immediate: true,
      lun: this.lun,
      initiatorTaskTag: itt,
      targetTransferTag: RESERVED_TAG,
      cmdSn: this.cmdSn,
      expStatSn: this.expStatSn,
      data: EMPTY,
    });
    await answer;
  }

  private waitFor(itt: number, timeoutMs: number, what: string): Promise<TargetPdu> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(itt);
        reject(
          new DwError(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT, {
            message: `${this.address}: no ${what} within ${timeoutMs} ms`,
          }),
        );
      }, timeoutMs);
      this.waiters.set(itt, {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  private nextItt(): number {
    this.itt = (this.itt + 1) >>> 0;
    if (this.itt === RESERVED_TAG) this.itt = 0;
    return this.itt;
  }

  // ---- commands ----

  private validate(command: ScsiCommand): void {
    if (command.cdb.length < 6 || command.cdb.length > 16) {
      throw invalidArgument(
        `${command.name}: CDB of ${command.cdb.length} bytes (iSCSI carries 6..16 here)`,
      );
    }
    const n =
      command.direction === 'out'
        ? (command.dataOut?.length ?? 0)
        : command.direction === 'in'
          ? (command.allocationLength ?? 0)
          : 0;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw invalidArgument(`${command.name}: transfer length ${n} out of range`);
    }
  }

  /** Logs in again and/or waits for the command window first, then starts the command. */
  private async startWhenReady(
    command: ScsiCommand,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<ScsiResult> {
    let conn: IscsiConnection;
    try {
      conn =
        this.conn?.isOpen === true && this.lost === undefined
          ? this.conn
          : await this.ensureConnected();
      if (snGreater(this.cmdSn, this.maxCmdSn)) {
        await this.waitForWindow(conn, command, deadline, signal);
      }
    } catch (e) {
      this.becomeIdle();
      throw e;
    }
    return this.start(conn, command, timeoutMs, deadline, signal);
  }

  /** Sends the SCSI Command PDU (and unsolicited data); the promise settles with the task. */
  private start(
    conn: IscsiConnection,
    command: ScsiCommand,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<ScsiResult> {
    const params = this.params!;
    const dataOut = command.direction === 'out' ? (command.dataOut ?? EMPTY) : undefined;
    const allocation = command.direction === 'in' ? (command.allocationLength ?? 0) : 0;
    const itt = this.nextItt();
    const cmdSn = this.cmdSn;
    let resolve: (result: ScsiResult) => void = noop;
    let reject: (error: DwError) => void = noop;
    const promise = new Promise<ScsiResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const task: Task = {
      itt,
      cmdSn,
      command,
      lun: this.lun,
      conn,
      dataOut,
      dataIn: command.direction === 'in' ? new Uint8Array(allocation) : undefined,
      sent: 0,
      received: 0,
      queue: [],
      pumping: false,
      prepared: undefined,
      finished: false,
      timeoutMs,
      deadline,
      signal,
      onAbort: undefined,
      resolve,
      reject,
    };

    // Immediate data rides in the command PDU; with InitialR2T=No more unsolicited data follows
    // in Data-Out PDUs up to FirstBurstLength; the rest waits for R2Ts.
    const length = dataOut?.length ?? 0;
    let immediate = 0;
    let unsolicitedEnd = 0;
    if (dataOut !== undefined && length > 0) {
      if (params.immediateData) {
        immediate = Math.min(
          length,
          params.firstBurstLength,
          params.targetMaxRecvDataSegmentLength,
        );
      }
      unsolicitedEnd = params.initialR2T ? immediate : Math.min(length, params.firstBurstLength);
      task.sent = immediate;
    }

    this.task = task;
    this.counters.commands++;
    this.cmdSn = (this.cmdSn + 1) >>> 0;
    const commandPdu: ScsiCommandPdu = {
      type: 'scsi-command',
      immediate: false,
      final: unsolicitedEnd === immediate,
      read: command.direction === 'in',
      write: command.direction === 'out',
      attr: 1, // SIMPLE
      lun: this.lun,
      initiatorTaskTag: itt,
      expectedDataTransferLength: command.direction === 'in' ? allocation : length,
      cmdSn,
      expStatSn: this.expStatSn,
      cdb: command.cdb,
      data: dataOut === undefined ? EMPTY : dataOut.subarray(0, immediate),
    };
    if (unsolicitedEnd > immediate) {
      // The unsolicited Data-Out goes out in the same write as the command.
      const unsolicited = { offset: immediate, end: unsolicitedEnd, ttt: RESERVED_TAG };
      const pdus = this.dataOutPdus(task, unsolicited);
      this.counters.dataOutPdus += pdus.length;
      conn.sendAll([commandPdu, ...pdus]);
      task.sent = unsolicitedEnd;
    } else {
      conn.send(commandPdu);
    }
    if (dataOut !== undefined && task.sent < length && !task.finished) {
      // The rest waits for an R2T, which asks for the next MaxBurstLength bytes unless the
      // target chooses otherwise. Copying that burst now overlaps with the target's work on the
      // command; when the R2T comes only the headers are filled in.
      const offset = task.sent;
      const end = Math.min(length, offset + params.maxBurstLength);
      const token = conn.prepare(this.dataOutPdus(task, { offset, end, ttt: RESERVED_TAG }));
      if (token !== 0) task.prepared = { offset, end, token };
    }
    // A failure while sending (connection lost) may have settled the task already.
    if (!task.finished) {
      this.armDeadline(task);
      if (signal !== undefined) {
        task.onAbort = () => this.giveUp(task, 'abort');
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
    }
    return promise;
  }

  /** The command completed (GOOD or CHECK CONDITION): the caller gets the result. */
  private succeed(task: Task, result: ScsiResult): void {
    if (!this.finish(task)) return;
    this.endTask(task);
    task.resolve(result);
  }

  /** The command failed in transport (connection lost, rejected): the caller gets `error`. */
  private failTask(task: Task, error: DwError): void {
    if (!this.finish(task)) return;
    this.endTask(task);
    task.reject(error);
  }

  /** Timed out or cancelled: ABORT TASK first, then the caller gets the error. */
  private giveUp(task: Task, why: 'timeout' | 'abort'): void {
    if (!this.finish(task)) return;
    const done = () => {
      this.endTask(task);
      task.reject(
        why === 'timeout'
          ? TransportErrors.timeout(task.command, task.timeoutMs)
          : TransportErrors.aborted(task.command),
      );
    };
    this.abortTask(task).then(done, done);
  }

  /** Marks the task settled; false when it already was. */
  private finish(task: Task): boolean {
    if (task.finished) return false;
    task.finished = true;
    if (task.onAbort !== undefined) task.signal?.removeEventListener('abort', task.onAbort);
    return true;
  }

  private endTask(task: Task): void {
    if (this.task === task) this.task = undefined;
    this.becomeIdle();
  }

  private armDeadline(task: Task): void {
    const timer = this.deadlineTimer;
    if (timer !== undefined && this.deadlineTimerAt <= task.deadline) {
      timer.ref();
      return;
    }
    if (timer !== undefined) clearTimeout(timer);
    this.deadlineTimerAt = task.deadline;
    this.deadlineTimer = setTimeout(
      this.onDeadlineTimer,
      Math.max(0, task.deadline - performance.now()),
    );
  }

  private readonly onDeadlineTimer = (): void => {
    this.deadlineTimer = undefined;
    this.deadlineTimerAt = Infinity;
    const task = this.task;
    if (task === undefined || task.finished) return;
    if (performance.now() >= task.deadline) this.giveUp(task, 'timeout');
    else this.armDeadline(task);
  };

  /** Waits until CmdSN is inside the target's command window (ExpCmdSN..MaxCmdSN). */
  private async waitForWindow(
    conn: IscsiConnection,
    command: ScsiCommand,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    while (snGreater(this.cmdSn, this.maxCmdSn)) {
      if (!conn.isOpen) throw this.lost ?? TransportErrors.deviceGone(this.address);
      if (signal?.aborted === true) throw TransportErrors.aborted(command);
      const left = deadline - performance.now();
      if (left <= 0) throw TransportErrors.timeout(command, Math.round(deadline));
      // A ping makes the target report its current MaxCmdSN.
      const opened = new Promise<void>((resolve) => this.windowWaiters.push(resolve));
      this.ping(conn, Math.min(left, this.keepAliveTimeoutMs)).catch(() => undefined);
      await Promise.race([opened, new Promise((r) => setTimeout(r, Math.min(left, 1000)))]);
    }
  }

  private wakeWindow(): void {
    const w = this.windowWaiters;
    this.windowWaiters = [];
    for (const f of w) f();
  }

  /** ABORT TASK for a task we gave up on; on no answer the connection is dropped. */
  private async abortTask(task: Task): Promise<void> {
    const conn = task.conn;
    if (!conn.isOpen || this.conn !== conn) return;
    const itt = this.nextItt();
    this.counters.abortsSent++;
    const answer = this.waitFor(itt, this.tmfTimeoutMs, 'ABORT TASK response');
    conn.send({
      type: 'task-management-request',
      immediate: true,
      function: TaskManagementFunction.ABORT_TASK,
      lun: task.lun,
      initiatorTaskTag: itt,
      referencedTaskTag: task.itt,
      cmdSn: this.cmdSn,
      expStatSn: this.expStatSn,
      refCmdSn: task.cmdSn,
      expDataSn: 0,
    });
    try {
      const p = await answer;
      if (
        p.type === 'task-management-response' &&
        p.response !== TaskManagementResponse.FUNCTION_COMPLETE &&
        p.response !== TaskManagementResponse.TASK_DOES_NOT_EXIST
      ) {
        // The target could not abort it: its state is unknown, so start over with a new session.
        conn.destroy(
          TransportErrors.deviceGone(`${this.address}: ABORT TASK refused (${p.response})`),
        );
      }
    } catch {
      if (conn.isOpen) {
        conn.destroy(TransportErrors.deviceGone(`${this.address}: no answer to ABORT TASK`));
      }
    }
  }

  /**
   * Sends the queued Data-Out sequences, one burst per gathered write, synchronously while the
   * socket takes them; once its buffer is full the rest waits for 'drain'.
   */
  private startPump(task: Task): void {
    if (task.pumping) return;
    const conn = task.conn;
    try {
      while (!task.finished && conn.isOpen) {
        const range = task.queue.shift();
        if (range === undefined) return;
        if (!this.sendBurst(task, range)) {
          task.pumping = true;
          void conn.drained().then(() => {
            task.pumping = false;
            if (task.queue.length > 0 && !task.finished) this.startPump(task);
          });
          return;
        }
      }
    } catch (e) {
      this.failTask(task, e instanceof DwError ? e : TransportErrors.io(String(e), e));
    }
  }

  /** One Data-Out sequence as one gathered write; false when the socket buffer is full. */
  private sendBurst(task: Task, range: DataRange): boolean {
    const pdus = this.dataOutPdus(task, range);
    this.counters.dataOutPdus += pdus.length;
    const prepared = task.prepared;
    task.prepared = undefined;
    const ok =
      (prepared !== undefined && prepared.offset === range.offset && prepared.end === range.end
        ? task.conn.sendPrepared(prepared.token, pdus)
        : undefined) ?? task.conn.sendAll(pdus);
    task.sent = Math.max(task.sent, range.end);
    return ok;
  }

  /** The Data-Out PDUs of one sequence, each within the target's MaxRecvDataSegmentLength. */
  private dataOutPdus(task: Task, range: DataRange): DataOutPdu[] {
    const data = task.dataOut!;
    const segment = this.params!.targetMaxRecvDataSegmentLength;
    const pdus: DataOutPdu[] = [];
    let dataSn = 0;
    for (let off = range.offset; off < range.end;) {
      const n = Math.min(segment, range.end - off);
      pdus.push({
        type: 'data-out',
        final: off + n === range.end,
        lun: task.lun,
        initiatorTaskTag: task.itt,
        targetTransferTag: range.ttt,
        expStatSn: this.expStatSn,
        dataSn: dataSn++,
        bufferOffset: off,
        data: data.subarray(off, off + n),
      });
      off += n;
    }
    return pdus;
  }

  // ---- receive path ----

  private onPdu(conn: IscsiConnection, p: TargetPdu): void {
    if (this.conn !== conn) return;
    this.lastReceive = performance.now();
    this.updateSequenceNumbers(p);
    switch (p.type) {
      case 'nop-in':
        if (p.targetTransferTag !== RESERVED_TAG) {
          // Target ping: answer with the same TTT and ping data, without advancing CmdSN.
          this.counters.nopInPingsAnswered++;
          conn.send({
            type: 'nop-out',
            immediate: true,
            lun: p.lun,
            initiatorTaskTag: RESERVED_TAG,
            targetTransferTag: p.targetTransferTag,
            cmdSn: this.cmdSn,
            expStatSn: this.expStatSn,
            // A view of the receive buffer: copy it in case the PDU is not sent at once.
            data: p.data.slice(),
          });
        } else {
          this.resolveWaiter(p.initiatorTaskTag, p);
        }
        return;
      case 'scsi-response':
        this.onScsiResponse(p);
        return;
      case 'data-in':
        this.onDataIn(p);
        return;
      case 'r2t':
        this.onR2t(p);
        return;
      case 'task-management-response':
      case 'logout-response':
        this.resolveWaiter(p.initiatorTaskTag, p);
        return;
      case 'async-message':
        if (
          p.asyncEvent === AsyncEvent.LOGOUT_REQUESTED ||
          p.asyncEvent === AsyncEvent.NEGOTIATION_REQUESTED
        ) {
          this.retiring = true;
          if (!this.busy) this.retire();
        }
        return;
      case 'reject': {
        const rejectedItt = p.data.length >= 20 ? readU32(p.data, 16) : RESERVED_TAG;
        const error = TransportErrors.io(
          `${this.address}: target rejected a PDU (reason 0x${p.reason.toString(16)})`,
        );
        if (this.task?.itt === rejectedItt) this.failTask(this.task, error);
        else this.waiters.get(rejectedItt)?.reject(error);
        this.waiters.delete(rejectedItt);
        return;
      }
      case 'login-response':
      case 'text-response':
        conn.destroy(
          TransportErrors.io(`${this.address}: unexpected ${p.type} in full feature phase`),
        );
        return;
    }
  }

  private resolveWaiter(itt: number, p: TargetPdu): void {
    const w = this.waiters.get(itt);
    if (w === undefined) return;
    this.waiters.delete(itt);
    w.resolve(p);
  }

  private updateSequenceNumbers(p: TargetPdu): void {
    const advancesStatSn =
      p.type === 'scsi-response' ||
      p.type === 'task-management-response' ||
      p.type === 'logout-response' ||
      p.type === 'reject' ||
      p.type === 'async-message' ||
      p.type === 'text-response' ||
      (p.type === 'data-in' && p.statusPresent) ||
      (p.type === 'nop-in' && p.initiatorTaskTag !== RESERVED_TAG);
    if (advancesStatSn) {
      const next = (p.statSn + 1) >>> 0;
      if (!snGreater(this.expStatSn, next)) this.expStatSn = next;
    }
    if (p.type === 'login-response') return;
    // A MaxCmdSN below ExpCmdSN-1 is invalid and ignored (RFC 7143 §4.2.2.1).
    if (!snGreater((p.expCmdSn - 1) >>> 0, p.maxCmdSn) && snGreater(p.maxCmdSn, this.maxCmdSn)) {
      this.maxCmdSn = p.maxCmdSn;
      this.wakeWindow();
    }
  }

  private taskFor(itt: number): Task | undefined {
    const t = this.task;
    return t !== undefined && t.itt === itt && !t.finished ? t : undefined;
  }

  private onDataIn(p: DataInPdu): void {
    const task = this.taskFor(p.initiatorTaskTag);
    if (task === undefined) return;
    const buf = task.dataIn;
    if (buf !== undefined && p.data.length > 0 && p.bufferOffset < buf.length) {
      // Never more than allocationLength: a target that overruns it is clamped.
      const fit = Math.min(p.data.length, buf.length - p.bufferOffset);
      buf.set(p.data.subarray(0, fit), p.bufferOffset);
      task.received = Math.max(task.received, p.bufferOffset + fit);
    }
    if (p.statusPresent) this.complete(task, p.status, EMPTY);
  }

  private onScsiResponse(p: ScsiResponsePdu): void {
    const task = this.taskFor(p.initiatorTaskTag);
    if (task === undefined) return;
    if (p.response !== 0) {
      this.failTask(
        task,
        TransportErrors.io(
          `${this.address}: ${task.command.name} failed at the target (iSCSI response 0x${p.response.toString(16)})`,
        ),
      );
      return;
    }
    let sense: Uint8Array;
    try {
      sense = decodeSenseData(p.data);
    } catch {
      sense = EMPTY;
    }
    const written = p.underflow
      ? Math.max(0, (task.dataOut?.length ?? 0) - p.residualCount)
      : p.status === ScsiStatus.GOOD
        ? (task.dataOut?.length ?? 0)
        : task.sent;
    this.complete(task, p.status, sense, written);
  }

  private complete(task: Task, status: number, sense: Uint8Array, written?: number): void {
    let result: ScsiResult;
    if (task.dataIn !== undefined) {
      result = {
        status,
        sense,
        dataIn: task.dataIn.subarray(0, task.received),
        residual: task.dataIn.length - task.received,
      };
    } else {
      const length = task.dataOut?.length ?? 0;
      result = {
        status,
        sense,
        dataIn: EMPTY,
        residual: Math.max(
          0,
          length - (written ?? (status === ScsiStatus.GOOD ? length : task.sent)),
        ),
      };
    }
    this.succeed(task, result);
  }

  private onR2t(p: R2tPdu): void {
    const task = this.taskFor(p.initiatorTaskTag);
    if (task === undefined) return;
    this.counters.r2ts++;
    const length = task.dataOut?.length ?? 0;
    const end = p.bufferOffset + p.desiredDataTransferLength;
    if (task.dataOut === undefined || p.desiredDataTransferLength === 0 || end > length) {
      task.conn.destroy(
        TransportErrors.io(
          `${this.address}: R2T for bytes ${p.bufferOffset}..${end} of a ${length}-byte ${task.command.name}`,
        ),
      );
      return;
    }
    task.queue.push({ offset: p.bufferOffset, end, ttt: p.targetTransferTag });
    this.startPump(task);
  }
}

/**
 * Opens an iSCSI transport to `iscsi://[user[%password]@]host[:port]/target-iqn/lun` and logs
 * in. Rejects with 0x80070037 when the portal or target cannot be reached, E_ACCESSDENIED when
 * CHAP fails, E_INVALIDARG for a malformed address.
 */
export async function openIscsiTransport(
  address: string,
  options: IscsiTransportOptions = {},
): Promise<IscsiTransport> {
  const target = parseIscsiAddress(address, options.env === undefined ? {} : { env: options.env });
  const transport = new IscsiTransport(target, options);
  await transport.loginWithRedirects();
  return transport;
}
