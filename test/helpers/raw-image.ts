// The bytes of a RawCDImage, read through its async iterator as the write engine reads it.

import type { RawCDImage } from '../../src/format/index.js';

export async function imageBytes(image: RawCDImage): Promise<Uint8Array> {
  const bytes = new Uint8Array(image.sectorCount * image.bytesPerSector);
  let at = 0;
  for await (const chunk of image) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
