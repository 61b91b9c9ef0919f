// The R2T side of a WRITE on the target (RFC 7143 §11.7-§11.8), after its immediate and
// unsolicited data (target-unsolicited.ts): one R2T per burst of at most MaxBurstLength, up to
// MaxOutstandingR2T of them outstanding, a new one each time a burst's Data-Out is in (checked
// by DataOutGathering), until the whole Expected Data Transfer Length is gathered or
// the task is aborted or its Data-Out goes out of sequence (the command then fails, and the
// rest of its Data-Out is dropped). A silence after an R2T is bounded by the host's timer;
// Data-Out that matches no R2T is a protocol fault, except for a task just aborted (its Data-Out
// may already be on the way, RFC 7143 §4.2.3.3) which is dropped.

import { MalformedDataError } from '../../../errors.js';
import type { SessionParameters } from '../negotiate.js';
import type { DataOutPdu, R2tPdu, ScsiCommandPdu, TargetSn } from '../pdu-types.js';
import { DataOutGathering, DataSequenceError } from './target-data-out.js';
import type { TargetTask, TaskSet } from './target-tasks.js';

export interface R2tHost {
  /** MaxBurstLength and MaxOutstandingR2T in force. */
  params(): SessionParameters;
  /** Sends the R2T (with the sequence numbers), and arms the Data-Out timer. */
  sendR2t(r2t: Omit<R2tPdu, keyof TargetSn>): void;
  /** The data is in, or the wait was abandoned: the Data-Out timer stops. */
  disarm(): void;
}

export class R2tPump {
  readonly #host: R2tHost;
  readonly #tasks: TaskSet;
  #gathering:
    { g: DataOutGathering; resolve: (e: DataSequenceError | undefined) => void } | undefined;
  #nextTtt = 1;

  /** The data buffer of the WRITE being gathered, if any. */
  get heldBytes(): number {
    return this.#gathering?.g.data.length ?? 0;
  }

  constructor(host: R2tHost, tasks: TaskSet) {
    this.#host = host;
    this.#tasks = tasks;
  }

  /**
   * Solicits the rest of `data` (its first `received` bytes are in) until done or aborted; a
   * DataSequenceError when the initiator's Data-Out went out of sequence.
   */
  gather(
    p: ScsiCommandPdu,
    data: Uint8Array,
    received: number,
    task: TargetTask,
  ): Promise<DataSequenceError | undefined> {
    const gathered = new Promise<DataSequenceError | undefined>((resolve) => {
      this.#gathering = { g: new DataOutGathering(p, data, received), resolve };
      this.#solicit();
    });
    return Promise.race([
      gathered,
      task.abortedSignal.then(() => {
        if (this.#gathering?.g.pdu !== p) return undefined;
        this.#gathering = undefined;
        this.#host.disarm();
        return undefined;
      }),
    ]);
  }

  /** Takes one Data-Out PDU. */
  onDataOut(p: DataOutPdu): void {
    if (this.#tasks.wasAborted(p.initiatorTaskTag)) return;
    if (this.#gathering === undefined) {
      throw new MalformedDataError('Data-Out for no outstanding R2T');
    }
    const { g, resolve } = this.#gathering;
    try {
      if (g.accept(p)) this.#solicit();
    } catch (e) {
      if (!(e instanceof DataSequenceError)) throw e;
      this.#tasks.dropDataOut(p.initiatorTaskTag);
      this.#gathering = undefined;
      this.#host.disarm();
      resolve(e);
    }
  }

  /** Sends R2Ts up to MaxOutstandingR2T, or hands the complete data on. */
  #solicit(): void {
    const { g, resolve } = this.#gathering!;
    if (g.complete) {
      this.#host.disarm();
      this.#gathering = undefined;
      resolve(undefined);
      return;
    }
    const { maxBurstLength, maxOutstandingR2T } = this.#host.params();
    while (g.outstanding < maxOutstandingR2T) {
      const ttt = this.#nextTtt >= 0x7fffffff ? 1 : this.#nextTtt + 1;
      const r2t = g.nextBurst(maxBurstLength, ttt);
      if (r2t === undefined) return;
      this.#nextTtt = ttt;
      this.#host.sendR2t({
        type: 'r2t',
        lun: g.pdu.lun,
        initiatorTaskTag: g.pdu.initiatorTaskTag,
        targetTransferTag: ttt,
        ...r2t,
      });
    }
  }
}
