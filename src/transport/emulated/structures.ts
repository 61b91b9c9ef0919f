// The disc structures of the virtual drive (READ / SEND DISC STRUCTURE, MMC-6 6.23 and 6.34):
// what each media answers for the formats a recorder uses, and which host-sent structures it
// accepts. Replies are built with the codecs of src/scsi/mmc/read-disc-structure.ts; this module
// only decides the values (book type, layers, data zone) and the sense of every refusal.

import {
  BdDiscStructureFormat,
  BD_DISC_INFORMATION_LENGTH,
  encodeBdDiscInformation,
} from '../../scsi/mmc/bd-disc-information.js';
import {
  BookType,
  DiscStructureFormat,
  DiscStructureMediaType,
  DVD_LAYER_DESCRIPTOR_LENGTH,
  encodeDiscStructureList,
  encodePhysicalFormatInformation,
  type DiscStructureListEntry,
  type PhysicalFormatInformation,
} from '../../scsi/mmc/read-disc-structure.js';
import { fail, Sense } from './check.js';
import type { Disc } from './disc.js';
import { readLayerBoundary, sendLayerBoundary } from './layer-boundary.js';
import type { MediaId } from './media.js';

/** First physical sector of the data zone of a 120 mm DVD (ECMA-267/-337/-349). */
export const DVD_DATA_ZONE_START_PSN = 0x030000;
/** DVD-RAM's data zone starts one zone later (ECMA-330: lead-in ends at 030FFFh). */
export const DVD_RAM_DATA_ZONE_START_PSN = 0x031000;
/** First address unit of a BD data zone on layer 0. */
export const BD_DATA_ZONE_FIRST_AUN = 0x00100000;
/** A DVD+R DL disc holds half its user blocks on each layer. */
const DL_LAYERS = 2;

/** Layer Type bits of the physical format information. */
const LayerType = { RECORDABLE: 0b0010, REWRITABLE: 0b0100 } as const;

/** Per DVD media: BOOK TYPE, PART VERSION, layer type, densities, as a blank disc reports them. */
const DVD_BOOKS: Partial<
  Record<
    MediaId,
    {
      bookType: number;
      partVersion: number;
      layerType: number;
      linearDensity: number;
      trackDensity: number;
    }
  >
> = {
  // DVD-R for General 2.0, DVD-RW 1.1, DVD+R 1.0, DVD+RW 2.0 (8x), DVD+R DL 1.0, DVD-RAM 2.x.
  'dvd-r': {
    bookType: BookType.DVD_R,
    partVersion: 5,
    layerType: LayerType.RECORDABLE,
    linearDensity: 0,
    trackDensity: 0,
  },
  'dvd-rw': {
    bookType: BookType.DVD_RW,
    partVersion: 2,
    layerType: LayerType.REWRITABLE,
    linearDensity: 0,
    trackDensity: 0,
  },
  'dvd+r': {
    bookType: BookType.DVD_PLUS_R,
    partVersion: 1,
    layerType: LayerType.RECORDABLE,
    linearDensity: 0,
    trackDensity: 0,
  },
  'dvd+rw': {
    bookType: BookType.DVD_PLUS_RW,
    partVersion: 2,
    layerType: LayerType.REWRITABLE,
    linearDensity: 0,
    trackDensity: 0,
  },
  'dvd+r-dl': {
    bookType: BookType.DVD_PLUS_R_DL,
    partVersion: 1,
    layerType: LayerType.RECORDABLE,
    // 0.293 µm per bit: dual-layer discs trade density for the second layer.
    linearDensity: 1,
    trackDensity: 0,
  },
  'dvd-ram': {
    bookType: BookType.DVD_RAM,
    partVersion: 6,
    layerType: LayerType.REWRITABLE,
    // 0.280..0.291 µm per bit, 0.615 µm track pitch.
    linearDensity: 8,
    trackDensity: 1,
  },
};

/** Recording layers of the loaded disc. */
export function layersOf(disc: Disc): number {
  return disc.spec.id === 'dvd+r-dl' ? DL_LAYERS : 1;
}

/** Format 00h, media type 0: the DVD layer descriptor of the loaded disc. */
export function physicalFormatInformation(disc: Disc): PhysicalFormatInformation {
  const book = DVD_BOOKS[disc.spec.id];
  if (book === undefined) return fail(Sense.CANNOT_READ_INCOMPATIBLE_FORMAT);
  const start = disc.spec.id === 'dvd-ram' ? DVD_RAM_DATA_ZONE_START_PSN : DVD_DATA_ZONE_START_PSN;
  // The data zone as the disc was made: its unformatted size, whatever is recorded.
  const blocks = rawBlocks(disc);
  const dual = layersOf(disc) === DL_LAYERS;
  let end: number;
  let endLayer0 = 0;
  if (dual) {
    // Opposite track path: layer 1 sectors carry the bitwise inverse of layer 0 numbers, so
    // the data zone ends at the inverse of its own start.
    endLayer0 = start + blocks / DL_LAYERS - 1;
    end = ~start & 0xffffff;
  } else {
    end = start + blocks - 1;
  }
  return {
    bookType: book.bookType,
    partVersion: book.partVersion,
    discSize: 0, // 120 mm
    maximumRate: 0x0f, // not specified
    numberOfLayers: layersOf(disc),
    trackPath: dual ? 1 : 0,
    layerType: book.layerType,
    linearDensity: book.linearDensity,
    trackDensity: book.trackDensity,
    startPhysicalSectorNumber: start,
    endPhysicalSectorNumber: end,
    endSectorNumberInLayer0: endLayer0,
    bca: false,
    mediaSpecific: new Uint8Array(0),
  };
}

/** User blocks of the disc before any formatting (the size of its data zone). */
function rawBlocks(disc: Disc): number {
  return disc.rawCapacity;
}

/** Format 00h, media type 1: the BD disc information of the loaded disc. */
function bdDiscInformation(disc: Disc): Uint8Array {
  const rewritable = disc.spec.id === 'bd-re';
  const blocks = rawBlocks(disc);
  // An address unit is 1/16 of a 32-sector cluster: two sectors.
  const units = Math.ceil(blocks / 2);
  return encodeBdDiscInformation({
    discTypeIdentifier: rewritable ? 'BDW' : 'BDR',
    diFormat: 1,
    unitsPerBlock: 1,
    sequenceNumber: 0,
    discSize: 0, // 120 mm
    discClass: 0,
    discVersion: rewritable ? 2 : 1,
    numberOfLayers: 1,
    channelBitLength: 1, // 74.5 nm: 25 GB per layer
    bca: 1,
    maximumTransferRate: 0,
    lastUserDataPsn: BD_DATA_ZONE_FIRST_AUN + units - 1,
    firstAun: BD_DATA_ZONE_FIRST_AUN,
    lastAun: BD_DATA_ZONE_FIRST_AUN + units - 1,
  });
}

/** Payload of format 0Fh on DVD-R/RW: reserved, RANDOM NUMBER, then YYYYMMDDhhmmss. */
const UNIQUE_DISC_IDENTIFIER_LENGTH = 18;
/** SEND DISC STRUCTURE 0Fh payload: 4 reserved bytes, then YYYYMMDDhhmmss in ASCII. */
const TIMESTAMP_LENGTH = 18;
/** A disc control block: CONTENT DESCRIPTOR, UNKNOWN CONTENT DESCRIPTOR ACTIONS, VENDOR ID. */
const DCB_HEADER_LENGTH = 40;
/** A DCB fills one ECC block of 16 sectors. */
const DCB_MAX_LENGTH = 16 * 2048;
/** READ DISC STRUCTURE 30h with this address lists the content descriptors present. */
const DCB_LIST_ADDRESS = 0xffffffff;

function isDvd(disc: Disc): boolean {
  return disc.spec.family === 'dvd';
}

function dvdMinus(disc: Disc): boolean {
  return disc.spec.id === 'dvd-r' || disc.spec.id === 'dvd-rw';
}

/** The structures READ DISC STRUCTURE offers on this disc for a media type, with the SDS bit. */
export function structureList(disc: Disc, mediaType: number): DiscStructureListEntry[] {
  const entry = (formatCode: number, sds: boolean, structureLength: number) => ({
    formatCode,
    sds,
    rds: true,
    structureLength,
  });
  const list: DiscStructureListEntry[] = [];
  const layerDescriptor = 4 + DVD_LAYER_DESCRIPTOR_LENGTH;
  if (mediaType === DiscStructureMediaType.DVD && isDvd(disc)) {
    list.push(entry(DiscStructureFormat.PHYSICAL_FORMAT_INFORMATION, false, layerDescriptor));
    list.push(entry(DiscStructureFormat.DISC_MANUFACTURING_INFORMATION, dvdMinus(disc), 2052));
    if (dvdMinus(disc)) {
      list.push(
        entry(DiscStructureFormat.UNIQUE_DISC_IDENTIFIER, true, 4 + UNIQUE_DISC_IDENTIFIER_LENGTH),
      );
    }
    if (disc.spec.id === 'dvd+r-dl') {
      list.push(entry(DiscStructureFormat.LAYER_BOUNDARY_INFORMATION, true, 4 + 8));
    }
    if (disc.spec.id === 'dvd+rw')
      list.push(entry(DiscStructureFormat.DISC_CONTROL_BLOCK, true, 0));
  } else if (mediaType === DiscStructureMediaType.BD && disc.spec.family === 'bd') {
    list.push(entry(BdDiscStructureFormat.DISC_INFORMATION, false, 4 + BD_DISC_INFORMATION_LENGTH));
  }
  list.push(entry(DiscStructureFormat.DISC_STRUCTURE_LIST, false, 0));
  return list;
}

export interface StructureRequest {
  readonly mediaType: number;
  readonly formatCode: number;
  readonly layerNumber: number;
  readonly address: number;
}

/** The payload READ DISC STRUCTURE returns (without the 4-byte header), or CHECK CONDITION. */
export function readStructure(disc: Disc, r: StructureRequest): Uint8Array {
  if (r.mediaType !== DiscStructureMediaType.DVD && r.mediaType !== DiscStructureMediaType.BD) {
    fail(Sense.INVALID_FIELD_IN_CDB, undefined, `media type ${r.mediaType}`);
  }
  if (r.formatCode === DiscStructureFormat.DISC_STRUCTURE_LIST) {
    return encodeDiscStructureList(structureList(disc, r.mediaType));
  }
  // The structures of one media type on another kind of disc cannot be read (MMC-6 6.23.2).
  const matches =
    r.mediaType === DiscStructureMediaType.DVD ? isDvd(disc) : disc.spec.family === 'bd';
  if (!matches) {
    fail(
      Sense.CANNOT_READ_INCOMPATIBLE_FORMAT,
      undefined,
      `${disc.spec.name} has no media type ${r.mediaType} structures`,
    );
  }
  const offered = structureList(disc, r.mediaType).some((e) => e.formatCode === r.formatCode);
  if (!offered)
    fail(Sense.INVALID_FIELD_IN_CDB, undefined, `format 0x${r.formatCode.toString(16)}`);
  if (r.mediaType === DiscStructureMediaType.BD) {
    if (r.layerNumber !== 0) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no such layer');
    return bdDiscInformation(disc);
  }
  switch (r.formatCode) {
    case DiscStructureFormat.PHYSICAL_FORMAT_INFORMATION:
      if (r.layerNumber >= layersOf(disc)) {
        fail(Sense.INVALID_FIELD_IN_CDB, undefined, `no layer ${r.layerNumber}`);
      }
      return encodePhysicalFormatInformation(physicalFormatInformation(disc));
    case DiscStructureFormat.DISC_MANUFACTURING_INFORMATION:
      if (r.layerNumber >= layersOf(disc)) {
        fail(Sense.INVALID_FIELD_IN_CDB, undefined, `no layer ${r.layerNumber}`);
      }
      // Blank media carry no manufacturing data; a DVD-R/RW returns what the host wrote.
      return disc.structures.dmi ?? new Uint8Array(DVD_LAYER_DESCRIPTOR_LENGTH);
    case DiscStructureFormat.UNIQUE_DISC_IDENTIFIER:
      return uniqueDiscIdentifier(disc);
    case DiscStructureFormat.DISC_CONTROL_BLOCK:
      return discControlBlock(disc, r.address);
    case DiscStructureFormat.LAYER_BOUNDARY_INFORMATION:
      return readLayerBoundary(disc);
    default:
      return fail(Sense.INVALID_FIELD_IN_CDB);
  }
}

// bytes 0..1  reserved
// bytes 2..3  RANDOM NUMBER
// bytes 4..17 YEAR, MONTH, DAY, HOUR, MINUTE, SECOND (ASCII digits)
function uniqueDiscIdentifier(disc: Disc): Uint8Array {
  const out = new Uint8Array(UNIQUE_DISC_IDENTIFIER_LENGTH);
  const stamp = disc.structures.timestamp;
  if (stamp !== undefined) {
    // A fixed random number: the identifier must stay the same across reads of one disc.
    out[2] = 0x5a;
    out[3] = 0xa5;
    for (let i = 0; i < 14; i++) out[4 + i] = stamp.charCodeAt(i);
  }
  return out;
}

function discControlBlock(disc: Disc, address: number): Uint8Array {
  const dcbs = disc.structures.dcbs;
  if (address === DCB_LIST_ADDRESS) {
    // The list of content descriptors present, 4 bytes each.
    const out = new Uint8Array(4 * dcbs.size);
    const view = new DataView(out.buffer);
    [...dcbs.keys()].forEach((cd, i) => view.setUint32(4 * i, cd));
    return out;
  }
  const dcb = dcbs.get(address);
  if (dcb === undefined) fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'no such disc control block');
  return dcb;
}

/** SEND DISC STRUCTURE: checks and records a host-written structure on the disc. */
export function sendStructure(
  disc: Disc,
  r: { readonly mediaType: number; readonly formatCode: number },
  payload: Uint8Array,
): void {
  if (r.mediaType !== DiscStructureMediaType.DVD || !isDvd(disc)) {
    fail(Sense.INVALID_FIELD_IN_CDB, undefined, `${disc.spec.name} takes no such structure`);
  }
  switch (r.formatCode) {
    case DiscStructureFormat.DISC_MANUFACTURING_INFORMATION:
      if (!dvdMinus(disc)) break;
      if (payload.length !== DVD_LAYER_DESCRIPTOR_LENGTH) {
        fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'DMI is 2048 bytes');
      }
      writable(disc);
      disc.structures.dmi = payload.slice();
      return;
    case DiscStructureFormat.UNIQUE_DISC_IDENTIFIER: {
      // Sent, format 0Fh is the timestamp a DVD-R/RW records in its RMD.
      if (!dvdMinus(disc)) break;
      if (payload.length !== TIMESTAMP_LENGTH) {
        fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'timestamp is 18 bytes');
      }
      const stamp = String.fromCharCode(...payload.subarray(4));
      if (!validTimestamp(stamp)) {
        fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, `timestamp ${stamp}`);
      }
      writable(disc);
      disc.structures.timestamp = stamp;
      return;
    }
    case DiscStructureFormat.LAYER_BOUNDARY_INFORMATION:
      if (disc.spec.id !== 'dvd+r-dl') break;
      sendLayerBoundary(disc, payload);
      return;
    case DiscStructureFormat.DISC_CONTROL_BLOCK: {
      if (disc.spec.id !== 'dvd+rw') break;
      if (payload.length < DCB_HEADER_LENGTH || payload.length > DCB_MAX_LENGTH) {
        fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'DCB length');
      }
      const contentDescriptor = new DataView(
        payload.buffer,
        payload.byteOffset,
        payload.length,
      ).getUint32(0);
      // FFFFFFFFh addresses the list on READ; 0 marks an unused DCB.
      if (contentDescriptor === DCB_LIST_ADDRESS || contentDescriptor === 0) {
        fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST, undefined, 'DCB content descriptor');
      }
      disc.structures.dcbs.set(contentDescriptor, payload.slice());
      return;
    }
    default:
      break;
  }
  fail(
    Sense.INVALID_FIELD_IN_CDB,
    undefined,
    `format 0x${r.formatCode.toString(16)} cannot be sent to ${disc.spec.name}`,
  );
}

/** Write-once structures go to the recording management area, closed with the disc. */
function writable(disc: Disc): void {
  if (disc.finalized) fail(Sense.CANNOT_WRITE_INCOMPATIBLE_FORMAT, undefined, 'the disc is closed');
}

function validTimestamp(s: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (m === null) return false;
  const [month, day, hour, minute, second] = m.slice(2).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 60
  );
}
