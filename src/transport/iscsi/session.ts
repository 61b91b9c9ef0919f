// The iSCSI Transport: one session, one connection, ErrorRecoveryLevel 0 (RFC 7143). Full
// feature phase: SCSI Command with immediate and unsolicited data per the negotiated keys,
// R2T-driven Data-Out within MaxBurstLength and MaxRecvDataSegmentLength, Data-In with status
// and residuals, SCSI Response with sense, NOP-In/NOP-Out both ways, ABORT TASK on timeout or
// cancel, LOGICAL UNIT RESET, Logout, and re-login after a lost connection.
//
// This module keeps the session's state and wires its parts (docs/iscsi.md, "Modules"):
// commands.ts, cmdsn-window.ts, window-wait.ts, requests.ts, keep-alive.ts, login-redirect.ts.
//
// Queued writes (queued-writes.ts) put several ORDERED WRITEs in flight beside `execute`.
//
// Faults (see docs/iscsi.md): every wait is bounded. A connection lost while a command is in
// flight rejects that command with 0x80070037; a timeout sends ABORT TASK and rejects with
// 0xC0AA020D; an abort signal does the same and rejects with 0xC0AA0002. At ERL 0 a lost
// connection is a lost session: the next command logs in again (session reinstatement with the
// same ISID) unless `autoReconnect` is off.

import { randomBytes } from 'node:crypto';
import { DwError, HR } from '../../errors.js';
import type { ScsiCommand, ScsiResult } from '../../scsi/command.js';
import {
  TransportErrors,
  type ExecuteOptions,
  type PlatformInfo,
  type Transport,
  type TransportLimits,
} from '../transport.js';
import { redactIscsiAddress, type IscsiAddress, type IscsiPortal } from './address.js';
import { CmdSnWindow, expStatSnAfter } from './cmdsn-window.js';
import { CommandRunner } from './commands.js';
import { dispatchTargetPdu, type ReceiveHost } from './receive.js';
import type { IscsiConnection } from './connection.js';
import { KeepAlive, PingEchoes } from './keep-alive.js';
import { loginFollowingRedirects } from './login-redirect.js';
import type { SessionParameters } from './negotiate.js';
import { encodeLun } from './pdu-layout.js';
import type { TargetPdu } from './pdu-types.js';
import { Retirement } from './retirement.js';
import { ImmediateRequests } from './requests.js';
import {
  normalSessionLogin,
  sessionLimits,
  sessionCounters,
  sessionSettings,
  type IscsiSessionStats,
  type IscsiTransportOptions,
  type SessionSettings,
} from './session-options.js';
import { validateCommand, type Task } from './task.js';
import { WindowWait } from './window-wait.js';
import { DEFAULT_ISCSI_QUEUE_DEPTH, QueuedWrites } from './queued-writes.js';

export class IscsiTransport implements Transport {
  readonly address: string;
  readonly #target: IscsiAddress;
  #portal: IscsiPortal;
  readonly #settings: SessionSettings;
  readonly #lun: Uint8Array;
  readonly #isid: Uint8Array;

  #conn: IscsiConnection | undefined;
  #lost: DwError | undefined;
  #params: SessionParameters | undefined;
  readonly #window = new CmdSnWindow();
  #expStatSn = 0;
  #busy = false;
  #closed = false;
  #widestWindow = 1;
  #connecting: Promise<IscsiConnection> | undefined;
  /** Several ORDERED WRITEs in flight (Transport.queuedWrites). */
  readonly queuedWrites: QueuedWrites;
  readonly #retirement: Retirement;
  readonly #echoes = new PingEchoes();
  readonly #requests: ImmediateRequests;
  readonly #commands: CommandRunner;
  readonly #keepAlive: KeepAlive;
  readonly #windowWait: WindowWait;
  readonly #counters = sessionCounters();
  /** What the receive path hands PDUs to: built once, not per PDU. */
  readonly #receiveHost: ReceiveHost;

  constructor(target: IscsiAddress, options: IscsiTransportOptions = {}) {
    this.#target = target;
    this.#portal = { host: target.host, port: target.port };
    const s = (this.#settings = sessionSettings(target, options));
    this.address = redactIscsiAddress({
      ...target,
      ...(s.credentials === undefined ? {} : { credentials: s.credentials }),
    });
    this.#lun = encodeLun(target.lun);
    // ISID type 10b (random): byte 0 = 80h, bytes 1..3 random, qualifier bytes 4..5 random.
    this.#isid = new Uint8Array(randomBytes(6));
    this.#isid[0] = 0x80;
    this.#requests = new ImmediateRequests(this.address, s.tmfTimeoutMs, () => ({
      lun: this.#lun,
      cmdSn: this.#window.cmdSn,
      expStatSn: this.#expStatSn,
    }));
    this.#commands = new CommandRunner({
      address: this.address,
      lun: this.#lun,
      window: this.#window,
      requests: this.#requests,
      counters: this.#counters,
      params: () => this.#params!,
      expStatSn: () => this.#expStatSn,
      abort: (task) => this.#abortTask(task),
      idle: () => this.#becomeIdle(),
      queuedEnded: (inFlight) => {
        if (!inFlight && !this.#busy && !this.#closed) void this.#retirement.start(this.#conn);
      },
      queueRefused: () => this.queuedWrites.refused(),
    });
    this.queuedWrites = new QueuedWrites({
      address: this.address,
      commands: this.#commands,
      queueDepth: options.queueDepth ?? DEFAULT_ISCSI_QUEUE_DEPTH,
      commandTimeoutMs: s.commandTimeoutMs,
      closed: () => this.#closed,
      window: () => this.#widestWindow,
      ready: () => this.#readyConnection(),
      whenReady: (command, timeoutMs, deadline, signal) =>
        this.#whenReady(command, timeoutMs, deadline, signal),
    });
    this.#retirement = new Retirement(
      this.address,
      (conn) => this.#requests.logout(conn),
      s.loginTimeoutMs,
    );
    this.#keepAlive = new KeepAlive({
      intervalMs: s.keepAliveIntervalMs,
      timeoutMs: s.keepAliveTimeoutMs,
      address: this.address,
      ping: (conn, timeoutMs) => this.#requests.ping(conn, timeoutMs),
    });
    this.#windowWait = new WindowWait({
      window: this.#window,
      ping: (conn, left) => this.#requests.ping(conn, Math.min(left, s.keepAliveTimeoutMs)),
      lost: () => this.#lost ?? TransportErrors.deviceGone(this.address),
    });
    this.#receiveHost = {
      address: this.address,
      commands: this.#commands,
      requests: this.#requests,
      retirement: this.#retirement,
      echoes: this.#echoes,
      sequence: () => ({ cmdSn: this.#window.cmdSn, expStatSn: this.#expStatSn }),
    };
  }

  /** Parameters of the current session (undefined before the first login). */
  get parameters(): SessionParameters | undefined {
    return this.#params;
  }

  /** True while logged in with a live connection. */
  get connected(): boolean {
    return this.#conn?.isOpen === true && this.#lost === undefined;
  }

  get stats(): IscsiSessionStats {
    return {
      ...this.#counters,
      nopInPingsAnswered: this.#echoes.answered,
      nopInPingsUnanswered: this.#echoes.unanswered,
    };
  }

  /** Bytes sent the target has not taken / received not yet framed (0 when not connected). */
  get sendBacklog(): number {
    return this.#conn?.sendBacklog ?? 0;
  }
  get receiveBacklog(): number {
    return this.#conn?.receiveBacklog ?? 0;
  }

  limits(): TransportLimits {
    return sessionLimits(this.#settings, this.#params);
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
    if (this.#closed) throw TransportErrors.closed(this.address);
    if (this.#commands.inFlight) {
      throw new DwError(HR.E_FAIL, { message: 'cannot reconnect while a command is in flight' });
    }
    this.#dropConnection(TransportErrors.deviceGone(`${this.address}: reconnecting`));
    await this.loginWithRedirects();
  }

  execute(command: ScsiCommand, options: ExecuteOptions = {}): Promise<ScsiResult> {
    if (this.#closed) return Promise.reject(TransportErrors.closed(this.address));
    if (this.#busy) return Promise.reject(TransportErrors.overlapped(command));
    this.#busy = true;
    try {
      validateCommand(command);
      const signal = options.signal;
      if (signal?.aborted === true) throw TransportErrors.aborted(command);
      const timeoutMs = options.timeoutMs ?? this.#settings.commandTimeoutMs;
      const deadline = performance.now() + timeoutMs;
      // The common case (logged in, CmdSN inside the window) sends the command in this tick;
      // the returned promise is the one the response settles, with no async layers between.
      const conn = this.#readyConnection();
      if (conn !== undefined) {
        return this.#commands.start(conn, command, timeoutMs, deadline, signal);
      }
      return this.#startWhenReady(command, timeoutMs, deadline, signal);
    } catch (e) {
      this.#becomeIdle();
      return Promise.reject(e instanceof DwError ? e : TransportErrors.io(String(e), e));
    }
  }

  /** The connection when a command can go out in this tick (logged in, window open). */
  #readyConnection(): IscsiConnection | undefined {
    const conn = this.#conn;
    return conn?.isOpen === true &&
      this.#lost === undefined &&
      !this.#retirement.pending &&
      this.#window.isOpen
      ? conn
      : undefined;
  }

  /** Logs in again and/or waits for the command window first, then starts the command. */
  async #startWhenReady(
    command: ScsiCommand,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<ScsiResult> {
    let conn: IscsiConnection;
    try {
      conn = await this.#whenReady(command, timeoutMs, deadline, signal);
    } catch (e) {
      this.#becomeIdle();
      throw e;
    }
    return this.#commands.start(conn, command, timeoutMs, deadline, signal);
  }

  /** Waits for a logout the target asked for, a login, and the command window. */
  async #whenReady(
    command: ScsiCommand,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<IscsiConnection> {
    // RFC 7143 §11.9.1: no new command on a connection the target asked to log out, and the
    // logout waits for the commands in flight on it.
    while (this.#retirement.pending && this.#commands.inFlight) await this.#commands.whenIdle();
    await this.#retirement.start(this.#conn);
    const conn =
      this.#conn?.isOpen === true && this.#lost === undefined
        ? this.#conn
        : await this.#ensureConnected();
    if (!this.#window.isOpen) {
      await this.#windowWait.until(conn, command, deadline, signal, timeoutMs);
    }
    return conn;
  }

  /** After the previous command (and any ABORT TASK for it) is over: the next may start. */
  #becomeIdle(): void {
    this.#busy = false;
    this.#commands.idle();
    if (!this.#closed && !this.#commands.inFlight) void this.#retirement.start(this.#conn);
  }

  /** LOGICAL UNIT RESET (the target queues a unit attention 06/29/xx). Returns the TMF response. */
  async resetLogicalUnit(): Promise<number> {
    if (this.#closed) throw TransportErrors.closed(this.address);
    if (this.#busy || this.#commands.inFlight) {
      throw new DwError(HR.E_FAIL, { message: 'cannot reset while a command is in flight' });
    }
    this.#busy = true;
    try {
      return await this.#requests.resetLogicalUnit(await this.#ensureConnected());
    } finally {
      this.#busy = false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#keepAlive.stop();
    this.#commands.close();
    const conn = this.#conn;
    if (conn?.isOpen === true && this.#lost === undefined && !this.#commands.inFlight) {
      await this.#requests.logout(conn).catch(() => undefined);
    }
    this.#dropConnection(TransportErrors.closed(this.address));
  }

  // ---- connection management ----

  async #ensureConnected(): Promise<IscsiConnection> {
    if (this.#conn?.isOpen === true && this.#lost === undefined) return this.#conn;
    if (this.#params !== undefined && !this.#settings.autoReconnect) {
      throw TransportErrors.deviceGone(
        `${this.address}: connection lost (${this.#lost?.message ?? 'closed'}); reconnect() to continue`,
      );
    }
    // One login at a time, whoever asks (a queued write and a recorder command may both wait).
    this.#connecting ??= this.loginWithRedirects().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** Opens a connection and logs in, following up to 4 redirects. */
  async loginWithRedirects(): Promise<IscsiConnection> {
    const { conn, outcome } = await loginFollowingRedirects(
      this.#portal,
      this.#settings.connectTimeoutMs,
      normalSessionLogin(this.#settings, this.#target.targetName, this.#isid, this.#window.cmdSn),
      (portal) => {
        this.#portal = portal;
      },
      this.address,
    );
    if (this.#closed) {
      conn.destroy();
      throw TransportErrors.closed(this.address);
    }
    this.#conn = conn;
    this.#lost = undefined;
    this.#retirement.reset();
    this.#params = outcome.params;
    this.#expStatSn = outcome.expStatSn;
    this.#window.reset(outcome.expCmdSn, outcome.maxCmdSn);
    this.#widestWindow = Math.max(1, ((outcome.maxCmdSn - outcome.expCmdSn) | 0) + 1);
    this.#counters.logins++;
    conn.start({
      pdu: (p) => this.#onPdu(conn, p),
      closed: (e) => this.#onClosed(conn, e),
    });
    this.#keepAlive.start(conn);
    return conn;
  }

  #dropConnection(reason: DwError): void {
    const conn = this.#conn;
    if (conn === undefined) return;
    conn.destroy(reason);
  }

  #onClosed(conn: IscsiConnection, error: DwError): void {
    if (this.#conn !== conn) return;
    this.#lost = error;
    this.#keepAlive.stop();
    this.#commands.connectionLost(conn, error);
    this.#requests.rejectAll(error);
    this.#windowWait.wake();
  }

  /** ABORT TASK for a task given up on, unless its connection is gone already. */
  async #abortTask(task: Task): Promise<void> {
    const conn = task.conn;
    if (!conn.isOpen || this.#conn !== conn) return;
    this.#counters.abortsSent++;
    await this.#requests.abortTask(conn, task);
  }

  // ---- receive path ----

  #onPdu(conn: IscsiConnection, p: TargetPdu): void {
    if (this.#conn !== conn) return;
    this.#keepAlive.received();
    this.#updateSequenceNumbers(p);
    dispatchTargetPdu(this.#receiveHost, conn, p);
  }

  #updateSequenceNumbers(p: TargetPdu): void {
    this.#expStatSn = expStatSnAfter(p, this.#expStatSn);
    if (p.type === 'login-response') return;
    if (this.#window.update(p.expCmdSn, p.maxCmdSn)) {
      // The most commands the target has let us queue at once: the queued writes' depth cap.
      const w = this.#window;
      this.#widestWindow = Math.max(this.#widestWindow, ((w.maxCmdSn - w.expCmdSn) | 0) + 1);
      this.#windowWait.wake();
    }
  }
}
