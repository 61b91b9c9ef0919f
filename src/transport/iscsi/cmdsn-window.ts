// The command window of an iSCSI session (RFC 7143 §4.2.2.1): the CmdSN the next command takes,
// and the ExpCmdSN and MaxCmdSN the target last reported; and the ExpStatSN that acknowledges the
// target's status (§4.2.2.2). All of them wrap at 2^32, so they are compared in serial number
// arithmetic (RFC 1982). Pure: no timers, no I/O.

import { RESERVED_TAG } from './pdu-layout.js';
import type { TargetPdu } from './pdu-types.js';

/** `a` > `b` in 32-bit serial number arithmetic (RFC 1982 §3.2); false when they are 2^31 apart. */
export function snGreater(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export class CmdSnWindow {
  #next: number;
  #expected: number;
  #max: number;

  /** Before login: CmdSN 1, and a window of that one command. */
  constructor(cmdSn = 1, maxCmdSn = cmdSn) {
    this.#next = cmdSn >>> 0;
    this.#expected = this.#next;
    this.#max = maxCmdSn >>> 0;
  }

  /** The CmdSN the next non-immediate command takes; immediate PDUs carry it without taking it. */
  get cmdSn(): number {
    return this.#next;
  }

  /** The target's ExpCmdSN: the oldest CmdSN it has not received yet. */
  get expCmdSn(): number {
    return this.#expected;
  }

  /** The target's MaxCmdSN: the newest CmdSN it will queue. */
  get maxCmdSn(): number {
    return this.#max;
  }

  /** True while a non-immediate command may go out (CmdSN ≤ MaxCmdSN). */
  get isOpen(): boolean {
    return !snGreater(this.#next, this.#max);
  }

  /**
   * Starts over after a login: the next command takes the ExpCmdSN of the final Login Response,
   * and its MaxCmdSN bounds the window.
   */
  reset(expCmdSn: number, maxCmdSn: number): void {
    this.#next = expCmdSn >>> 0;
    this.#expected = this.#next;
    this.#max = maxCmdSn >>> 0;
  }

  /** The CmdSN for a non-immediate command, which moves CmdSN on (wrapping after FFFFFFFFh). */
  take(): number {
    const sn = this.#next;
    this.#next = (sn + 1) >>> 0;
    return sn;
  }

  /**
   * ExpCmdSN and MaxCmdSN from a target PDU (RFC 7143 §4.2.2.1): both are ignored when MaxCmdSN
   * is below ExpCmdSN - 1; otherwise each replaces the one held only if it is greater (a PDU
   * that overtook a newer one carries stale values). Returns true when MaxCmdSN moved on, so
   * that the window may have opened.
   */
  update(expCmdSn: number, maxCmdSn: number): boolean {
    if (snGreater((expCmdSn - 1) >>> 0, maxCmdSn)) return false;
    if (snGreater(expCmdSn, this.#expected)) this.#expected = expCmdSn >>> 0;
    if (!snGreater(maxCmdSn, this.#max)) return false;
    this.#max = maxCmdSn >>> 0;
    return true;
  }
}

/**
 * The ExpStatSN after `p` arrives while `expStatSn` is held: StatSN + 1 of a PDU that carries
 * status (a response, a Reject, an Async Message, Data-In with the S bit, a NOP-In answering our
 * ping), unless that would move it back; otherwise `expStatSn` as it is. Login Responses are the
 * login's to count.
 */
export function expStatSnAfter(p: TargetPdu, expStatSn: number): number {
  const carriesStatus =
    p.type === 'scsi-response' ||
    p.type === 'task-management-response' ||
    p.type === 'logout-response' ||
    p.type === 'reject' ||
    p.type === 'async-message' ||
    p.type === 'text-response' ||
    (p.type === 'data-in' && p.statusPresent) ||
    (p.type === 'nop-in' && p.initiatorTaskTag !== RESERVED_TAG);
  if (!carriesStatus) return expStatSn;
  const next = (p.statSn + 1) >>> 0;
  return snGreater(expStatSn, next) ? expStatSn : next;
}
