// READ TOC/PMA/ATIP format 0101b, CD-TEXT (MMC-6 6.26.3.7). Pure codec: the 4-byte header
// (TOC Data Length, two reserved bytes) and the lead-in's CD-TEXT packs, 18 bytes each
// (src/scsi/cd/cd-text.ts decodes them).

import { ByteReader, ByteWriter } from '../bytes.js';
import { MalformedDataError } from '../../errors.js';

// bytes 0..1  CD-TEXT DATA LENGTH (bytes after this field: 2 + 18 × packs)
// bytes 2..3  Reserved
// bytes 4..   CD-TEXT descriptors (packs), 18 bytes each
export function encodeCdTextTocData(packs: Uint8Array): Uint8Array {
  const w = new ByteWriter(4 + packs.length);
  w.u16(0, 2 + packs.length, 'CD-TEXT Data Length');
  w.bytesAt(4, packs, 'CD-TEXT packs');
  return w.bytes;
}

/** The packs of a format 5 response (whole packs present; a cut last pack is dropped). */
export function decodeCdTextTocData(bytes: Uint8Array): Uint8Array {
  const r = new ByteReader(bytes);
  r.need(0, 4, 'CD-TEXT header');
  const declared = 2 + r.u16(0);
  if (declared < 4) throw new MalformedDataError(`CD-TEXT Data Length ${declared - 2} < 2`);
  const end = Math.min(declared, bytes.length);
  const n = Math.floor((end - 4) / 18);
  return bytes.slice(4, 4 + n * 18);
}
