// What DiscFormat2RawCD.writeMedia / writeMedia2 write, checked before anything is sent
// (docs/decisions.md, "The three DiscFormat2 interfaces"): a RawCDImage from RawCDImageCreator, or any engine source of raw
// sectors (a .bin file, bytes, a Readable with sizeBytes: IMAPI2's WriteMedia takes an IStream).
// The stream must hold whole sectors of the requested type, start where the method says (LBA −150,
// or the disc's lead-in for writeMedia2) and end where the disc can still record.

import { DwError, HR } from '../errors.js';
import type { BlockSource } from '../engine/index.js';
import { IMAGE_START_LBA } from './raw-cd/image-stream.js';
import { RAW_CD_SECTOR_BYTES, type Format2RawCdDataSectorType } from './raw-cd/layout.js';
import type { RawCDImage } from './raw-cd-image-creator.js';
import { openDataSource } from './data-source.js';

/**
 * The lead-out a stream of raw sectors ends with, when it does not say (a RawCDImage's layout
 * does): 6,750 sectors, the 90 s lead-out the image creator writes.
 */
const STREAM_LEAD_OUT_SECTORS = 6750;

export interface RawWriteOptions {
  /** Bytes to write; required for stream sources (a Readable, an iterable, a BlockReader). */
  readonly sizeBytes?: number;
}

/** The disc as prepareMedia found it, and the sector type asked. */
export interface RawDisc {
  readonly sectorType: Format2RawCdDataSectorType;
  readonly startOfNextSession: number;
  /** 0 when the drive gave none. */
  readonly lastPossibleStartOfLeadout: number;
}

/** A checked write: the sectors from `startLba`, and what to close once written. */
export interface RawWrite {
  readonly source: BlockSource;
  readonly startLba: number;
  readonly sectorCount: number;
  readonly bytesPerSector: number;
  close(): Promise<void>;
}

export function isRawCDImage(x: unknown): x is RawCDImage {
  if (typeof x !== 'object' || x === null) return false;
  const i = x as Partial<RawCDImage>;
  return typeof i.startLba === 'number' && typeof i.layout === 'object' && i.layout !== null;
}

function notSupported(message: string): DwError {
  return new DwError(HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED, { message });
}

/** A RawCDImage of the requested type whose lead-out starts where the disc allows. */
export function checkImage(image: RawCDImage, disc: RawDisc): void {
  const bytes = RAW_CD_SECTOR_BYTES[disc.sectorType];
  if (image.sectorType !== disc.sectorType || image.bytesPerSector !== bytes) {
    throw notSupported(
      `the image has ${image.bytesPerSector}-byte sectors of type ${image.sectorType}; ${bytes}-byte type ${disc.sectorType} is requested`,
    );
  }
  checkLeadOut(image.layout.startOfLeadout, disc);
}

function checkLeadOut(leadOut: number, disc: RawDisc): void {
  const limit = disc.lastPossibleStartOfLeadout;
  if (limit > 0 && leadOut > limit) {
    throw new DwError(HR.E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE, {
      message: `the lead-out would start at LBA ${leadOut}; the disc allows ${limit}`,
    });
  }
}

/**
 * The start LBA of a stream with `streamLeadInSectors` sectors before −150: exactly the disc's
 * lead-in (fewer: E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT; more cannot be recorded, before the
 * lead-in start the ATIP gives: E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED).
 */
export function leadInStart(streamLeadInSectors: number, disc: RawDisc): number {
  if (!Number.isSafeInteger(streamLeadInSectors) || streamLeadInSectors < 0) {
    throw new DwError(HR.E_INVALIDARG, {
      message: `streamLeadInSectors ${streamLeadInSectors} is not a sector count`,
    });
  }
  const needed = IMAGE_START_LBA - disc.startOfNextSession;
  if (streamLeadInSectors < needed) {
    throw new DwError(HR.E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT, {
      message: `the stream holds ${streamLeadInSectors} lead-in sectors; the disc's lead-in has ${needed} (from LBA ${disc.startOfNextSession})`,
    });
  }
  if (streamLeadInSectors > needed) {
    throw notSupported(
      `the stream starts at LBA ${IMAGE_START_LBA - streamLeadInSectors}, before the disc's lead-in at ${disc.startOfNextSession}`,
    );
  }
  return IMAGE_START_LBA - streamLeadInSectors;
}

/**
 * Checks `source` for a write from `startLba` (−150, or leadInStart's) and opens it. Nothing is
 * sent to the drive here: every refusal comes before the first command.
 */
export async function openRawWrite(
  source: RawCDImage | BlockSource,
  startLba: number,
  disc: RawDisc,
  options: RawWriteOptions,
): Promise<RawWrite> {
  const bytesPerSector = RAW_CD_SECTOR_BYTES[disc.sectorType];
  const none = () => Promise.resolve();
  if (isRawCDImage(source)) {
    checkImage(source, disc);
    if (source.startLba !== startLba) {
      throw notSupported(
        `the image starts at LBA ${source.startLba}; this write starts at ${startLba} (writeMedia: -150, writeMedia2: the lead-in)`,
      );
    }
    const sizeBytes = options.sizeBytes;
    if (sizeBytes !== undefined && sizeBytes !== source.sectorCount * bytesPerSector) {
      throw new DwError(HR.E_INVALIDARG, {
        message: `sizeBytes ${sizeBytes} disagrees with the image's ${source.sectorCount} sectors`,
      });
    }
    return { source, startLba, sectorCount: source.sectorCount, bytesPerSector, close: none };
  }
  const opened = await openDataSource(source, options.sizeBytes, {
    bytes: bytesPerSector,
    streamNotSupported: HR.E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
  });
  try {
    const sectorCount = opened.bytes / bytesPerSector;
    const end = startLba + sectorCount;
    if (end <= 0) {
      throw notSupported(`the stream ends at LBA ${end - 1}, before the first track's LBA 0`);
    }
    checkLeadOut(end - STREAM_LEAD_OUT_SECTORS, disc);
    return {
      source: opened.reader,
      startLba,
      sectorCount,
      bytesPerSector,
      close: () => opened.close(),
    };
  } catch (e) {
    await opened.close();
    throw e;
  }
}
