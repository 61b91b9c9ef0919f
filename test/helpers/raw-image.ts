// The bytes of a RawCDImage, read through its async iterator as the write engine reads it, and a
// recorded CD sector read back whole (READ CD with every main-channel field) to compare with them.

import type { DiscRecorder } from '../../src/device/recorder.js';
import type { RawCDImage } from '../../src/format/index.js';
import { readCd } from '../../src/scsi/mmc/read-cd.js';

export async function imageBytes(image: RawCDImage): Promise<Uint8Array> {
  const bytes = new Uint8Array(image.sectorCount * image.bytesPerSector);
  let at = 0;
  for await (const chunk of image) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/**
 * READ CD of one sector: sync, all header codes, user data and EDC/ECC (the 2,352-byte main
 * channel), then sub-channel selection `subChannel` (MMC: 0 none, 1 raw P-W, 2 formatted Q) of
 * `bytesPerSector` - 2,352 bytes.
 */
export async function readWholeSector(
  recorder: DiscRecorder,
  lba: number,
  subChannel = 0,
  bytesPerSector = 2352,
): Promise<Uint8Array> {
  const command = readCd({
    lba,
    transferLength: 1,
    sync: true,
    headerCodes: 3,
    userData: true,
    edcEcc: true,
    subChannelSelection: subChannel,
    bytesPerSector,
  });
  return (await recorder.executeCommand(command)).dataIn;
}
