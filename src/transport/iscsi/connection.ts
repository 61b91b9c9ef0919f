// One TCP connection to an iSCSI target: connect with a timeout, send PDUs, and receive them
// through the incremental framer. Sending (sender.ts) stages the wire form of the PDUs given in
// one call in connection-owned memory and writes it with one socket.write(); only what exceeds
// the staging limit goes out as a corked gathered write of views. Receiving reads into a
// connection-owned
// buffer (net's `onread`), which skips a buffer allocation and the readable-stream machinery per
// read. Two receive modes: pull (`receive()`, used during login and discovery, where digests
// switch on between two PDUs) and push (`start()`, the full feature phase).

import net from 'node:net';
import { MalformedDataError, type DwError } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import { CONNECT_TIMEOUT_HINT, connectError, connectFailure } from './connect-errors.js';
import { DigestMismatchError, NO_DIGESTS, PduFramer, type DigestSettings } from './framer.js';
import type { PduFrame } from './pdu-layout.js';
import type { Pdu, TargetPdu } from './pdu-types.js';
import { decodePdu } from './pdu.js';
import { PduSender } from './sender.js';
import type { DataOutSequence } from './staging.js';
import { timedWait, type Waiter } from './timed-wait.js';

/** The receive buffer: one read takes up to this much. */
const RECEIVE_BUFFER_BYTES = 256 * 1024;

export interface ConnectionHandlers {
  /** A PDU arrived; its `data` may view the receive buffer, valid during this call only. */
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

function copyFrame(f: PduFrame): PduFrame {
  return { bhs: f.bhs.slice(), ahs: f.ahs.slice(), data: f.data.slice() };
}

export class IscsiConnection {
  readonly #socket: net.Socket;
  readonly #framer = new PduFramer();
  readonly #sender: PduSender;
  #sendDigests: DigestSettings = NO_DIGESTS;
  #handlers: ConnectionHandlers | undefined;
  #waiter: Waiter<TargetPdu> | undefined;
  #ended: DwError | undefined;
  #drainWaiters: (() => void)[] = [];
  readonly description: string;

  private constructor(socket: net.Socket, description: string) {
    this.#socket = socket;
    this.#sender = new PduSender(socket);
    this.description = description;
    socket.on('drain', () => this.#wakeDrain());
    socket.on('error', (e: Error) =>
      this.#end(TransportErrors.deviceGone(`${description}: ${e.message}`, e)),
    );
    socket.on('close', () =>
      this.#end(TransportErrors.deviceGone(`${description}: connection closed by the target`)),
    );
  }

  /** Opens a TCP connection; rejects with 0x80070037 when the portal cannot be reached in time. */
  static open(host: string, port: number, timeoutMs: number): Promise<IscsiConnection> {
    const description = `iSCSI portal ${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      const received = new Uint8Array(RECEIVE_BUFFER_BYTES);
      let conn: IscsiConnection | undefined;
      const socket = net.connect({
        host,
        port,
        noDelay: true,
        onread: {
          buffer: received,
          callback: (n: number) => {
            if (conn !== undefined) conn.#onData(received, n);
            return true;
          },
        },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          connectError(
            `${description}: timed out connecting (no TCP connection within ${timeoutMs} ms)`,
            CONNECT_TIMEOUT_HINT,
          ),
        );
      }, timeoutMs);
      const onError = (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(connectFailure(description, host, e));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setKeepAlive(true, 30_000);
        conn = new IscsiConnection(socket, description);
        resolve(conn);
      });
    });
  }

  get isOpen(): boolean {
    return this.#ended === undefined;
  }

  /** The error the connection ended with, if it has. */
  get endError(): DwError | undefined {
    return this.#ended;
  }

  /** Digests apply to PDUs framed after this call (set between login and full feature phase). */
  setDigests(d: DigestSettings): void {
    this.#sendDigests = d;
    this.#sender.digests = d;
    this.#framer.digests = d;
  }

  /**
   * The largest data segment accepted from now on (the MaxRecvDataSegmentLength this side
   * declared; 8192 during login, RFC 7143 §13.12). A PDU stating more ends the connection as a
   * protocol violation before its data is buffered.
   */
  setReceiveLimit(maxDataSegmentLength: number): void {
    this.#framer.maxDataSegmentLength = maxDataSegmentLength;
  }

  get digests(): DigestSettings {
    return this.#sendDigests;
  }

  /**
   * Sends one PDU. Returns false when the socket's buffer is full: call `drained()` before
   * sending much more. A PDU sent on an ended connection is dropped (the end was reported).
   */
  send(p: Pdu): boolean {
    if (this.#ended !== undefined) return true;
    return this.#sender.send(p);
  }

  /** Sends several PDUs in one socket write (a gathered write when they exceed the staging). */
  sendAll(pdus: readonly Pdu[]): boolean {
    if (this.#ended !== undefined) return true;
    return this.#sender.sendAll(pdus);
  }

  /**
   * Sends the Data-Out PDUs of one sequence in one socket write, staged straight from its
   * fields. Returns undefined, sending nothing, when they exceed the staging limit (the caller
   * sends them as PDUs then); otherwise what `sendAll()` would.
   */
  sendDataOut(seq: DataOutSequence): boolean | undefined {
    if (this.#ended !== undefined) return true;
    return this.#sender.sendDataOut(seq);
  }

  /**
   * Stages the Data-Out PDUs of `seq` now for a `sendPreparedDataOut()` later
   * (PduSender.prepareDataOut): only the Target Transfer Tag and ExpStatSN are written then.
   * Returns a token, or 0 when nothing was prepared.
   */
  prepareDataOut(seq: DataOutSequence): number {
    return this.#sender.prepareDataOut(seq);
  }

  /**
   * Sends the Data-Out prepared under `token` with the Target Transfer Tag and ExpStatSN of `seq`
   * (PduSender.sendPreparedDataOut); undefined, sending nothing, when `seq` does not line up
   * with the preparation.
   */
  sendPreparedDataOut(token: number, seq: DataOutSequence): boolean | undefined {
    return this.#sender.sendPreparedDataOut(token, seq);
  }

  /** True while the socket's buffer is over its high-water mark (until 'drain'). */
  get needsDrain(): boolean {
    return this.#ended === undefined && this.#socket.writableNeedDrain;
  }

  /** Bytes written to the socket that the kernel has not taken yet. */
  get sendBacklog(): number {
    return this.#socket.writableLength;
  }
  /** Bytes received but not yet framed: at most one partial PDU between reads (tests). */
  get receiveBacklog(): number {
    return this.#framer.bufferedBytes;
  }

  /** Resolves when the socket buffer has drained (or the connection ended). */
  drained(): Promise<void> {
    if (this.#ended !== undefined || !this.#socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #wakeDrain(): void {
    const w = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const f of w) f();
  }

  /** Pull mode: the next target PDU, or a rejection after `timeoutMs` / when the connection ends. */
  receive(timeoutMs: number, what = 'a response'): Promise<TargetPdu> {
    if (this.#handlers !== undefined) throw new Error('receive() after start()');
    try {
      const p = this.#nextPdu();
      if (p !== undefined) return Promise.resolve(p);
    } catch (e) {
      return Promise.reject(this.#protocolError(e));
    }
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    return timedWait(
      this.description,
      what,
      timeoutMs,
      (w) => {
        this.#waiter = w;
      },
      () => {
        this.#waiter = undefined;
      },
    );
  }

  /** Push mode: every PDU received from now on (and any already buffered) goes to `handlers`. */
  start(handlers: ConnectionHandlers): void {
    this.#handlers = handlers;
    if (this.#ended !== undefined) {
      handlers.closed(this.#ended);
      return;
    }
    this.#drainFramer();
  }

  /** Closes the socket at once. Pending receives reject; push handlers get `closed`. */
  destroy(reason?: DwError): void {
    this.#end(reason ?? TransportErrors.closed(this.description));
    this.#socket.destroy();
  }

  /** `n` new bytes at the start of the receive buffer, which the next read overwrites. */
  #onData(received: Uint8Array, n: number): void {
    if (this.#ended !== undefined) return;
    this.#framer.push(received.subarray(0, n));
    if (this.#handlers !== undefined) {
      this.#drainFramer();
    } else if (this.#waiter !== undefined) {
      let p: TargetPdu | undefined;
      try {
        p = this.#nextPdu();
      } catch (e) {
        this.#fail(e);
        return;
      }
      if (p !== undefined) {
        const w = this.#waiter;
        this.#waiter = undefined;
        w.resolve(p);
      }
    }
    // Bytes of PDUs not complete yet (or not asked for yet) must outlive this read.
    this.#framer.detach();
  }

  #drainFramer(): void {
    const h = this.#handlers!;
    while (this.#ended === undefined) {
      let p: TargetPdu | undefined;
      try {
        p = this.#nextPdu();
      } catch (e) {
        this.#fail(e);
        return;
      }
      if (p === undefined) return;
      h.pdu(p);
    }
  }

  #nextPdu(): TargetPdu | undefined {
    const frame = this.#framer.nextFrame();
    if (frame === undefined) return undefined;
    // Push-mode handlers consume a PDU during the call; a pulled one is used later, when the
    // receive buffer holds other bytes.
    const p = decodePdu(this.#handlers === undefined ? copyFrame(frame) : frame);
    if (!isTargetPdu(p)) throw new MalformedDataError(`target sent an initiator PDU (${p.type})`);
    return p;
  }

  /**
   * A PDU that does not frame or decode: a protocol violation of the target, except a digest
   * mismatch, which is damage on the link (retried like any transport fault).
   */
  #protocolError(e: unknown): DwError {
    const detail = e instanceof Error ? e.message.replace(/^malformed data: /, '') : String(e);
    if (e instanceof DigestMismatchError) {
      return TransportErrors.io(`${this.description}: ${detail}`, e);
    }
    return TransportErrors.protocolViolation(`${this.description}: ${detail}`, e);
  }

  #fail(e: unknown): void {
    this.#end(this.#protocolError(e));
    this.#socket.destroy();
  }

  #end(error: DwError): void {
    if (this.#ended !== undefined) return;
    this.#ended = error;
    this.#sender.stop();
    this.#wakeDrain();
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(error);
    this.#handlers?.closed(error);
  }
}
