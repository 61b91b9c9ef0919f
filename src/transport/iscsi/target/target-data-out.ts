// A WRITE's data as the target gathers it (RFC 7143 §11.7-§11.8, ErrorRecoveryLevel 0,
// DataPDUInOrder and DataSequenceInOrder Yes): the buffer of Expected Data Transfer Length
// bytes, the bursts the outstanding R2Ts asked for (up to MaxOutstandingR2T of them, in
// increasing offset order), and the checks on each Data-Out against the oldest: with both keys
// Yes the initiator answers them one after the other, so the data arrives in offset order. Data-Out that matches no R2T throws MalformedDataError (the connection is
// dropped); one for the R2T but out of sequence (DataSN, offset, length, F bit) throws
// DataSequenceError: the command fails with DATA PHASE ERROR and the connection goes on. Pure.

import { MalformedDataError } from '../../../errors.js';
import type { DataOutPdu, ScsiCommandPdu } from '../pdu-types.js';

/** Data-Out for the outstanding R2T, out of sequence: the command fails (SPC-4 ASC 4Bh). */
export class DataSequenceError extends Error {
  /** ASCQ under ASC 4Bh: 00h DATA PHASE ERROR, 02h TOO MUCH WRITE DATA, 05h DATA OFFSET ERROR. */
  readonly ascq: number;
  constructor(message: string, ascq = 0) {
    super(message);
    this.ascq = ascq;
  }
}

export interface R2tRequest {
  readonly r2tSn: number;
  readonly bufferOffset: number;
  readonly desiredDataTransferLength: number;
}

export class DataOutGathering {
  readonly pdu: ScsiCommandPdu;
  readonly data: Uint8Array;
  #received: number;
  /** End of the data asked for so far: where the next R2T starts. */
  #solicitedEnd: number;
  /** The outstanding R2Ts, oldest first: their Target Transfer Tag and the end of their burst. */
  readonly #bursts: { ttt: number; end: number }[] = [];
  #r2tSn = 0;
  /** DataSN the next Data-Out carries: it counts from 0 in each R2T's sequence (§11.7.5). */
  #dataSn = 0;

  /** `data` is EDTL bytes long, its first `received` bytes already in (immediate data). */
  constructor(pdu: ScsiCommandPdu, data: Uint8Array, received: number) {
    this.pdu = pdu;
    this.data = data;
    this.#received = received;
    this.#solicitedEnd = received;
  }

  /** R2Ts sent whose burst is not in yet. */
  get outstanding(): number {
    return this.#bursts.length;
  }

  get complete(): boolean {
    return this.#received >= this.data.length;
  }

  /** The next R2T, tagged `ttt`, for at most `maxBurst` bytes; undefined when all is asked for. */
  nextBurst(maxBurst: number, ttt: number): R2tRequest | undefined {
    const start = this.#solicitedEnd;
    if (start >= this.data.length) return undefined;
    const length = Math.min(maxBurst, this.data.length - start);
    this.#solicitedEnd = start + length;
    this.#bursts.push({ ttt, end: this.#solicitedEnd });
    return { r2tSn: this.#r2tSn++, bufferOffset: start, desiredDataTransferLength: length };
  }

  /** Takes one Data-Out; true when it ended a burst (send the next R2T or run the command). */
  accept(p: DataOutPdu): boolean {
    const i = this.#bursts.findIndex((b) => b.ttt === p.targetTransferTag);
    if (p.initiatorTaskTag !== this.pdu.initiatorTaskTag || i < 0) {
      throw new MalformedDataError('Data-Out for no outstanding R2T');
    }
    // DataSequenceInOrder=Yes: a later R2T's sequence before the oldest one's is over.
    if (i > 0) throw new DataSequenceError('Data-Out for a later R2T first', 0x05);
    const burstEnd = this.#bursts[0]!.end;
    if (p.dataSn !== this.#dataSn) {
      throw new DataSequenceError(`Data-Out DataSN ${p.dataSn}, ${this.#dataSn} expected`);
    }
    this.#dataSn++;
    // Each PDU continues where the last ended (DataPDUInOrder=Yes).
    if (p.bufferOffset !== this.#received) {
      throw new DataSequenceError(
        `Data-Out at offset ${p.bufferOffset}, ${this.#received} expected`,
        0x05,
      );
    }
    if (this.#received + p.data.length > burstEnd) {
      throw new DataSequenceError('Data-Out beyond the burst the R2T asked for', 0x02);
    }
    this.data.set(p.data, this.#received);
    this.#received += p.data.length;
    const burstDone = this.#received === burstEnd;
    if (p.final !== burstDone) {
      throw new DataSequenceError(
        p.final ? 'burst ended short of the R2T' : 'burst complete without the F bit',
      );
    }
    if (burstDone) {
      this.#bursts.shift();
      this.#dataSn = 0;
    }
    return burstDone;
  }
}
