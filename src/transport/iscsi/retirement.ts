// Async Messages of an iSCSI target (RFC 7143 §11.9) and the retirement of the connection they
// concern. A logout request (event 1) or renegotiation request (event 4) is honoured by logging
// out once the command in flight is over; a connection or session drop notice (events 2, 3) by
// closing the connection then. Either way no new command goes out on that connection (§11.9.1):
// the next one waits for the retirement and logs in again (docs/iscsi.md, "Async Messages").
// SCSI asynchronous events, task termination and vendor events need nothing of this initiator.
// A drop notice's Parameter2 (Time2Wait, the least time before reconnecting) is waited after the
// connection closes, bounded by `maxTime2WaitMs` (the login timeout) whatever the target says.
// Event 1's Parameter3 is a deadline for the logout, which the command in flight's own timeout
// bounds, and a Logout Response's Time2Wait is ignored at ErrorRecoveryLevel 0 (§11.15.2).

import { setTimeout as sleep } from 'node:timers/promises';
import { TransportErrors } from '../transport.js';
import type { IscsiConnection } from './connection.js';
import { AsyncEvent, type AsyncMessagePdu } from './pdu-types.js';

export class Retirement {
  #asked: 'logout' | 'drop' | undefined;
  #done: Promise<void> | undefined;
  /** What the drop notice asked to wait before logging in again, already bounded. */
  #time2WaitMs = 0;
  readonly #address: string;
  readonly #logout: (conn: IscsiConnection) => Promise<void>;
  readonly #maxTime2WaitMs: number;

  /** `logout` sends a Logout Request on the connection and settles on its answer (bounded). */
  constructor(
    address: string,
    logout: (conn: IscsiConnection) => Promise<void>,
    maxTime2WaitMs: number,
  ) {
    this.#address = address;
    this.#logout = logout;
    this.#maxTime2WaitMs = maxTime2WaitMs;
  }

  /** True from an Async Message asking to retire the connection until it is retired. */
  get pending(): boolean {
    return this.#asked !== undefined || this.#done !== undefined;
  }

  /** Records what the Async Message asks; true when the connection is to be retired. */
  onAsyncMessage(p: AsyncMessagePdu): boolean {
    const e = p.asyncEvent;
    if (e === AsyncEvent.LOGOUT_REQUESTED || e === AsyncEvent.NEGOTIATION_REQUESTED) {
      this.#asked ??= 'logout';
    } else if (e === AsyncEvent.CONNECTION_DROPPED || e === AsyncEvent.SESSION_DROPPED) {
      this.#asked = 'drop';
      this.#time2WaitMs = Math.min(p.parameter2 * 1000, this.#maxTime2WaitMs);
    } else {
      return false;
    }
    return true;
  }

  /** A new login: nothing is asked of the new connection. */
  reset(): void {
    this.#asked = undefined;
    this.#time2WaitMs = 0;
  }

  /**
   * Retires `conn` if that was asked (call only with no command in flight on it); returns what
   * settles once it is closed and any Time2Wait is over, or undefined when nothing is asked or
   * under way.
   */
  start(conn: IscsiConnection | undefined): Promise<void> | undefined {
    const how = this.#asked;
    this.#asked = undefined;
    if (this.#done !== undefined || how === undefined) return this.#done;
    const wait = this.#time2WaitMs;
    this.#time2WaitMs = 0;
    const open = conn?.isOpen === true ? conn : undefined;
    const close = () =>
      open?.destroy(
        TransportErrors.deviceGone(
          `${this.#address}: ${how === 'drop' ? 'connection dropped' : 'logged out'} at the target's request`,
        ),
      );
    const retired =
      open === undefined || how === 'drop'
        ? Promise.resolve().then(close)
        : this.#logout(open).then(close, close);
    this.#done = retired
      .then(() => (wait > 0 ? sleep(wait) : undefined))
      .then(() => {
        this.#done = undefined;
      });
    return this.#done;
  }
}
