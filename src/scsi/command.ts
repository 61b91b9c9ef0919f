// The SCSI command and result shapes every layer shares (SAM-5 execute-command model). Pure.
// Request factories in spc/, block/ and mmc/ build a ScsiCommand; transports execute it.

/** Data phase direction of a command. */
export type DataDirection = 'none' | 'in' | 'out';

/** One SCSI command: the CDB, its data direction and the data-out bytes or data-in length. */
export interface ScsiCommand {
  /** Human name for logs and errors, e.g. `WRITE(10)`. */
  readonly name: string;
  readonly cdb: Uint8Array;
  readonly direction: DataDirection;
  /** Bytes sent to the device (direction `out`). */
  readonly dataOut?: Uint8Array | undefined;
  /** Bytes the initiator accepts from the device (direction `in`). */
  readonly allocationLength?: number | undefined;
}

/** SCSI status codes (SAM-5 5.3.1). */
export const ScsiStatus = {
  GOOD: 0x00,
  CHECK_CONDITION: 0x02,
  CONDITION_MET: 0x04,
  BUSY: 0x08,
  RESERVATION_CONFLICT: 0x18,
  TASK_SET_FULL: 0x28,
  ACA_ACTIVE: 0x30,
  TASK_ABORTED: 0x40,
} as const;

/** What a device answered. CHECK CONDITION is a result, not an exception. */
export interface ScsiResult {
  /** SCSI status byte. */
  readonly status: number;
  /** Sense bytes as returned (fixed or descriptor format); empty when none. */
  readonly sense: Uint8Array;
  /** Data-in bytes actually received (allocationLength − residual). */
  readonly dataIn: Uint8Array;
  /** allocationLength (or data-out length) minus bytes transferred. */
  readonly residual: number;
}

/** Convenience constructor for a command. */
export function scsiCommand(
  name: string,
  cdb: Uint8Array,
  direction: DataDirection,
  data?: { dataOut?: Uint8Array; allocationLength?: number },
): ScsiCommand {
  // Every command has the same fields (undefined where they do not apply), so a new kind of
  // command does not deoptimise the transports (docs/benchmarks-history.md, "File-backed:
  // zero-copy hand-off").
  return {
    name,
    cdb,
    direction,
    dataOut: direction === 'out' ? (data?.dataOut ?? new Uint8Array(0)) : undefined,
    allocationLength: direction === 'in' ? (data?.allocationLength ?? 0) : undefined,
  };
}
