// The discwright iSCSI target (RFC 7143): a TCP listener exporting a list of Transports (the
// virtual drives `discwright serve` opens) as LUN 0, 1, …, one TargetConnection per initiator
// connection. Commands of one LUN are serialised across every session, the way a drive runs one
// command at a time. What is implemented and what is not is listed in docs/iscsi.md, "Target".

import net from 'node:net';
import { invalidArgument } from '../../../errors.js';
import type { ScsiResult } from '../../../scsi/command.js';
import type { Transport } from '../../transport.js';
import type { ScsiCommandPdu } from '../pdu-types.js';
import { TargetConnection, type ConnectionEvent } from './target-connection.js';
import type { TargetChap } from './target-login.js';
import { INVALID_FIELD_IN_CDB, checkCondition, commandOf, fixedSense } from './target-task.js';

export type { ConnectionEvent } from './target-connection.js';
export type { TargetChap, ChapSecret } from './target-login.js';

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
  /** Called for every login, logout and closed connection. */
  readonly onEvent?: (e: ConnectionEvent) => void;
}

/** iSCSI names (RFC 7143 §4.2.7.2): the iqn. and eui. forms, lower case. */
const IQN = /^(iqn\.\d{4}-\d{2}\.[a-z0-9.-]+(:[^\s]+)?|eui\.[0-9a-f]{16})$/;

export class IscsiTarget {
  readonly #options: IscsiTargetOptions;
  readonly #server: net.Server;
  readonly #connections = new Set<TargetConnection>();
  /** The connections logged in to a normal session. */
  readonly #sessions = new Set<TargetConnection>();
  readonly #lunQueues: Promise<unknown>[];
  #tsih = 0;
  #portal = '';

  constructor(options: IscsiTargetOptions) {
    if (options.luns.length === 0) throw invalidArgument('the target needs at least one LUN');
    if (options.luns.length > 256) throw invalidArgument('at most 256 LUNs are served');
    if (!IQN.test(options.targetName)) {
      throw invalidArgument(`${options.targetName} is not an iSCSI name (iqn.yyyy-mm.…)`);
    }
    this.#options = options;
    this.#lunQueues = options.luns.map(() => Promise.resolve());
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
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all([...this.#connections].map((c) => c.logOut(logoutWaitMs)));
    this.#connections.clear();
    await Promise.allSettled(this.#lunQueues);
    await stopped;
  }

  #accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const connection = new TargetConnection(socket, {
      targetName: this.#options.targetName,
      portal: this.#portal,
      lunCount: this.#options.luns.length,
      ...(this.#options.chap === undefined ? {} : { chap: this.#options.chap }),
      runOnLun: (lun, p, dataOut) => this.#runOnLun(lun, p, dataOut),
      nextTsih: () => {
        this.#tsih = this.#tsih >= 0xffff ? 1 : this.#tsih + 1;
        return this.#tsih;
      },
      admit: () => this.#sessions.size < (this.#options.maxSessions ?? Infinity),
      event: (e) => {
        if (e.kind === 'login' && e.sessionType === 'Normal') this.#sessions.add(connection);
        if (e.kind === 'closed') {
          this.#connections.delete(connection);
          this.#sessions.delete(connection);
        }
        this.#options.onEvent?.(e);
      },
    });
    this.#connections.add(connection);
  }

  #runOnLun(lun: number, p: ScsiCommandPdu, dataOut: Uint8Array): Promise<ScsiResult> {
    const drive = this.#options.luns[lun]!;
    // The drive's own transfer bound (a virtual drive's `maxTransfer`) holds over iSCSI too; a
    // longer command is refused as a field of the CDB rather than failing the transport.
    const max = drive.limits().maxPageAlignedTransferBytes;
    if (p.expectedDataTransferLength > max) return Promise.resolve(INVALID_FIELD_IN_CDB());
    const run = this.#lunQueues
      [lun]!.then(() => drive.execute(commandOf(p, dataOut)))
      .catch(
        // A transport failure (the drive vanished, its image failed) is not a SCSI answer:
        // the initiator sees HARDWARE ERROR, INTERNAL TARGET FAILURE (04/44/00).
        () => checkCondition(fixedSense(0x04, 0x44, 0x00)),
      );
    this.#lunQueues[lun] = run;
    return run;
  }
}
