// One timer for the deadlines of an iSCSI session's commands (commands.ts): armed for the earliest
// deadline, kept armed between commands and unreferenced while idle.

/**
 * One timer for the command deadlines, kept armed between commands (unreferenced while idle),
 * since a setTimeout/clearTimeout pair per command was a share of the per-command cost on the
 * WRITE path (docs/benchmarks-history.md, "Per-command cost on the WRITE path"). It fires at the
 * earliest deadline it was armed for; the owner then gives up on the task or arms it again.
 */
export class DeadlineTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #at = Infinity;
  readonly #onFire: () => void;

  constructor(onFire: () => void) {
    this.#onFire = onFire;
  }

  /** Fires at `deadline` (a performance.now() time) at the latest; holds the process till then. */
  arm(deadline: number): void {
    const timer = this.#timer;
    if (timer !== undefined && this.#at <= deadline) {
      timer.ref();
      return;
    }
    if (timer !== undefined) clearTimeout(timer);
    this.#at = deadline;
    this.#timer = setTimeout(this.#fire, Math.max(0, deadline - performance.now()));
  }

  /** No command in flight: the timer stays armed but no longer holds the process. */
  idle(): void {
    this.#timer?.unref();
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#at = Infinity;
    this.#onFire();
  };
}
