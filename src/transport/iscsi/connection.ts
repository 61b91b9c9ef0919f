// One TCP connection to an iSCSI target: connect with a timeout, send PDUs as gathered writes
// (socket.cork / uncork, so a Data-Out payload goes out as a view of the caller's buffer), and
// receive them through the incremental framer. Two receive modes: pull (`receive()`, used
// during login and discovery, where digests switch on between two PDUs) and push (`start()`,
// the full feature phase).

import net from 'node:net';
import { DwError, HR, MalformedDataError } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import { frameParts, NO_DIGESTS, PduFramer, type DigestSettings } from './framer.js';
import { decodePdu, encodeBhs, pduData, type Pdu, type TargetPdu } from './pdu.js';

export interface ConnectionHandlers {
  pdu(p: TargetPdu): void;
  /** The connection ended (peer closed, reset, protocol error); called once. */
  closed(error: DwError): void;
}

const TARGET_TYPES: ReadonlySet<Pdu['type']> = new Set<TargetPdu['type']>([
  'nop-in',
  'scsi-response',
  'task-management-response',
  'login-response',
  'text-response',
  'data-in',
  'logout-response',
  'r2t',
  'async-message',
  'reject',
]);

function isTargetPdu(p: Pdu): p is TargetPdu {
  return TARGET_TYPES.has(p.type);
}

export class IscsiConnection {
  private readonly socket: net.Socket;
  private readonly framer = new PduFramer();
  private sendDigests: DigestSettings = NO_DIGESTS;
  private handlers: ConnectionHandlers | undefined;
  private waiter: { resolve: (p: TargetPdu) => void; reject: (e: DwError) => void } | undefined;
  private ended: DwError | undefined;
  private drainWaiters: (() => void)[] = [];
  readonly description: string;

  private constructor(socket: net.Socket, description: string) {
    this.socket = socket;
    this.description = description;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.wakeDrain());
    socket.on('error', (e: Error) =>
      this.end(TransportErrors.deviceGone(`${description}: ${e.message}`, e)),
    );
    socket.on('close', () =>
      this.end(TransportErrors.deviceGone(`${description}: connection closed by the target`)),
    );
  }

  /** Opens a TCP connection; rejects with 0x80070037 when the portal cannot be reached in time. */
  static open(host: string, port: number, timeoutMs: number): Promise<IscsiConnection> {
    const description = `iSCSI portal ${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          TransportErrors.deviceGone(`${description}: no TCP connection within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const onError = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(TransportErrors.deviceGone(`${description}: ${e.message}`, e));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setKeepAlive(true, 30_000);
        resolve(new IscsiConnection(socket, description));
      });
    });
  }

  get isOpen(): boolean {
    return this.ended === undefined;
  }

  /** The error the connection ended with, if it has. */
  get endError(): DwError | undefined {
    return this.ended;
  }

  /** Digests apply to PDUs framed after this call (set between login and full feature phase). */
  setDigests(d: DigestSettings): void {
    this.sendDigests = d;
    this.framer.digests = d;
  }

  get digests(): DigestSettings {
    return this.sendDigests;
  }

  /**
   * Sends one PDU. Returns false when the socket's buffer is full: call `drained()` before
   * sending much more. A PDU sent on an ended connection is dropped (the end was reported).
   */
  send(p: Pdu): boolean {
    return this.sendParts(frameParts(encodeBhs(p), pduData(p), this.sendDigests));
  }

  /** Sends several PDUs in one gathered write. */
  sendAll(pdus: readonly Pdu[]): boolean {
    if (this.ended !== undefined) return true;
    this.socket.cork();
    let ok = true;
    for (const p of pdus) {
      for (const part of frameParts(encodeBhs(p), pduData(p), this.sendDigests)) {
        ok = this.socket.write(part) && ok;
      }
    }
    this.socket.uncork();
    return ok;
  }

  private sendParts(parts: Uint8Array[]): boolean {
    if (this.ended !== undefined) return true;
    this.socket.cork();
    let ok = true;
    for (const part of parts) ok = this.socket.write(part) && ok;
    this.socket.uncork();
    return ok;
  }

  /** Resolves when the socket buffer has drained (or the connection ended). */
  drained(): Promise<void> {
    if (this.ended !== undefined || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrain(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /** Pull mode: the next target PDU, or a rejection after `timeoutMs` / when the connection ends. */
  receive(timeoutMs: number, what = 'a response'): Promise<TargetPdu> {
    if (this.handlers !== undefined) throw new Error('receive() after start()');
    try {
      const p = this.nextPdu();
      if (p !== undefined) return Promise.resolve(p);
    } catch (e) {
      return Promise.reject(this.protocolError(e));
    }
    if (this.ended !== undefined) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(
          new DwError(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT, {
            message: `${this.description}: no ${what} within ${timeoutMs} ms`,
          }),
        );
      }, timeoutMs);
      this.waiter = {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Push mode: every PDU received from now on (and any already buffered) goes to `handlers`. */
  start(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    if (this.ended !== undefined) {
      handlers.closed(this.ended);
      return;
    }
    this.drainFramer();
  }

  /** Closes the socket at once. Pending receives reject; push handlers get `closed`. */
  destroy(reason?: DwError): void {
    this.end(reason ?? TransportErrors.closed(this.description));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.ended !== undefined) return;
    // A plain Uint8Array view (no copy): results handed upward are Uint8Arrays, not Buffers.
    this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (this.handlers !== undefined) {
      this.drainFramer();
    } else if (this.waiter !== undefined) {
      let p: TargetPdu | undefined;
      try {
        p = this.nextPdu();
      } catch (e) {
        this.fail(e);
        return;
      }
      if (p !== undefined) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(p);
      }
    }
  }

  private drainFramer(): void {
    const h = this.handlers!;
    while (this.ended === undefined) {
      let p: TargetPdu | undefined;
      try {
        p = this.nextPdu();
      } catch (e) {
        this.fail(e);
        return;
      }
      if (p === undefined) return;
      h.pdu(p);
    }
  }

  private nextPdu(): TargetPdu | undefined {
    const r = this.framer.next();
    if (r.kind === 'incomplete') return undefined;
    const p = decodePdu(r.frame);
    if (!isTargetPdu(p)) throw new MalformedDataError(`target sent an initiator PDU (${p.type})`);
    return p;
  }

  private protocolError(e: unknown): DwError {
    const detail = e instanceof Error ? e.message : String(e);
    return TransportErrors.io(`${this.description}: iSCSI protocol error: ${detail}`, e);
  }

  private fail(e: unknown): void {
    this.end(this.protocolError(e));
    this.socket.destroy();
  }

  private end(error: DwError): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    this.wakeDrain();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(error);
    this.handlers?.closed(error);
  }
}
