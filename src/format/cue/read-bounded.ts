// A small file the CUE reader takes whole (the sheet itself, a CDTEXTFILE's packs): its size is
// checked before any memory is allocated for it (a sheet or pack file is never large; a bigger
// one is the wrong file), then it is read in one go. docs/cd.md, "CUE sheets".

import { open } from 'node:fs/promises';
import { DwError } from '../../errors.js';

/** How the caller refuses: both throw its DwError (naming the sheet, the line, the limit). */
export interface BoundedFileRefusals {
  tooLarge(size: number): never;
  unreadable(cause: unknown): never;
}

/**
 * The bytes of `path`, at most `maxBytes` of them (checked against the size the file states).
 * A file that cannot be opened or read goes to `refuse.unreadable`; a DwError passes through.
 */
export async function readBoundedFile(
  path: string,
  maxBytes: number,
  refuse: BoundedFileRefusals,
): Promise<Uint8Array> {
  try {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      if (size > maxBytes) refuse.tooLarge(size);
      const bytes = new Uint8Array(size);
      const { bytesRead } = await fh.read(bytes, 0, size, 0);
      return bytes.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof DwError) throw e;
    return refuse.unreadable(e);
  }
}
