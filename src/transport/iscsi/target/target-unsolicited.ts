// The unsolicited data of WRITEs on the target (RFC 7143 §4.2.5.2 / §11.3.4 / §11.7 / §13.10-
// §13.14): immediate data in the SCSI Command PDU (ImmediateData=Yes) and, with InitialR2T=No,
// one unsolicited burst of Data-Out PDUs (Target Transfer Tag FFFFFFFFh) announced by the
// command's F bit 0 and ended by a Data-Out with F 1; immediate data and the burst together at
// most min(FirstBurstLength, Expected Data Transfer Length). The burst arrives right behind its
// command, while earlier commands still run, so it is gathered on arrival: each command's buffer
// is at most FirstBurstLength (256 KiB offered) and the CmdSN window bounds the commands, so a
// connection holds at most 16 × FirstBurstLength of it. Every violation (data where none may
// be, beyond the burst, Data-Out for no such command) is a protocol fault: the connection is
// closed (ErrorRecoveryLevel 0); Data-Out with the DataSN or offset out of order fails the
// command with ABORTED COMMAND, DATA PHASE ERROR, as in target-data-out.ts.

import { MalformedDataError } from '../../../errors.js';
import { DataSequenceError } from './target-data-out.js';
import type { SessionParameters } from '../negotiate.js';
import type { DataOutPdu, ScsiCommandPdu } from '../pdu-types.js';
import type { TargetTask, TaskSet } from './target-tasks.js';

/** What a WRITE brought before any R2T: `data` holds the bytes in, once `complete` resolves. */
export interface Unsolicited {
  readonly task: TargetTask;
  /** min(FirstBurstLength, EDTL) bytes, or the immediate data alone when no burst follows. */
  readonly data: Uint8Array;
  /** Bytes in so far (immediate data first). */
  received: number;
  /** Resolves when the unsolicited burst is over (at once when there is none). */
  readonly complete: Promise<void>;
  dataSn: number;
  end: () => void;
  /** Set when the burst went out of sequence: the command fails with DATA PHASE ERROR. */
  failed?: DataSequenceError;
}

export class UnsolicitedDataOut {
  readonly #pending = new Map<number, Unsolicited>();
  readonly #tasks: TaskSet;

  constructor(tasks: TaskSet) {
    this.#tasks = tasks;
  }

  /**
   * Checks the immediate data and F bit of a SCSI Command against the negotiated keys and
   * starts gathering its unsolicited burst; throws MalformedDataError on a violation.
   */
  begin(p: ScsiCommandPdu, params: SessionParameters, task: TargetTask): Unsolicited {
    const edtl = p.expectedDataTransferLength;
    const bound = Math.min(edtl, params.firstBurstLength);
    if (p.data.length > 0) {
      if (!p.write || !params.immediateData)
        throw new MalformedDataError('unexpected immediate data');
      if (p.data.length > bound) {
        throw new MalformedDataError(`${p.data.length} bytes of immediate data exceed the burst`);
      }
    }
    // Immediate data of a queued command must outlive the socket chunk it arrived in.
    const immediate = p.data.slice();
    if (p.final) {
      return {
        task,
        data: immediate,
        received: immediate.length,
        complete: Promise.resolve(),
        dataSn: 0,
        end: () => undefined,
      };
    }
    if (!p.write || params.initialR2T) {
      throw new MalformedDataError('unsolicited Data-Out announced with InitialR2T=Yes');
    }
    if (immediate.length >= bound) {
      throw new MalformedDataError('unsolicited Data-Out announced beyond FirstBurstLength');
    }
    const data = new Uint8Array(bound);
    data.set(immediate);
    let end!: () => void;
    const complete = new Promise<void>((resolve) => (end = resolve));
    const u: Unsolicited = { task, data, received: immediate.length, complete, dataSn: 0, end };
    this.#pending.set(p.initiatorTaskTag, u);
    return u;
  }

  /** Takes one Data-Out PDU with the reserved Target Transfer Tag. */
  onDataOut(p: DataOutPdu): void {
    const u = this.#pending.get(p.initiatorTaskTag);
    if (u === undefined) throw new MalformedDataError('unsolicited Data-Out for no such command');
    // Out of sequence, as for solicited Data-Out: the command fails, its later Data-Out is
    // dropped, the connection goes on.
    if (p.dataSn !== u.dataSn || p.bufferOffset !== u.received) {
      u.failed = new DataSequenceError(
        `unsolicited Data-Out DataSN ${p.dataSn} at ${p.bufferOffset}, ${u.dataSn} at ${u.received} expected`,
        p.dataSn === u.dataSn ? 0x05 : 0x00,
      );
      this.#tasks.dropDataOut(p.initiatorTaskTag);
      this.release(p.initiatorTaskTag, u.task);
      return;
    }
    if (u.received + p.data.length > u.data.length) {
      throw new MalformedDataError('unsolicited Data-Out beyond FirstBurstLength');
    }
    u.data.set(p.data, u.received);
    u.received += p.data.length;
    u.dataSn++;
    if (p.final) this.release(p.initiatorTaskTag, u.task);
    else if (u.received === u.data.length) {
      throw new MalformedDataError('unsolicited burst at FirstBurstLength without the F bit');
    }
  }

  /** The task is over or its burst is: later unsolicited Data-Out for it is not expected. */
  release(initiatorTaskTag: number, task: TargetTask): void {
    const u = this.#pending.get(initiatorTaskTag);
    if (u?.task !== task) return;
    this.#pending.delete(initiatorTaskTag);
    u.end();
  }
}
