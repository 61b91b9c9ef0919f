// Keep-alive and NOP handling of an iSCSI session (RFC 7143 §11.18-§11.19): a NOP-Out ping once
// the connection has been idle for the interval, the connection ended when a ping goes
// unanswered within the timeout, and the NOP-Out that answers a target's NOP-In ping. The ping
// itself is an immediate request (requests.ts).

import { DwError, HR } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import type { IscsiConnection } from './connection.js';
import { RESERVED_TAG } from './pdu-layout.js';
import type { NopInPdu, NopOutPdu } from './pdu-types.js';

/** Where a NOP-Out stands in the session: its sequence numbers. */
export interface NopOutContext {
  readonly cmdSn: number;
  readonly expStatSn: number;
}

/** The answer to a target's NOP-In ping: its TTT and ping data back, with no task of ours. */
export function nopOutEcho(ping: NopInPdu, c: NopOutContext): NopOutPdu {
  return {
    type: 'nop-out',
    immediate: true,
    lun: ping.lun,
    initiatorTaskTag: RESERVED_TAG,
    targetTransferTag: ping.targetTransferTag,
    cmdSn: c.cmdSn,
    expStatSn: c.expStatSn,
    // A view of the receive buffer: copy it in case the PDU is not sent at once.
    data: ping.data.slice(),
  };
}

/** NOP-Out echoes that may wait in the socket's buffer while the target does not read. */
export const MAX_ECHOES_IN_FLIGHT = 4;

/**
 * Answers a target's NOP-In pings while respecting the socket's back-pressure: once the socket
 * asks for a drain, at most MAX_ECHOES_IN_FLIGHT more echoes are written, and later pings go
 * unanswered until it drained. A target that sends pings and never reads can therefore make
 * the initiator buffer at most that many echoes (each within the MaxRecvDataSegmentLength this
 * side declared) beyond the socket's high-water mark (docs/iscsi.md).
 */
export class PingEchoes {
  #inFlight = 0;
  #conn: IscsiConnection | undefined;
  answered = 0;
  unanswered = 0;

  /** Answers `ping` on `conn` unless too many echoes wait for the socket already. */
  answer(conn: IscsiConnection, ping: NopInPdu, c: NopOutContext): void {
    if (this.#conn !== conn) {
      this.#conn = conn;
      this.#inFlight = 0;
    }
    if (conn.needsDrain) {
      if (this.#inFlight >= MAX_ECHOES_IN_FLIGHT) {
        this.unanswered++;
        return;
      }
      if (this.#inFlight++ === 0) {
        void conn.drained().then(() => {
          if (this.#conn === conn) this.#inFlight = 0;
        });
      }
    }
    this.answered++;
    conn.send(nopOutEcho(ping, c));
  }
}

export interface KeepAliveOptions {
  /** Idle time before a ping; 0 or less: no keep-alive. */
  readonly intervalMs: number;
  /** A ping unanswered this long ends the connection. */
  readonly timeoutMs: number;
  /** Names the target in the error the connection ends with. */
  readonly address: string;
  /** Sends a ping on `conn`; resolves on its echo, rejects after `timeoutMs`. */
  ping(conn: IscsiConnection, timeoutMs: number): Promise<void>;
}

/** Pings an idle connection, one ping at a time, and ends it when a ping goes unanswered. */
export class KeepAlive {
  #timer: ReturnType<typeof setInterval> | undefined;
  #conn: IscsiConnection | undefined;
  #lastReceive = 0;
  #pingOutstanding = false;
  readonly #options: KeepAliveOptions;

  constructor(options: KeepAliveOptions) {
    this.#options = options;
  }

  /** Something arrived: the connection is not idle. */
  received(): void {
    this.#lastReceive = performance.now();
  }

  /** Watches `conn` (a new login) from now on. */
  start(conn: IscsiConnection): void {
    this.stop();
    this.#conn = conn;
    this.received();
    this.#pingOutstanding = false;
    const { intervalMs, timeoutMs } = this.#options;
    if (intervalMs <= 0) return;
    // Ticks at half the shorter bound, so neither is overshot by more than half.
    const tick = Math.max(10, Math.min(intervalMs, timeoutMs) / 2);
    this.#timer = setInterval(() => this.#tick(), tick);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const conn = this.#conn;
    const { intervalMs, timeoutMs, address } = this.#options;
    if (conn === undefined || !conn.isOpen || this.#pingOutstanding) return;
    if (performance.now() - this.#lastReceive < intervalMs) return;
    this.#pingOutstanding = true;
    this.#options
      .ping(conn, timeoutMs)
      .then(() => {
        this.#pingOutstanding = false;
      })
      .catch((e: unknown) => {
        this.#pingOutstanding = false;
        if (
          this.#conn === conn &&
          conn.isOpen &&
          e instanceof DwError &&
          e.hr === HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT
        ) {
          conn.destroy(
            TransportErrors.deviceGone(
              `${address}: target did not answer a keep-alive ping within ${timeoutMs} ms`,
            ),
          );
        }
      });
  }
}
