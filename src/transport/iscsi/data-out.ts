// The Data-Out side of a SCSI command that sends data (RFC 7143 §11.7.1, §11.8, §13.10-§13.14):
// how much goes with the command as immediate and unsolicited data under the negotiated keys,
// the Data-Out PDUs of one sequence, each within the target's MaxRecvDataSegmentLength, and the
// pump that sends the sequence each R2T asks for as one gathered write, honouring the socket's
// back-pressure.

import { DwError } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import type { IscsiConnection } from './connection.js';
import type { SessionParameters } from './negotiate.js';
import { RESERVED_TAG } from './pdu-layout.js';
import type { DataOutPdu, R2tPdu, ScsiCommandPdu } from './pdu-types.js';
import type { DataOutSequence } from './staging.js';

/** Bytes [offset, end) of the data, sent as one sequence under Target Transfer Tag `ttt`. */
export interface DataRange {
  readonly offset: number;
  readonly end: number;
  readonly ttt: number;
}

/** What the pump reads and keeps in a task. */
export interface DataOutTask {
  readonly itt: number;
  readonly lun: Uint8Array;
  readonly conn: IscsiConnection;
  readonly dataOut: Uint8Array | undefined;
  /** Bytes sent so far: immediate, unsolicited and solicited data. */
  sent: number;
  /** End of the data sent unsolicited or asked for by R2Ts so far: where the next R2T starts. */
  requested: number;
  /** The R2TSN the next R2T must carry. */
  expR2tSn: number;
  /** The ranges R2Ts asked for that are not sent yet. */
  readonly queue: DataRange[];
  pumping: boolean;
  /** The Data-Out staged ahead for the first R2T (`IscsiConnection.prepareDataOut`), if any. */
  prepared: { readonly offset: number; readonly end: number; readonly token: number } | undefined;
  /** Settled (or being aborted): nothing more is sent for it. */
  readonly finished: boolean;
}

/** The negotiated keys an R2T is checked against. */
export interface R2tLimits {
  readonly maxBurstLength: number;
  readonly maxOutstandingR2T: number;
}

/** What the pump needs of the session. */
export interface DataOutHost<T extends DataOutTask> {
  /** The current ExpStatSN, which every Data-Out carries. */
  expStatSn(): number;
  /** The target's MaxRecvDataSegmentLength. */
  segmentLength(): number;
  /** `n` Data-Out PDUs went out. */
  counted(n: number): void;
  /** Sending failed: the task ends with `error`. */
  fail(task: T, error: DwError): void;
}

/**
 * How much of `length` bytes goes with the command: `immediate` bytes in the SCSI Command PDU
 * (ImmediateData=Yes, within FirstBurstLength and the target's MaxRecvDataSegmentLength), then
 * with InitialR2T=No unsolicited Data-Out up to `unsolicitedEnd` (FirstBurstLength); the rest
 * waits for R2Ts.
 */
export function unsolicitedData(
  params: SessionParameters,
  length: number,
): { readonly immediate: number; readonly unsolicitedEnd: number } {
  if (length === 0) return { immediate: 0, unsolicitedEnd: 0 };
  const immediate = params.immediateData
    ? Math.min(length, params.firstBurstLength, params.targetMaxRecvDataSegmentLength)
    : 0;
  const unsolicitedEnd = params.initialR2T ? immediate : Math.min(length, params.firstBurstLength);
  return { immediate, unsolicitedEnd };
}

export class DataOutPump<T extends DataOutTask> {
  readonly #host: DataOutHost<T>;
  constructor(host: DataOutHost<T>) {
    this.#host = host;
  }

  /**
   * Sends the SCSI Command PDU `command` of `task` (carrying the immediate data, `task.sent`
   * bytes) with the unsolicited Data-Out up to `unsolicitedEnd` in the same write. When the task
   * is `alone` in flight, it then stages the burst the first R2T will most likely ask for (the
   * next `maxBurstLength` bytes), so that copying it overlaps with the target's work on the
   * command and the R2T only fills in headers.
   */
  sendCommand(
    task: T,
    command: ScsiCommandPdu,
    unsolicitedEnd: number,
    maxBurstLength: number,
    alone: boolean,
  ) {
    const conn = task.conn;
    task.requested = Math.max(task.sent, unsolicitedEnd);
    if (unsolicitedEnd > task.sent) {
      const unsolicited = { offset: task.sent, end: unsolicitedEnd, ttt: RESERVED_TAG };
      const pdus = this.#dataOutPdus(task, unsolicited);
      this.#host.counted(pdus.length);
      conn.sendAll([command, ...pdus]);
      task.sent = unsolicitedEnd;
    } else {
      conn.send(command);
    }
    const length = task.dataOut?.length ?? 0;
    // A failure while sending (connection lost) may have settled the task already. The connection
    // stages one burst ahead: with other commands in flight their R2Ts come first and the next
    // command would replace it unused, a copy of the burst for nothing.
    if (alone && task.dataOut !== undefined && task.sent < length && !task.finished) {
      const offset = task.sent;
      const end = Math.min(length, offset + maxBurstLength);
      const token = conn.prepareDataOut(this.#sequence(task, { offset, end, ttt: RESERVED_TAG }));
      if (token !== 0) task.prepared = { offset, end, token };
    }
  }

  /**
   * Queues the sequence an R2T asks for and sends what the socket takes. Returns undefined, or
   * what is wrong with the R2T (then nothing is queued): with DataSequenceInOrder=Yes and ERL 0,
   * each R2T must carry the next R2TSN and a Target Transfer Tag other than FFFFFFFFh, ask for at most MaxBurstLength bytes starting where the
   * data sent or asked for so far ends, stay inside the transfer, and leave no more than
   * MaxOutstandingR2T sequences unsent. So the data an R2T makes the initiator send is bounded
   * by the command's own length.
   */
  onR2t(task: T, p: R2tPdu, limits: R2tLimits): string | undefined {
    const length = task.dataOut?.length ?? 0;
    const asked = p.desiredDataTransferLength;
    const end = p.bufferOffset + asked;
    // The common R2T passes every check; the text of a refusal is built only for one that fails.
    if (
      length === 0 ||
      p.r2tSn !== task.expR2tSn ||
      asked === 0 ||
      p.targetTransferTag === RESERVED_TAG ||
      end > length ||
      p.bufferOffset !== task.requested ||
      asked > limits.maxBurstLength ||
      task.queue.length >= limits.maxOutstandingR2T
    ) {
      return r2tRefusal(task, p, limits);
    }
    task.expR2tSn = (task.expR2tSn + 1) >>> 0;
    task.requested = end;
    task.queue.push({ offset: p.bufferOffset, end, ttt: p.targetTransferTag });
    this.#startPump(task);
    return undefined;
  }

  /**
   * Sends the queued Data-Out sequences, one burst per gathered write, synchronously while the
   * socket takes them; once its buffer is full the rest waits for 'drain'.
   */
  #startPump(task: T): void {
    if (task.pumping) return;
    const conn = task.conn;
    try {
      while (!task.finished && conn.isOpen) {
        const range = task.queue.shift();
        if (range === undefined) return;
        if (!this.#sendBurst(task, range)) {
          task.pumping = true;
          void conn.drained().then(() => {
            task.pumping = false;
            if (task.queue.length > 0 && !task.finished) this.#startPump(task);
          });
          return;
        }
      }
    } catch (e) {
      this.#host.fail(task, e instanceof DwError ? e : TransportErrors.io(String(e), e));
    }
  }

  /** One Data-Out sequence as one socket write; false when the socket buffer is full. */
  #sendBurst(task: T, range: DataRange): boolean {
    const seq = this.#sequence(task, range);
    this.#host.counted(Math.ceil((range.end - range.offset) / seq.segmentLength));
    const prepared = task.prepared;
    task.prepared = undefined;
    let ok: boolean | undefined;
    if (prepared !== undefined && prepared.offset === range.offset && prepared.end === range.end) {
      ok = task.conn.sendPreparedDataOut(prepared.token, seq);
    }
    ok ??= task.conn.sendDataOut(seq) ?? task.conn.sendAll(this.#dataOutPdus(task, range));
    task.sent = Math.max(task.sent, range.end);
    return ok;
  }

  /** The Data-Out sequence of `range`, in segments within the target's MaxRecvDataSegmentLength. */
  #sequence(task: T, range: DataRange): DataOutSequence {
    return {
      lun: task.lun,
      initiatorTaskTag: task.itt,
      targetTransferTag: range.ttt,
      expStatSn: this.#host.expStatSn(),
      data: task.dataOut!,
      offset: range.offset,
      end: range.end,
      segmentLength: this.#host.segmentLength(),
    };
  }

  /** The Data-Out PDUs of one sequence, each within the target's MaxRecvDataSegmentLength. */
  #dataOutPdus(task: T, range: DataRange): DataOutPdu[] {
    const data = task.dataOut!;
    const segment = this.#host.segmentLength();
    const expStatSn = this.#host.expStatSn();
    const pdus: DataOutPdu[] = [];
    let dataSn = 0;
    for (let off = range.offset; off < range.end;) {
      const n = Math.min(segment, range.end - off);
      pdus.push({
        type: 'data-out',
        final: off + n === range.end,
        lun: task.lun,
        initiatorTaskTag: task.itt,
        targetTransferTag: range.ttt,
        expStatSn,
        dataSn: dataSn++,
        bufferOffset: off,
        data: data.subarray(off, off + n),
      });
      off += n;
    }
    return pdus;
  }
}

/** What is wrong with an R2T that fails a check of `DataOutPump.onR2t`. */
function r2tRefusal(task: DataOutTask, p: R2tPdu, limits: R2tLimits): string {
  const length = task.dataOut?.length ?? 0;
  const asked = p.desiredDataTransferLength;
  const end = p.bufferOffset + asked;
  const what = `R2T ${p.r2tSn} for bytes ${p.bufferOffset}..${end}`;
  if (task.dataOut === undefined || length === 0) return `${what} of a command that sends no data`;
  if (p.r2tSn !== task.expR2tSn) return `${what}: R2TSN ${task.expR2tSn} was due`;
  if (asked === 0) return `${what}: asks for no data`;
  // FFFFFFFFh on a Data-Out means "unsolicited": the target could not tell the data apart.
  if (p.targetTransferTag === RESERVED_TAG) return `${what}: reserved Target Transfer Tag`;
  if (end > length) return `${what} of a ${length}-byte transfer`;
  if (p.bufferOffset !== task.requested) {
    return `${what}: the next sequence starts at byte ${task.requested}`;
  }
  if (asked > limits.maxBurstLength) {
    return `${what}: ${asked} bytes exceed MaxBurstLength ${limits.maxBurstLength}`;
  }
  return `${what}: more than MaxOutstandingR2T ${limits.maxOutstandingR2T} outstanding`;
}
