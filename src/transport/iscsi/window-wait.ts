// Waiting for the target's command window (RFC 7143 §4.2.2.1): a non-immediate command whose
// CmdSN is past MaxCmdSN does not go out until the target raises MaxCmdSN. The wait pings the
// target (NOP-Out) so that it reports its current MaxCmdSN, and is bounded by the command's
// deadline, its abort signal and the connection. The session wakes it whenever MaxCmdSN moves on
// or the connection closes.

import { DwError, HR } from '../../errors.js';
import type { ScsiCommand } from '../../scsi/command.js';
import { TransportErrors } from '../transport.js';
import type { CmdSnWindow } from './cmdsn-window.js';
import type { IscsiConnection } from './connection.js';

export interface WindowWaitOptions {
  readonly window: CmdSnWindow;
  /**
   * Sends a NOP-Out ping; `left` is what remains of the command's deadline, ms. Its answer (or
   * failure) is not waited for: any PDU from the target updates the window.
   */
  readonly ping: (conn: IscsiConnection, left: number) => Promise<unknown>;
  /** What a wait rejects with once its connection has closed. */
  readonly lost: () => DwError;
}

export class WindowWait {
  readonly #options: WindowWaitOptions;
  #waiters: (() => void)[] = [];

  constructor(options: WindowWaitOptions) {
    this.#options = options;
  }

  /**
   * Waits until CmdSN is inside the target's command window (ExpCmdSN..MaxCmdSN). Rejects with
   * `lost()` when `conn` has closed, aborted when `signal` aborts, and with a timeout once
   * `deadline` (a performance.now() time) has passed; the timeout names `timeoutMs`, the
   * command's timeout that deadline came from.
   */
  async until(
    conn: IscsiConnection,
    command: ScsiCommand,
    deadline: number,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<void> {
    const { window, ping, lost } = this.#options;
    while (!window.isOpen) {
      if (!conn.isOpen) throw lost();
      if (signal?.aborted === true) throw TransportErrors.aborted(command);
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new DwError(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT, {
          message: `${command.name} could not be sent within ${timeoutMs} ms: the target kept its command window closed`,
          command: command.name,
          cdb: command.cdb,
        });
      }
      // A ping makes the target report its current MaxCmdSN.
      const opened = new Promise<void>((resolve) => this.#waiters.push(resolve));
      ping(conn, left).catch(() => undefined);
      await Promise.race([opened, new Promise((r) => setTimeout(r, Math.min(left, 1000)))]);
    }
  }

  /** The window may have opened, or the connection closed: every waiter looks again. */
  wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}
