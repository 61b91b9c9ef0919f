// One logical unit of the discwright iSCSI target: the drive (a Transport) and the state a real
// drive keeps per I_T nexus, which a drive behind one host cannot keep itself. Commands of every
// session run one at a time, in arrival order (SAM-5 8: one task set, the drive's own
// serialisation). Unit attention (SPC-4 5.14, SAM-5 6.2) is kept per nexus: a reset establishes
// one for every nexus, and a unit attention the drive reports to one nexus (a medium change) is
// established for every other one; each is reported once, then cleared. A load the host commands
// (START STOP UNIT, LoEj and Start) establishes 06/28/00 for every other nexus at once, since a
// drive may tell the host that asked nothing (`loadAttention=off`, tgt). INQUIRY and GET EVENT
// STATUS NOTIFICATION neither report nor clear it, REPORT LUNS (answered by the target) neither,
// REQUEST SENSE returns it as its data and clears it. Reservations are SPC-2's RESERVE / RELEASE
// (SPC-2 7.21, 7.16, 5.5.1), the ones MMC drives implement: while one nexus holds the unit, the
// commands of another get RESERVATION CONFLICT (docs/decisions.md, "serve: reservations").

import { scsiCommand, type ScsiResult } from '../../../scsi/command.js';
import type { Transport } from '../../transport.js';
import type { ScsiCommandPdu } from '../pdu-types.js';
import type { TargetTask } from './target-tasks.js';
import { INVALID_FIELD_IN_CDB, checkCondition, commandOf, fixedSense } from './target-task.js';

/** SCSI status RESERVATION CONFLICT (SAM-5 5.3.1). */
export const RESERVATION_CONFLICT = 0x18;

const Op = {
  REQUEST_SENSE: 0x03,
  INQUIRY: 0x12,
  RESERVE_6: 0x16,
  RELEASE_6: 0x17,
  START_STOP_UNIT: 0x1b,
  PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
  GET_EVENT_STATUS_NOTIFICATION: 0x4a,
  RESERVE_10: 0x56,
  RELEASE_10: 0x57,
} as const;

/** A unit attention condition: its sense key 6 ASC / ASCQ. */
export interface UnitAttention {
  readonly asc: number;
  readonly ascq: number;
}

/** POWER ON, RESET, OR BUS DEVICE RESET OCCURRED (29/00): after TARGET WARM RESET. */
export const UA_RESET: UnitAttention = { asc: 0x29, ascq: 0x00 };
/** BUS DEVICE RESET FUNCTION OCCURRED (29/03): after LOGICAL UNIT RESET. */
export const UA_LUN_RESET: UnitAttention = { asc: 0x29, ascq: 0x03 };
/** COMMANDS CLEARED BY ANOTHER INITIATOR (2F/00): after another nexus's CLEAR TASK SET. */
export const UA_COMMANDS_CLEARED: UnitAttention = { asc: 0x2f, ascq: 0x00 };
/** NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED (28/00): after a load. */
export const UA_MEDIUM_CHANGED: UnitAttention = { asc: 0x28, ascq: 0x00 };

/** Commands that neither report nor clear a unit attention (SPC-4 5.14, MMC-6 6.6). */
const UA_EXEMPT = new Set<number>([Op.INQUIRY, Op.GET_EVENT_STATUS_NOTIFICATION]);
/** Commands another nexus may send while the unit is reserved (SPC-2 5.5.1, Table 10). */
const RESERVATION_EXEMPT = new Set<number>([
  Op.INQUIRY,
  Op.REQUEST_SENSE,
  Op.RELEASE_6,
  Op.RELEASE_10,
]);

const EMPTY = new Uint8Array(0);
const GOOD: ScsiResult = { status: 0, sense: EMPTY, dataIn: EMPTY, residual: 0 };

/** The result a task aborted before it ran gets: nothing is ever sent for it. */
export const ABORTED = 'aborted' as const;

export class LogicalUnit {
  readonly drive: Transport;
  #queue: Promise<unknown> = Promise.resolve();
  /** Nexuses (session TSIHs) logged in, with the unit attention pending for each. */
  readonly #attention = new Map<number, UnitAttention | undefined>();
  /** The nexus holding RESERVE(6)/(10), if any. */
  #reservedBy: number | undefined;
  /** The nexus whose load the others were told of, until its next command that may report it. */
  #loadedBy: number | undefined;

  constructor(drive: Transport) {
    this.drive = drive;
  }

  /** The last command queued on the unit settles (shutdown). */
  get idle(): Promise<unknown> {
    return this.#queue;
  }

  addNexus(nexus: number): void {
    this.#attention.set(nexus, undefined);
  }

  /** The nexus is gone (logout, connection lost): its unit attention and reservation too. */
  removeNexus(nexus: number): void {
    this.#attention.delete(nexus);
    if (this.#reservedBy === nexus) this.#reservedBy = undefined;
    if (this.#loadedBy === nexus) this.#loadedBy = undefined;
  }

  /** Establishes `ua` for every nexus (a reset outranks a pending medium change). */
  establish(ua: UnitAttention, except?: number): void {
    for (const [nexus, pending] of this.#attention) {
      if (nexus === except) continue;
      if (pending === undefined || ua.asc === 0x29) this.#attention.set(nexus, ua);
    }
  }

  /** Establishes `ua` for `nexus` alone, unless another is pending for it. */
  establishFor(nexus: number, ua: UnitAttention): void {
    if (this.#attention.has(nexus) && this.#attention.get(nexus) === undefined) {
      this.#attention.set(nexus, ua);
    }
  }

  /**
   * LOGICAL UNIT RESET's effect on the unit (SAM-5 7.6), once its tasks are aborted: the
   * reservation is released, medium removal allowed again (the drive gets PREVENT ALLOW MEDIUM
   * REMOVAL with Prevent 0, after the command it may be running), and `ua` established.
   */
  async reset(ua: UnitAttention): Promise<void> {
    this.#reservedBy = undefined;
    this.establish(ua);
    const allow = scsiCommand(
      'PREVENT ALLOW MEDIUM REMOVAL',
      Uint8Array.of(0x1e, 0, 0, 0, 0, 0),
      'none',
    );
    await this.#enqueue(async () => {
      // A unit attention the drive held is superseded by the reset's; the second try runs.
      for (let i = 0; i < 2; i++) {
        const r = await this.drive.execute(allow).catch(() => GOOD);
        if (r.status !== 2 || (r.sense[2]! & 0x0f) !== 6) return;
      }
    });
  }

  /**
   * Runs `p` for `nexus` after every earlier command of the unit; `ABORTED` when the task was
   * aborted before the drive started it (the caller sends nothing then).
   */
  run(
    nexus: number,
    task: TargetTask,
    p: ScsiCommandPdu,
    dataOut: Uint8Array,
  ): Promise<ScsiResult | typeof ABORTED> {
    task.state = 'lun';
    const job = this.#enqueue(async () => {
      if (task.aborted) return ABORTED;
      const before = this.#before(nexus, p);
      if (before !== undefined) return before;
      task.state = 'running';
      // The data a command would return beyond the initiator's length is counted, up to the
      // drive's own transfer bound (at most 16 MiB), to report the overflow.
      const probe = Math.min(this.drive.limits().maxPageAlignedTransferBytes, 16 * 1024 * 1024);
      const r = await this.drive.execute(commandOf(p, dataOut, probe)).catch(
        // A transport failure (the drive vanished, its image failed) is not a SCSI answer:
        // the initiator sees HARDWARE ERROR, INTERNAL TARGET FAILURE (04/44/00).
        () => checkCondition(fixedSense(0x04, 0x44, 0x00)),
      );
      this.#after(nexus, p, r);
      return r;
    });
    // An abort ends the wait for the unit at once; a command the drive started runs to its end.
    const aborted = task.abortedSignal.then(() => (task.state === 'running' ? job : ABORTED));
    return Promise.race([job, aborted]);
  }

  #enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(job);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The answer the target gives in the drive's place (unit attention, reservations). */
  #before(nexus: number, p: ScsiCommandPdu): ScsiResult | undefined {
    const opcode = p.cdb[0]!;
    const ua = this.#attention.get(nexus);
    if (ua !== undefined && !UA_EXEMPT.has(opcode)) {
      this.#attention.set(nexus, undefined);
      const sense = fixedSense(0x06, ua.asc, ua.ascq);
      if (opcode !== Op.REQUEST_SENSE) return checkCondition(sense);
      // REQUEST SENSE (SPC-4 6.39): the unit attention is its parameter data.
      const descriptor = (p.cdb[1]! & 0x01) !== 0; // DESC
      const data = descriptor ? Uint8Array.of(0x72, 0x06, ua.asc, ua.ascq, 0, 0, 0, 0) : sense;
      return { ...GOOD, dataIn: data.subarray(0, p.cdb[4]) };
    }
    const holder = this.#reservedBy;
    if (holder !== undefined && holder !== nexus) {
      if (opcode === Op.RELEASE_6 || opcode === Op.RELEASE_10) return GOOD; // not the holder: no-op
      if (RESERVATION_EXEMPT.has(opcode)) return undefined;
      // PREVENT ALLOW MEDIUM REMOVAL with Prevent 0 is allowed; preventing is not.
      if (opcode === Op.PREVENT_ALLOW_MEDIUM_REMOVAL && (p.cdb[4]! & 0x03) === 0) return undefined;
      return { ...GOOD, status: RESERVATION_CONFLICT };
    }
    switch (opcode) {
      case Op.RESERVE_6:
      case Op.RESERVE_10:
        // Third-party and extent reservations (byte 1 bits 4 and 0) are not offered.
        if ((p.cdb[1]! & 0x11) !== 0) return INVALID_FIELD_IN_CDB();
        this.#reservedBy = nexus;
        return GOOD;
      case Op.RELEASE_6:
      case Op.RELEASE_10:
        if ((p.cdb[1]! & 0x11) !== 0) return INVALID_FIELD_IN_CDB();
        this.#reservedBy = undefined;
        return GOOD;
    }
    return undefined;
  }

  /**
   * A unit attention the drive reported to `nexus` holds for every other nexus too, and so does
   * a load `nexus` commanded. The 06/28/00 the drive may report after that load (to the first
   * command that reaches it, the issuer's or not) is the same medium change: the others were told
   * already, so it goes no further than to the issuer.
   */
  #after(nexus: number, p: ScsiCommandPdu, r: ScsiResult): void {
    const opcode = p.cdb[0]!;
    const sense = this.#unitAttentionOf(p, r);
    const issuer = this.#loadedBy;
    if (issuer !== undefined && sense?.asc === UA_MEDIUM_CHANGED.asc) {
      this.#loadedBy = undefined;
      if (issuer !== nexus) this.establishFor(issuer, sense);
    } else {
      // The issuer's first command the drive answers in full: no unit attention is coming.
      if (issuer === nexus && !UA_EXEMPT.has(opcode)) this.#loadedBy = undefined;
      if (sense !== undefined) this.establish(sense, nexus);
    }
    // byte 4  bits 7..4 POWER CONDITION, bit 1 LoEj, bit 0 Start
    if (opcode === Op.START_STOP_UNIT && r.status === 0 && (p.cdb[4]! & 0xf3) === 0x03) {
      this.establish(UA_MEDIUM_CHANGED, nexus);
      this.#loadedBy = nexus;
    }
  }

  /** The unit attention (sense key 6) in a drive's answer, if it holds one. */
  #unitAttentionOf(p: ScsiCommandPdu, r: ScsiResult): UnitAttention | undefined {
    let sense: Uint8Array | undefined;
    if (r.status === 2) sense = r.sense;
    else if (r.status === 0 && p.cdb[0] === Op.REQUEST_SENSE) sense = r.dataIn;
    if (sense === undefined || sense.length < 3) return undefined;
    const descriptor = (sense[0]! & 0x7f) >= 0x72;
    const key = sense[descriptor ? 1 : 2]! & 0x0f;
    if (key !== 6) return undefined;
    const asc = sense[descriptor ? 2 : 12];
    const ascq = sense[descriptor ? 3 : 13];
    if (asc === undefined || ascq === undefined) return undefined;
    return { asc, ascq };
  }
}
