// The tasks of one iSCSI connection on the target side, for task management (RFC 7143 §11.5,
// SAM-5 7): each SCSI Command PDU becomes a TargetTask that lives from its arrival until its
// answer is sent (or it is aborted). A task is queued on the connection, then waits for its
// Data-Out, then for its logical unit, then runs on the drive. Aborting it ends a wait at once
// (nothing is sent for it afterwards); a task already running on the drive cannot be cut short,
// so its abort completes when the drive answers, and that answer is dropped.

export type TaskState = 'queued' | 'data-out' | 'lun' | 'running';

export class TargetTask {
  readonly initiatorTaskTag: number;
  /** The LUN the command addresses (undefined for a malformed LUN field). */
  readonly lun: number | undefined;
  state: TaskState = 'queued';
  #aborted = false;
  #finish!: () => void;
  #abortWake!: () => void;
  /** Resolves once nothing more is sent or run for this task. */
  readonly finished: Promise<void>;
  /** Resolves when the task is aborted (never otherwise): ends the task's waits. */
  readonly abortedSignal: Promise<void>;

  constructor(initiatorTaskTag: number, lun: number | undefined, onFinished: () => void) {
    this.initiatorTaskTag = initiatorTaskTag;
    this.lun = lun;
    this.finished = new Promise((resolve) => {
      this.#finish = () => {
        onFinished();
        resolve();
      };
    });
    this.abortedSignal = new Promise((resolve) => (this.#abortWake = resolve));
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Aborts the task; resolves when it is over (at once unless it runs on the drive). */
  abort(): Promise<void> {
    if (!this.#aborted) {
      this.#aborted = true;
      this.#abortWake();
      // Only a task the drive is executing still has to end; every wait ends on the signal.
      if (this.state !== 'running') this.#finish();
    }
    return this.finished;
  }

  finish(): void {
    this.#finish();
  }
}

/** The unfinished tasks of a connection, by Initiator Task Tag. */
export class TaskSet {
  readonly #tasks = new Map<number, TargetTask>();
  /** Tags of recently aborted tasks: their late Data-Out is dropped, not a protocol fault. */
  readonly #aborted: number[] = [];

  /** A new task; undefined when the tag is already in use by an unfinished task. */
  add(initiatorTaskTag: number, lun: number | undefined): TargetTask | undefined {
    if (this.#tasks.has(initiatorTaskTag)) return undefined;
    // The tag is reused: Data-Out carrying it belongs to the new task.
    const i = this.#aborted.indexOf(initiatorTaskTag);
    if (i >= 0) this.#aborted.splice(i, 1);
    const task: TargetTask = new TargetTask(initiatorTaskTag, lun, () => {
      if (this.#tasks.get(initiatorTaskTag) === task) this.#tasks.delete(initiatorTaskTag);
    });
    this.#tasks.set(initiatorTaskTag, task);
    return task;
  }

  get(initiatorTaskTag: number): TargetTask | undefined {
    return this.#tasks.get(initiatorTaskTag);
  }

  wasAborted(initiatorTaskTag: number): boolean {
    return this.#aborted.includes(initiatorTaskTag);
  }

  /** Data-Out still arriving for the task tagged `initiatorTaskTag` is dropped. */
  dropDataOut(initiatorTaskTag: number): void {
    this.#aborted.push(initiatorTaskTag);
    // Bounded: only Data-Out already in flight when the task ended can still arrive.
    if (this.#aborted.length > 64) this.#aborted.shift();
  }

  /** Whether an unfinished task is one `which` selects. */
  some(which: (t: TargetTask) => boolean): boolean {
    for (const t of this.#tasks.values()) if (which(t)) return true;
    return false;
  }

  /** Aborts every task `which` selects; resolves when all of them are over. */
  async abortWhere(which: (t: TargetTask) => boolean): Promise<void> {
    const hit = [...this.#tasks.values()].filter(which);
    for (const t of hit) this.dropDataOut(t.initiatorTaskTag);
    await Promise.all(hit.map((t) => t.abort()));
  }
}
