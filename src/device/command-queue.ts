// The recorder's command queue (spec §4.1): a transport takes one command at a time, so later
// commands wait, in call order, until the one before has settled. Every command goes through
// run(), and so does close() when it waits for the commands already queued.

export class CommandQueue {
  /** True while a job runs; later ones wait in #waiting, in order. */
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  /**
   * Runs `job` after every earlier job has settled, and reports its rejection (or synchronous
   * throw) as `mapError` makes it. When nothing runs, `job` starts at once, in the caller's tick:
   * a WRITE stream comes here once per chunk, and a promise chain per command cost measurable
   * time per WRITE. One reaction both moves the queue on and maps a failure, and it runs before
   * the caller's own continuation, so a command the caller sends next finds the queue idle.
   */
  run<T>(job: () => Promise<T>, mapError: (e: unknown) => Error): Promise<T> {
    if (!this.#busy) {
      this.#busy = true;
      return this.#start(job, mapError);
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => {
        this.#start(job, mapError).then(resolve, reject);
      });
    });
  }

  /** Resolves once every job queued before this call has settled. */
  idle(): Promise<void> {
    return this.run(() => Promise.resolve(), asError);
  }

  #start<T>(job: () => Promise<T>, mapError: (e: unknown) => Error): Promise<T> {
    let running: Promise<T>;
    try {
      running = job();
    } catch (e) {
      this.#next();
      return Promise.reject(mapError(e));
    }
    return running.then(
      (value) => {
        this.#next();
        return value;
      },
      (e: unknown) => {
        this.#next();
        throw mapError(e);
      },
    );
  }

  readonly #next = (): void => {
    const next = this.#waiting.shift();
    if (next === undefined) this.#busy = false;
    else next();
  };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
