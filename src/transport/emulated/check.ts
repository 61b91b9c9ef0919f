// CHECK CONDITION as control flow inside the virtual drive: the disc model and the command
// handlers throw a CheckCondition; the drive turns it into status 02h plus fixed-format sense.
// The named codes are the SPC-4 / MMC-6 sense key, ASC and ASCQ the drive reports.

export interface SenseCode {
  readonly senseKey: number;
  readonly asc: number;
  readonly ascq: number;
  /** Information field (the failing LBA), when valid. */
  readonly information?: number;
  /** NOT READY: the sense-key-specific PROGRESS INDICATION (0..65535), when the drive has one. */
  readonly progress?: number;
  /** SENSE KEY SPECIFIC field pointer (ILLEGAL REQUEST): the byte (and bit) in error. */
  readonly field?: FieldPointer;
}

/** Where an ILLEGAL REQUEST found the error: in the CDB (C/D = 1) or the parameter list. */
export interface FieldPointer {
  readonly commandData: boolean;
  readonly fieldPointer: number;
  readonly bitPointer?: number;
}

/** Sense codes the virtual drive reports (key/ASC/ASCQ). */
export const Sense = {
  NO_SENSE: { senseKey: 0x0, asc: 0x00, ascq: 0x00 },
  HARDWARE_WRITE_PROTECTED: { senseKey: 0x7, asc: 0x27, ascq: 0x01 },
  SOFTWARE_WRITE_PROTECTED: { senseKey: 0x7, asc: 0x27, ascq: 0x02 },
  PERSISTENT_WRITE_PROTECT: { senseKey: 0x7, asc: 0x27, ascq: 0x04 },
  WRITE_PROTECTED: { senseKey: 0x7, asc: 0x27, ascq: 0x00 },
  NOT_READY_FORMAT_IN_PROGRESS: { senseKey: 0x2, asc: 0x04, ascq: 0x04 },
  NOT_READY_OPERATION_IN_PROGRESS: { senseKey: 0x2, asc: 0x04, ascq: 0x07 },
  NOT_READY_LONG_WRITE_IN_PROGRESS: { senseKey: 0x2, asc: 0x04, ascq: 0x08 },
  MEDIUM_NOT_PRESENT_TRAY_CLOSED: { senseKey: 0x2, asc: 0x3a, ascq: 0x01 },
  MEDIUM_NOT_PRESENT_TRAY_OPEN: { senseKey: 0x2, asc: 0x3a, ascq: 0x02 },
  LOSS_OF_STREAMING: { senseKey: 0x3, asc: 0x0c, ascq: 0x09 },
  PARAMETER_LIST_LENGTH_ERROR: { senseKey: 0x5, asc: 0x1a, ascq: 0x00 },
  INVALID_COMMAND_OPERATION_CODE: { senseKey: 0x5, asc: 0x20, ascq: 0x00 },
  LBA_OUT_OF_RANGE: { senseKey: 0x5, asc: 0x21, ascq: 0x00 },
  INVALID_ADDRESS_FOR_WRITE: { senseKey: 0x5, asc: 0x21, ascq: 0x02 },
  INVALID_FIELD_IN_CDB: { senseKey: 0x5, asc: 0x24, ascq: 0x00 },
  INVALID_FIELD_IN_PARAMETER_LIST: { senseKey: 0x5, asc: 0x26, ascq: 0x00 },
  PARAMETER_NOT_SUPPORTED: { senseKey: 0x5, asc: 0x26, ascq: 0x01 },
  COMMAND_SEQUENCE_ERROR: { senseKey: 0x5, asc: 0x2c, ascq: 0x00 },
  INCOMPATIBLE_MEDIUM_INSTALLED: { senseKey: 0x5, asc: 0x30, ascq: 0x00 },
  CANNOT_READ_INCOMPATIBLE_FORMAT: { senseKey: 0x5, asc: 0x30, ascq: 0x02 },
  CANNOT_WRITE_INCOMPATIBLE_FORMAT: { senseKey: 0x5, asc: 0x30, ascq: 0x05 },
  CANNOT_FORMAT_INCOMPATIBLE_MEDIUM: { senseKey: 0x5, asc: 0x30, ascq: 0x06 },
  MEDIUM_NOT_FORMATTED: { senseKey: 0x5, asc: 0x30, ascq: 0x10 },
  SAVING_PARAMETERS_NOT_SUPPORTED: { senseKey: 0x5, asc: 0x39, ascq: 0x00 },
  MEDIUM_REMOVAL_PREVENTED: { senseKey: 0x5, asc: 0x53, ascq: 0x02 },
  ILLEGAL_MODE_FOR_THIS_TRACK: { senseKey: 0x5, asc: 0x64, ascq: 0x00 },
  MEDIUM_MAY_HAVE_CHANGED: { senseKey: 0x6, asc: 0x28, ascq: 0x00 },
  POWER_ON_RESET: { senseKey: 0x6, asc: 0x29, ascq: 0x00 },
} as const satisfies Record<string, SenseCode>;

/** Thrown inside the drive; becomes CHECK CONDITION with this sense. */
export class CheckCondition extends Error {
  constructor(
    readonly sense: SenseCode,
    detail = '',
  ) {
    super(
      `CHECK CONDITION ${sense.senseKey.toString(16)}/${sense.asc.toString(16).padStart(2, '0')}/${sense.ascq.toString(16).padStart(2, '0')}${detail === '' ? '' : `: ${detail}`}`,
    );
    this.name = 'CheckCondition';
  }
}

/** Throws CHECK CONDITION with `sense` (and the information field when given). */
export function fail(sense: SenseCode, information?: number, detail?: string): never {
  throw new CheckCondition(information === undefined ? sense : { ...sense, information }, detail);
}

/** Throws CHECK CONDITION with `sense` and a field pointer to the byte (and bit) in error. */
export function failAt(sense: SenseCode, field: FieldPointer, detail?: string): never {
  throw new CheckCondition({ ...sense, field }, detail);
}
