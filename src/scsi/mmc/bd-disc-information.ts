// READ DISC STRUCTURE for BD media (MMC-6 6.23.4, media type 1): the format codes and format 00h,
// disc information (the first DI unit of the PIC zone). Pure codec; the CDB and the 4-byte header
// are in read-disc-structure.ts. Payload decoders take the bytes after that header.

import { ByteReader, ByteWriter } from '../bytes.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';

/** FORMAT CODE values for BD media (media type 1), MMC-6 6.23.4. */
export const BdDiscStructureFormat = {
  DISC_INFORMATION: 0x00,
  BCA: 0x03,
  DISC_DEFINITION_STRUCTURE: 0x08,
  CARTRIDGE_STATUS: 0x09,
  SPARE_AREA_INFORMATION: 0x0a,
  RAW_DEFECT_LIST: 0x12,
  PHYSICAL_ACCESS_CONTROL: 0x30,
  DISC_STRUCTURE_LIST: 0xff,
} as const;

/** The BD disc information a drive returns: one 4096-byte DI block from the PIC zone. */
export const BD_DISC_INFORMATION_LENGTH = 4096;
/** Bytes of a BD-R / BD-RE DI unit (the first 32 are common to every BD). */
export const BD_DI_UNIT_LENGTH = 112;

/** The first disc information (DI) unit of format 00h, media type 1. */
export interface BdDiscInformation {
  /** DISC TYPE IDENTIFIER: `BDO` (ROM), `BDR` (write once), `BDW` (rewritable). */
  readonly discTypeIdentifier: string;
  /** DI FORMAT (01h for the first BD formats). */
  readonly diFormat: number;
  /** Number of DI units in each DI block. */
  readonly unitsPerBlock: number;
  /** DI unit sequence number. */
  readonly sequenceNumber: number;
  /** DISC SIZE: 0 = 120 mm, 1 = 80 mm. */
  readonly discSize: number;
  readonly discClass: number;
  readonly discVersion: number;
  /** NUMBER OF RECORDING LAYERS, 1..15. */
  readonly numberOfLayers: number;
  /** CHANNEL BIT LENGTH: 1 = 74.5 nm (25 GB per layer), 2 = 69.0 nm (27 GB per layer). */
  readonly channelBitLength: number;
  /** BCA DESCRIPTOR (low nibble): 1 = a BCA is present. */
  readonly bca: number;
  /** MAXIMUM TRANSFER RATE for the application, Mbit/s (0 = not specified). */
  readonly maximumTransferRate: number;
  /** LAST USER DATA PSN FOR DISC. */
  readonly lastUserDataPsn: number;
  /** FIRST AUN OF DATA ZONE IN THIS LAYER. */
  readonly firstAun: number;
  /** LAST AUN OF DATA ZONE IN THIS LAYER. */
  readonly lastAun: number;
}

// bytes 0..1    DI UNIT IDENTIFIER "DI"
// byte 2        DI FORMAT
// byte 3        bits 7..3 NUMBER OF DI UNITS IN EACH DI BLOCK
// byte 5        DI UNIT SEQUENCE NUMBER
// byte 6        bits 6..0 NUMBER OF BYTES IN USE IN THIS DI UNIT
// bytes 8..10   DISC TYPE IDENTIFIER
// byte 11       bits 7..6 DISC SIZE, bits 5..4 DISC CLASS, bits 3..0 DISC VERSION
// byte 12       bits 7..4 NUMBER OF RECORDING LAYERS
// byte 13       bits 3..0 CHANNEL BIT LENGTH
// byte 16       bits 3..0 BCA DESCRIPTOR
// byte 17       MAXIMUM TRANSFER RATE
// bytes 20..23  LAST USER DATA PSN FOR DISC
// bytes 24..27  FIRST AUN OF DATA ZONE IN THIS LAYER
// bytes 28..31  LAST AUN OF DATA ZONE IN THIS LAYER
// bytes 32..111 format dependent (zero), then the rest of the 4096-byte DI block (zero)
/** The 4096-byte payload of format 00h on BD: one DI unit, the rest of the block zero. */
export function encodeBdDiscInformation(d: BdDiscInformation): Uint8Array {
  if (!/^[\x20-\x7e]{3}$/.test(d.discTypeIdentifier)) {
    throw invalidArgument('DISC TYPE IDENTIFIER must be 3 ASCII characters');
  }
  const w = new ByteWriter(BD_DISC_INFORMATION_LENGTH);
  w.ascii(0, 2, 'DI', 'DI UNIT IDENTIFIER');
  w.u8(2, d.diFormat, 'DI FORMAT');
  w.bits(3, 3, 0x1f, d.unitsPerBlock, 'NUMBER OF DI UNITS IN EACH DI BLOCK');
  w.u8(5, d.sequenceNumber, 'DI UNIT SEQUENCE NUMBER');
  w.bits(6, 0, 0x7f, BD_DI_UNIT_LENGTH, 'NUMBER OF BYTES IN USE');
  w.ascii(8, 3, d.discTypeIdentifier, 'DISC TYPE IDENTIFIER');
  w.bits(11, 6, 0x03, d.discSize, 'DISC SIZE');
  w.bits(11, 4, 0x03, d.discClass, 'DISC CLASS');
  w.bits(11, 0, 0x0f, d.discVersion, 'DISC VERSION');
  w.bits(12, 4, 0x0f, d.numberOfLayers, 'NUMBER OF RECORDING LAYERS');
  w.bits(13, 0, 0x0f, d.channelBitLength, 'CHANNEL BIT LENGTH');
  w.bits(16, 0, 0x0f, d.bca, 'BCA DESCRIPTOR');
  w.u8(17, d.maximumTransferRate, 'MAXIMUM TRANSFER RATE');
  w.u32(20, d.lastUserDataPsn, 'LAST USER DATA PSN FOR DISC');
  w.u32(24, d.firstAun, 'FIRST AUN OF DATA ZONE');
  w.u32(28, d.lastAun, 'LAST AUN OF DATA ZONE');
  return w.bytes;
}

/** Decodes the first DI unit of a format 00h BD payload; needs its first 32 bytes and "DI". */
export function decodeBdDiscInformation(payload: Uint8Array): BdDiscInformation {
  const r = new ByteReader(payload);
  r.need(0, 32, 'BD disc information unit');
  if (r.ascii(0, 2) !== 'DI') throw new MalformedDataError('BD disc information lacks "DI"');
  return {
    discTypeIdentifier: r.ascii(8, 3),
    diFormat: r.u8(2),
    unitsPerBlock: r.bits(3, 3, 0x1f),
    sequenceNumber: r.u8(5),
    discSize: r.bits(11, 6, 0x03),
    discClass: r.bits(11, 4, 0x03),
    discVersion: r.bits(11, 0, 0x0f),
    numberOfLayers: r.bits(12, 4, 0x0f),
    channelBitLength: r.bits(13, 0, 0x0f),
    bca: r.bits(16, 0, 0x0f),
    maximumTransferRate: r.u8(17),
    lastUserDataPsn: r.u32(20),
    firstAun: r.u32(24),
    lastAun: r.u32(28),
  };
}
