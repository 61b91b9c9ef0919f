// Time source for everything that waits: the virtual drive's pacing, the engine's retry back-off
// and progress ticks. Production uses the monotonic system clock; tests use VirtualClock, so
// timing-dependent behaviour is tested without real sleeping (style.md, Tests).

import { DwError, HR } from '../errors.js';

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Resolves after `ms`; an abort rejects at once with E_IMAPI_REQUEST_CANCELLED. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function cancelled(): DwError {
  return new DwError(HR.E_IMAPI_REQUEST_CANCELLED, { message: 'wait cancelled' });
}

/** The real clock: performance.now() and timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(cancelled());
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(cancelled());
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
  readonly cleanup: () => void;
}

/**
 * A discrete-event clock for tests. Time moves only when asked: `advance(ms)` fires the timers
 * due in order; in `auto` mode (the default) the clock jumps to the earliest pending timer
 * whenever the event loop has nothing else ready (checked with setImmediate), so code that sleeps
 * runs at full speed while still seeing consistent, ordered time.
 */
export class VirtualClock implements Clock {
  #t: number;
  #seq = 0;
  #timers: Timer[] = [];
  #scheduled = false;
  readonly auto: boolean;

  constructor(options: { start?: number; auto?: boolean } = {}) {
    this.#t = options.start ?? 0;
    this.auto = options.auto ?? true;
  }

  now(): number {
    return this.#t;
  }

  /** Number of sleeps not yet resolved. */
  get pending(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(cancelled());
        return;
      }
      const onAbort = () => {
        this.#timers = this.#timers.filter((x) => x !== timer);
        reject(cancelled());
      };
      const timer: Timer = {
        at: this.#t + Math.max(0, ms),
        seq: this.#seq++,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.#schedule();
    });
  }

  /** Move time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.#t + ms;
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.#t = Math.max(this.#t, next.at);
      next.cleanup();
      next.resolve();
    }
    this.#t = end;
  }

  #schedule(): void {
    if (!this.auto || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const next = this.#timers.shift();
      if (next === undefined) return;
      this.#t = Math.max(this.#t, next.at);
      next.cleanup();
      next.resolve();
      if (this.#timers.length > 0) this.#schedule();
    });
  }
}
