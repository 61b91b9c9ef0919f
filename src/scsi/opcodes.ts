// SCSI/MMC operation codes used by discwright (SPC-4, SBC-3, MMC-6). Pure.

export const Opcode = {
  TEST_UNIT_READY: 0x00,
  REQUEST_SENSE: 0x03,
  FORMAT_UNIT: 0x04,
  INQUIRY: 0x12,
  START_STOP_UNIT: 0x1b,
  PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
  READ_FORMAT_CAPACITIES: 0x23,
  READ_CAPACITY_10: 0x25,
  READ_10: 0x28,
  WRITE_10: 0x2a,
  SYNCHRONIZE_CACHE_10: 0x35,
  READ_SUB_CHANNEL: 0x42,
  READ_TOC_PMA_ATIP: 0x43,
  GET_CONFIGURATION: 0x46,
  GET_EVENT_STATUS_NOTIFICATION: 0x4a,
  READ_DISC_INFORMATION: 0x51,
  READ_TRACK_INFORMATION: 0x52,
  RESERVE_TRACK: 0x53,
  MODE_SELECT_10: 0x55,
  MODE_SENSE_10: 0x5a,
  CLOSE_TRACK_SESSION: 0x5b,
  READ_BUFFER_CAPACITY: 0x5c,
  SEND_CUE_SHEET: 0x5d,
  BLANK: 0xa1,
  READ_12: 0xa8,
  WRITE_12: 0xaa,
  GET_PERFORMANCE: 0xac,
  READ_DISC_STRUCTURE: 0xad,
  SET_STREAMING: 0xb6,
  SET_CD_SPEED: 0xbb,
  MECHANISM_STATUS: 0xbd,
  READ_CD: 0xbe,
  SEND_DISC_STRUCTURE: 0xbf,
} as const;

export type OpcodeName = keyof typeof Opcode;

const names = new Map<number, string>(
  Object.entries(Opcode).map(([k, v]) => [
    v,
    k.replace(/_(6|10|12|16)$/, '($1)').replace(/_/g, ' '),
  ]),
);

/** Human name of an opcode: `WRITE(10)`, `GET CONFIGURATION`, or `OPCODE 0xNN`. */
export function opcodeName(op: number): string {
  return names.get(op) ?? `OPCODE 0x${op.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * CDB length by opcode group (SPC-4 4.2.5.1): group 0 = 6, groups 1-2 = 10, group 4 = 16,
 * group 5 = 12; groups 3, 6 and 7 are reserved/vendor and have no fixed length (undefined).
 */
export function cdbLengthForOpcode(op: number): number | undefined {
  switch (op >> 5) {
    case 0:
      return 6;
    case 1:
    case 2:
      return 10;
    case 4:
      return 16;
    case 5:
      return 12;
    default:
      return undefined;
  }
}
