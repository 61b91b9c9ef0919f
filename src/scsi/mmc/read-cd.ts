// READ CD (MMC-6 6.19). Pure codec: the CDB only; the reply is the selected fields of each
// sector, concatenated, with no header. A CD drive reads any part of a CD sector with it: sync,
// header, user data, EDC/ECC, C2 error information and sub-channel.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** Expected Sector Type (CDB byte 1 bits 4..2). */
export const ExpectedSectorType = {
  ANY: 0b000,
  CD_DA: 0b001,
  MODE_1: 0b010,
  MODE_2_FORMLESS: 0b011,
  MODE_2_FORM_1: 0b100,
  MODE_2_FORM_2: 0b101,
} as const;

/** Header Codes (CDB byte 9 bits 6..5). */
export const HeaderCodes = { NONE: 0b00, HEADER: 0b01, SUBHEADER: 0b10, ALL: 0b11 } as const;

export interface ReadCdCdb {
  readonly expectedSectorType: number;
  /** DAP: digital audio play (error concealment on CD-DA). */
  readonly dap: boolean;
  /** Starting Logical Block Address (signed: the lead-in and pre-gap are negative). */
  readonly lba: number;
  /** Transfer Length in sectors (24 bits). */
  readonly transferLength: number;
  /** SYNC: the 12 sync bytes. */
  readonly sync: boolean;
  readonly headerCodes: number;
  /** User Data. */
  readonly userData: boolean;
  /** EDC & ECC. */
  readonly edcEcc: boolean;
  /** C2 Error Information (2 bits). */
  readonly c2ErrorInformation: number;
  /** Sub-channel Data Selection (3 bits): 0 none, 1 raw P-W, 2 formatted Q, 4 R-W. */
  readonly subChannelSelection: number;
}

export type ReadCdOptions = Partial<ReadCdCdb> & Pick<ReadCdCdb, 'lba' | 'transferLength'>;

// byte 0      OPERATION CODE (BEh)
// byte 1      bits 4..2 Expected Sector Type, bit 1 DAP
// bytes 2..5  STARTING LOGICAL BLOCK ADDRESS
// bytes 6..8  TRANSFER LENGTH
// byte 9      bit 7 SYNC, bits 6..5 Header Codes, bit 4 User Data, bit 3 EDC & ECC,
//             bits 2..1 C2 Error Information
// byte 10     bits 2..0 Sub-channel Data Selection
// byte 11     CONTROL
export function encodeReadCdCdb(o: ReadCdOptions): Uint8Array {
  const w = new ByteWriter(12);
  w.u8(0, Opcode.READ_CD);
  w.bits(1, 2, 0x07, o.expectedSectorType ?? 0, 'Expected Sector Type');
  w.flag(1, 1, o.dap); // DAP
  w.i32(2, o.lba, 'STARTING LOGICAL BLOCK ADDRESS');
  w.u24(6, o.transferLength, 'TRANSFER LENGTH');
  w.flag(9, 7, o.sync); // SYNC
  w.bits(9, 5, 0x03, o.headerCodes ?? 0, 'Header Codes');
  w.flag(9, 4, o.userData ?? true); // User Data
  w.flag(9, 3, o.edcEcc); // EDC & ECC
  w.bits(9, 1, 0x03, o.c2ErrorInformation ?? 0, 'C2 Error Information');
  w.bits(10, 0, 0x07, o.subChannelSelection ?? 0, 'Sub-channel Data Selection');
  return w.bytes;
}

export function decodeReadCdCdb(cdb: Uint8Array): ReadCdCdb {
  const r = new ByteReader(cdb);
  r.need(0, 12, 'READ CD CDB');
  if (r.u8(0) !== Opcode.READ_CD) throw new MalformedDataError('not a READ CD CDB');
  return {
    expectedSectorType: r.bits(1, 2, 0x07),
    dap: r.bit(1, 1),
    lba: r.i32(2),
    transferLength: r.u24(6),
    sync: r.bit(9, 7),
    headerCodes: r.bits(9, 5, 0x03),
    userData: r.bit(9, 4),
    edcEcc: r.bit(9, 3),
    c2ErrorInformation: r.bits(9, 1, 0x03),
    subChannelSelection: r.bits(10, 0, 0x07),
  };
}

/**
 * READ CD; by default the user data of each sector (2048 bytes for Mode 1). `bytesPerSector`
 * sizes the allocation (the transfer holds no header).
 */
export function readCd(o: ReadCdOptions & { readonly bytesPerSector?: number }): ScsiCommand {
  return scsiCommand('READ CD', encodeReadCdCdb(o), 'in', {
    allocationLength: o.transferLength * (o.bytesPerSector ?? 2048),
  });
}
