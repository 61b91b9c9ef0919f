// Rate limiting of failed logins per source address (issue #19, "failed logins are
// rate-limited"): a connection that ends before its login completes (refused, timed out,
// malformed, dropped) counts as a failure of its remote address. Once an address has `limit`
// failures within `windowMs`, its new connections are closed at once until the oldest of them
// leaves the window; a completed login clears the address's record. Addresses kept are bounded,
// so a flood from many addresses cannot grow the table without limit.

import type { Clock } from '../../clock.js';

export interface LoginLimit {
  /** Failed logins from one address allowed within the window. */
  readonly failures: number;
  readonly windowMs: number;
}

/** Addresses whose failures are remembered; the least recently failing is forgotten first. */
const MAX_ADDRESSES = 4096;

export class LoginLimiter {
  readonly #limit: LoginLimit;
  readonly #clock: Clock;
  /** Failure times per address, oldest first; Map order = least recently failing first. */
  readonly #failures = new Map<string, number[]>();

  constructor(limit: LoginLimit, clock: Clock) {
    this.#limit = limit;
    this.#clock = clock;
  }

  /** Whether a new connection from `address` is refused now. */
  refuses(address: string): boolean {
    return this.#recent(address).length >= this.#limit.failures;
  }

  failed(address: string): void {
    const times = this.#recent(address);
    times.push(this.#clock.now());
    // Only the last `failures` matter for the decision.
    if (times.length > this.#limit.failures) times.shift();
    this.#failures.delete(address);
    this.#failures.set(address, times);
    if (this.#failures.size > MAX_ADDRESSES) {
      this.#failures.delete(this.#failures.keys().next().value!);
    }
  }

  succeeded(address: string): void {
    this.#failures.delete(address);
  }

  #recent(address: string): number[] {
    const since = this.#clock.now() - this.#limit.windowMs;
    return (this.#failures.get(address) ?? []).filter((t) => t > since);
  }
}
