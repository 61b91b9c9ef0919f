// One command in flight per handle, for transports whose commands cannot be recalled once the
// OS has them (SG_IO, SCSI pass-through): the Transport contract's overlap and abort rules in one
// place.

import type { ScsiCommand } from '../scsi/command.js';
import { TransportErrors } from './transport.js';

export class CommandGate {
  #inFlight = false;
  /** The OS call still running; may outlive an aborted execute(). */
  #pending: Promise<void> | undefined;

  /**
   * Run `issue` as the one command in flight. An abort rejects at once with
   * E_IMAPI_REQUEST_CANCELLED while the OS call finishes in the background; the next command
   * waits for it, so the device never sees two commands from this handle at the same time.
   */
  async run<T>(
    address: string,
    command: ScsiCommand,
    signal: AbortSignal | undefined,
    isOpen: () => boolean,
    issue: () => Promise<T>,
  ): Promise<T> {
    if (!isOpen()) throw TransportErrors.closed(address);
    if (this.#inFlight) throw TransportErrors.overlapped(command);
    if (signal?.aborted === true) throw TransportErrors.aborted(command);
    this.#inFlight = true;
    try {
      if (this.#pending !== undefined) await this.#pending;
      if (!isOpen()) throw TransportErrors.closed(address);
      if (aborted(signal)) throw TransportErrors.aborted(command);
      const run = issue();
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      this.#pending = settled;
      void settled.then(() => {
        if (this.#pending === settled) this.#pending = undefined;
      });
      if (signal === undefined) return await run;
      return await new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(TransportErrors.aborted(command));
        signal.addEventListener('abort', onAbort, { once: true });
        run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    } finally {
      this.#inFlight = false;
    }
  }

  /** Resolves when no OS call is running (before closing the handle). */
  async drain(): Promise<void> {
    while (this.#pending !== undefined) await this.#pending;
  }
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
