// Queued writes on an iSCSI session (Transport.queuedWrites; docs/iscsi.md, "Drives at a
// distance"; docs/decisions.md, "Queued writes"): several WRITEs in flight, ORDERED, so that a
// round trip is paid once per window of commands instead of once per command. The depth is the
// smallest of the configured queue depth and the widest command window the target has granted
// (tgt opens it from 2 at login as commands flow; a command past MaxCmdSN waits for it), and drops to 1 for the rest of the transport's life once the target answers a queued command
// TASK SET FULL or BUSY (the fallback). Commands go out in call order: one that has to wait (a
// login, a closed window, a logout the target asked for) holds back every later one.

import { DwError } from '../../errors.js';
import type { ScsiCommand, ScsiResult } from '../../scsi/command.js';
import { TransportErrors, type ExecuteOptions, type QueuedWriteCapability } from '../transport.js';
import type { CommandRunner } from './commands.js';
import type { IscsiConnection } from './connection.js';
import { validateCommand } from './task.js';

/**
 * Queue depth of an iSCSI transport unless told otherwise (IscsiTransportOptions.queueDepth): a
 * bound above the write engine's default, whose queueDepth chooses; the target's window lowers it.
 */
export const DEFAULT_ISCSI_QUEUE_DEPTH = 64;

/** What the queued writes need of the session. */
export interface QueuedWritesHost {
  readonly address: string;
  readonly commands: CommandRunner;
  readonly queueDepth: number;
  readonly commandTimeoutMs: number;
  closed(): boolean;
  /**
   * The most commands the target's window (MaxCmdSN − ExpCmdSN + 1) has held since the last
   * login: a target that never opens it beyond 1 does not queue.
   */
  window(): number;
  /** The connection when a command can go out in this tick, else undefined. */
  ready(): IscsiConnection | undefined;
  /** Waits until a command can go out (logout asked for, login, command window). */
  whenReady(
    command: ScsiCommand,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<IscsiConnection>;
}

export class QueuedWrites implements QueuedWriteCapability {
  readonly #host: QueuedWritesHost;
  #refused = false;
  /** Queued commands waiting to go out; later ones wait behind them. */
  #waiting = 0;
  #tail: Promise<void> = Promise.resolve();
  /** Aborted by abortQueued(): commands still waiting to go out never do. */
  #cancel = new AbortController();

  constructor(host: QueuedWritesHost) {
    this.#host = host;
  }

  get depth(): number {
    if (this.#refused) return 1;
    return Math.max(1, Math.min(this.#host.queueDepth, this.#host.window()));
  }

  /** The target refused the queue (TASK SET FULL, BUSY): one in flight from now on. */
  refused(): void {
    this.#refused = true;
  }

  executeQueued(command: ScsiCommand, options: ExecuteOptions = {}): Promise<ScsiResult> {
    const host = this.#host;
    if (host.closed()) return Promise.reject(TransportErrors.closed(host.address));
    try {
      validateCommand(command);
      if (options.signal?.aborted === true) throw TransportErrors.aborted(command);
    } catch (e) {
      return Promise.reject(e instanceof DwError ? e : TransportErrors.io(String(e), e));
    }
    const timeoutMs = options.timeoutMs ?? host.commandTimeoutMs;
    const deadline = performance.now() + timeoutMs;
    const conn = this.#waiting === 0 ? host.ready() : undefined;
    if (conn !== undefined) {
      return host.commands.start(conn, command, timeoutMs, deadline, options.signal, true);
    }
    return this.#startInTurn(command, timeoutMs, deadline, options.signal);
  }

  /** Waits behind the queued commands before it, then for the session, then starts. */
  async #startInTurn(
    command: ScsiCommand,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<ScsiResult> {
    const before = this.#tail;
    let done = (): void => undefined;
    this.#tail = new Promise<void>((resolve) => (done = resolve));
    this.#waiting++;
    const cancel = this.#cancel.signal;
    let conn: IscsiConnection;
    try {
      await before;
      if (cancel.aborted) throw TransportErrors.aborted(command);
      const both = signal === undefined ? cancel : AbortSignal.any([signal, cancel]);
      conn = await this.#host.whenReady(command, timeoutMs, deadline, both);
      if (cancel.aborted) throw TransportErrors.aborted(command);
    } catch (e) {
      this.#waiting--;
      done();
      throw e;
    }
    this.#waiting--;
    // Started before the next one in line may go.
    const started = this.#host.commands.start(conn, command, timeoutMs, deadline, signal, true);
    done();
    return started;
  }

  async abortQueued(): Promise<void> {
    this.#cancel.abort();
    this.#cancel = new AbortController();
    await this.#host.commands.abortQueued();
    await this.#tail;
  }
}
