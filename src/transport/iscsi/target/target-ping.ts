// Target-initiated NOP-In pings (RFC 7143 §11.19: a NOP-In with a Target Transfer Tag other than
// FFFFFFFFh asks for a NOP-Out echoing it): after `intervalMs` without a PDU from the initiator
// the target pings; if nothing at all arrives within `timeoutMs` after that, the initiator is
// taken for dead and its connection closed, so a vanished initiator holds no session, task or
// buffer. Any PDU counts as a sign of life. Waits run on a Clock, so tests move time themselves.

import type { Clock } from '../../clock.js';

export interface PingTimes {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export class NopPinger {
  readonly #times: PingTimes;
  readonly #clock: Clock;
  readonly #send: (targetTransferTag: number) => void;
  readonly #dead: () => void;
  #wait: AbortController | undefined;
  #ttt = 0;

  constructor(
    times: PingTimes,
    clock: Clock,
    send: (targetTransferTag: number) => void,
    dead: () => void,
  ) {
    this.#times = times;
    this.#clock = clock;
    this.#send = send;
    this.#dead = dead;
  }

  /** A PDU arrived: the next ping comes after a quiet interval from now. */
  activity(): void {
    this.stop();
    const wait = new AbortController();
    this.#wait = wait;
    void this.#run(wait.signal).catch(() => undefined); // aborted: a newer wait took over
  }

  stop(): void {
    this.#wait?.abort();
    this.#wait = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    await this.#clock.sleep(this.#times.intervalMs, signal);
    this.#ttt = this.#ttt >= 0x7fffffff ? 1 : this.#ttt + 1;
    this.#send(this.#ttt);
    await this.#clock.sleep(this.#times.timeoutMs, signal);
    this.#dead();
  }
}
