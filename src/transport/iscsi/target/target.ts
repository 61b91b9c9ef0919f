// The discwright iSCSI target (RFC 7143): a TCP listener exporting a list of Transports (the
// virtual drives `discwright serve` opens) as LUN 0, 1, …, one TargetConnection per initiator
// connection. Commands of one LUN are serialised across every session, the way a drive runs one
// command at a time. What is implemented and what is not is listed in docs/iscsi.md, "Target".

import net from 'node:net';
import { invalidArgument } from '../../../errors.js';
import { systemClock, type Clock } from '../../clock.js';
import { LoginLimiter, type LoginLimit } from './target-login-limit.js';
import type { PingTimes } from './target-ping.js';
import type { ScsiResult } from '../../../scsi/command.js';
import type { Transport } from '../../transport.js';
import type { ScsiCommandPdu } from '../pdu-types.js';
import { TargetConnection, type ConnectionEvent } from './target-connection.js';
import type { TargetChap } from './target-login.js';
import { INVALID_FIELD_IN_CDB } from './target-task.js';
import type { ABORTED } from './target-lun.js';
import {
  LogicalUnit,
  UA_COMMANDS_CLEARED,
  UA_LUN_RESET,
  UA_RESET,
  type UnitAttention,
} from './target-lun.js';
import type { TargetTask } from './target-tasks.js';

export type { ConnectionEvent } from './target-connection.js';
export type { CommandTrace } from './target-host.js';
export type { TargetChap, ChapSecret } from './target-login.js';
export type { LoginLimit } from './target-login-limit.js';

export interface IscsiTargetOptions {
  /** The logical units, LUN 0 first. */
  readonly luns: readonly Transport[];
  /** The target's iSCSI name (IQN). */
  readonly targetName: string;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** TCP port (default 3260; 0 picks a free one). */
  readonly port?: number;
  /** Normal sessions open at once (default unbounded); one more login gets 0302h. */
  readonly maxSessions?: number;
  /** CHAP (MD5) every login must pass; without it, AuthMethod None. */
  readonly chap?: TargetChap;
  /** Called for every login, logout and closed connection (and command, with `trace`). */
  readonly onEvent?: (e: ConnectionEvent) => void;
  /** Report every command answered as a `command` event (`discwright serve --trace`). */
  readonly trace?: boolean;
  /** Failed logins allowed per source address and time window; default unlimited. */
  readonly loginLimit?: LoginLimit;
  /** NOP-In pings of an idle initiator (default none); it is dropped when it does not answer. */
  readonly ping?: PingTimes;
  /** The clock of the login limit's window and of pings (default: the system clock). */
  readonly clock?: Clock;
}

/** iSCSI names (RFC 7143 §4.2.7.2): the iqn. and eui. forms, lower case. */
const IQN = /^(iqn\.\d{4}-\d{2}\.[a-z0-9.-]+(:[^\s]+)?|eui\.[0-9a-f]{16})$/;

export class IscsiTarget {
  readonly #options: IscsiTargetOptions;
  readonly #server: net.Server;
  readonly #connections = new Set<TargetConnection>();
  /** The connections logged in to a normal session. */
  readonly #sessions = new Map<TargetConnection, number>();
  readonly #luns: LogicalUnit[];
  #tsih = 0;
  readonly #limiter: LoginLimiter | undefined;
  #portal = '';
  #closing = false;

  constructor(options: IscsiTargetOptions) {
    if (options.luns.length === 0) throw invalidArgument('the target needs at least one LUN');
    if (options.luns.length > 256) throw invalidArgument('at most 256 LUNs are served');
    if (!IQN.test(options.targetName)) {
      throw invalidArgument(`${options.targetName} is not an iSCSI name (iqn.yyyy-mm.…)`);
    }
    this.#options = options;
    this.#luns = options.luns.map((drive) => new LogicalUnit(drive));
    if (options.loginLimit !== undefined) {
      this.#limiter = new LoginLimiter(options.loginLimit, options.clock ?? systemClock);
    }
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  get targetName(): string {
    return this.#options.targetName;
  }

  /** `host:port` once listening. */
  get portal(): string {
    return this.#portal;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo | null)?.port ?? 0;
  }

  /** Open connections and the bytes they hold (framing, write data, unsent answers). */
  stats(): { connections: number; bufferedBytes: number } {
    let bufferedBytes = 0;
    for (const c of this.#connections) bufferedBytes += c.heldBytes;
    return { connections: this.#connections.size, bufferedBytes };
  }

  async listen(): Promise<void> {
    const host = this.#options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port ?? 3260, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#server.on('error', () => undefined);
    const a = this.#server.address() as net.AddressInfo;
    this.#portal = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /**
   * Stops listening, asks every logged-in initiator to log out (waiting up to `logoutWaitMs`
   * for it), closes what is left, and waits for the commands running on the drives. The LUNs'
   * transports stay open: their owner closes them.
   */
  async close(logoutWaitMs = 2000): Promise<void> {
    this.#closing = true;
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all([...this.#connections].map((c) => c.logOut(logoutWaitMs)));
    this.#connections.clear();
    await Promise.allSettled(this.#luns.map((u) => u.idle));
    await stopped;
  }

  #accept(socket: net.Socket): void {
    const address = socket.remoteAddress ?? '';
    if (this.#limiter?.refuses(address) === true) {
      socket.destroy();
      const peer = `${address}:${socket.remotePort ?? 0}`;
      this.#options.onEvent?.({ kind: 'closed', peer, reason: 'too many failed logins' });
      return;
    }
    socket.setNoDelay(true);
    let loggedIn = false;
    const connection = new TargetConnection(socket, {
      targetName: this.#options.targetName,
      portal: this.#portal,
      lunCount: this.#options.luns.length,
      trace: this.#options.trace === true,
      ...(this.#options.ping === undefined
        ? {}
        : { ping: { times: this.#options.ping, clock: this.#options.clock ?? systemClock } }),
      ...(this.#options.chap === undefined ? {} : { chap: this.#options.chap }),
      runOnLun: (lun, nexus, task, p, dataOut) => this.#runOnLun(lun, nexus, task, p, dataOut),
      clearTaskSet: (lun, nexus) => this.#clearTaskSet(lun, nexus),
      resetLun: (lun) => this.#resetLuns([lun], UA_LUN_RESET),
      resetTarget: () => this.#resetLuns(this.#luns.keys(), UA_RESET),
      nextTsih: () => {
        this.#tsih = this.#tsih >= 0xffff ? 1 : this.#tsih + 1;
        return this.#tsih;
      },
      admit: () => this.#sessions.size < (this.#options.maxSessions ?? Infinity),
      event: (e) => {
        if (e.kind === 'login') {
          loggedIn = true;
          this.#limiter?.succeeded(address);
        }
        if (e.kind === 'login' && e.sessionType === 'Normal') {
          this.#sessions.set(connection, e.nexus);
          for (const u of this.#luns) u.addNexus(e.nexus);
        }
        if (e.kind === 'closed') {
          // Ctrl-C closing a connection still in login is not the initiator's failure.
          if (!loggedIn && !this.#closing) this.#limiter?.failed(address);
          this.#connections.delete(connection);
          const nexus = this.#sessions.get(connection);
          this.#sessions.delete(connection);
          if (nexus !== undefined) for (const u of this.#luns) u.removeNexus(nexus);
        }
        this.#options.onEvent?.(e);
      },
    });
    this.#connections.add(connection);
  }

  #runOnLun(
    lun: number,
    nexus: number,
    task: TargetTask,
    p: ScsiCommandPdu,
    dataOut: Uint8Array,
  ): Promise<ScsiResult | typeof ABORTED> {
    const unit = this.#luns[lun]!;
    // The drive's own transfer bound (a virtual drive's `maxTransfer`) holds over iSCSI too; a
    // longer command is refused as a field of the CDB rather than failing the transport.
    const max = unit.drive.limits().maxPageAlignedTransferBytes;
    if (p.expectedDataTransferLength > max) return Promise.resolve(INVALID_FIELD_IN_CDB());
    return unit.run(nexus, task, p, dataOut);
  }

  /**
   * CLEAR TASK SET from `issuer` (SAM-5 7.3): the unit has one task set shared by every I_T
   * nexus (TST 000b), so every session's tasks of the unit are aborted; the unit is not reset
   * (its reservation and prevention of medium removal stay). Other sessions' aborted commands
   * get no answer (TAS 0): each nexus that had one gets COMMANDS CLEARED BY ANOTHER INITIATOR
   * (2F/00), established before the abort so that none of its later commands runs without it.
   */
  async #clearTaskSet(lun: number, issuer: number): Promise<void> {
    const unit = this.#luns[lun]!;
    for (const [c, nexus] of this.#sessions) {
      if (nexus !== issuer && c.hasTasks(lun)) unit.establishFor(nexus, UA_COMMANDS_CLEARED);
    }
    await Promise.all([...this.#connections].map((c) => c.abortTasks(lun)));
  }

  /**
   * LOGICAL UNIT RESET of each of `luns` (TARGET WARM RESET: all of them): every task of those
   * units is aborted in every session (SAM-5 7.6; other initiators' tasks end without an answer,
   * TAS 0), then each unit is reset and `ua` established for every nexus.
   */
  async #resetLuns(luns: Iterable<number>, ua: UnitAttention): Promise<void> {
    const which = [...luns];
    await Promise.all([...this.#connections].flatMap((c) => which.map((lun) => c.abortTasks(lun))));
    await Promise.all(which.map((lun) => this.#luns[lun]!.reset(ua)));
  }
}
