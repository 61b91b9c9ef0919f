// A CUE sheet's CDTEXTFILE: the binary CD-TEXT packs it names, read (bounded), each pack's CRC
// checked, and block 0 decoded into the texts the image creator writes into the lead-in's R–W.
// The file is what READ TOC format 5 returns — 18-byte packs, optionally after its 4-byte header
// (data length, two reserved bytes) and before one trailing zero byte, as rippers save it.
// Every refusal is an E_INVALIDARG naming `<sheet>:<line>`. docs/cd.md, "CUE sheets".

import { MalformedDataError } from '../../errors.js';
import {
  CD_TEXT_PACK_BYTES,
  decodeCdText,
  decodeCdTextPacks,
  type CdText,
} from '../../scsi/cd/cd-text.js';
import { cueError, type CueSheet } from './cue-sheet.js';
import { readBoundedFile } from './read-bounded.js';

/** 8 blocks of at most 256 packs each. */
export const CD_TEXT_FILE_MAX_PACKS = 8 * 256;
const HEADER_BYTES = 4;
const MAX_BYTES = HEADER_BYTES + CD_TEXT_FILE_MAX_PACKS * CD_TEXT_PACK_BYTES + 1;

/** The packs of a CD-TEXT file's bytes: the READ TOC header and a trailing zero byte dropped. */
function packsOf(bytes: Uint8Array, fail: (what: string) => never): Uint8Array {
  let body = bytes;
  const declared = body.length >= 2 ? ((body[0] as number) << 8) | (body[1] as number) : -1;
  const rest = body.length - HEADER_BYTES;
  // A header's data length counts the bytes after its own two (a trailing zero byte may be left
  // out of it or counted).
  if (
    rest > 0 &&
    (rest % CD_TEXT_PACK_BYTES === 0 || rest % CD_TEXT_PACK_BYTES === 1) &&
    (declared === body.length - 2 || declared === body.length - 3)
  ) {
    body = body.subarray(HEADER_BYTES);
  }
  if (body.length % CD_TEXT_PACK_BYTES === 1 && body[body.length - 1] === 0) {
    body = body.subarray(0, body.length - 1);
  }
  if (body.length === 0) fail('holds no CD-TEXT packs');
  if (body.length % CD_TEXT_PACK_BYTES !== 0) {
    fail(`${body.length} bytes of packs is not whole 18-byte packs`);
  }
  return body;
}

/**
 * The texts of the sheet's CDTEXTFILE (block 0), or undefined when it names none. The file lies
 * beside the sheet unless absolute; at most 8 blocks of 256 packs; a pack failing its CRC, a file
 * that is not packs, texts this writer cannot encode again, or more tracks than the sheet has are
 * refused.
 */
export async function readCueCdTextFile(
  sheet: CueSheet,
  resolve: (path: string) => string,
): Promise<CdText | undefined> {
  const ref = sheet.cdTextFile;
  if (ref === undefined) return undefined;
  const path = resolve(ref.path);
  const fail = (what: string, cause?: unknown): never => {
    throw cueError(sheet.name, ref.line, `CDTEXTFILE ${path}: ${what}`, cause);
  };
  const bytes = await readBoundedFile(path, MAX_BYTES, {
    tooLarge: (size) => fail(`${size} bytes; CD-TEXT is at most ${MAX_BYTES}`),
    unreadable: (e) => fail('cannot be read', e),
  });
  const packs = packsOf(bytes, fail);
  for (const [i, p] of decodeCdTextPacks(packs).entries()) {
    if (!p.crcOk) fail(`pack ${i + 1} (type 0x${p.packType.toString(16)}) fails its CRC`);
  }
  let text: CdText;
  try {
    text = decodeCdText(packs);
  } catch (e) {
    if (e instanceof MalformedDataError) return fail(e.message, e);
    throw e;
  }
  const firstTrack = sheet.tracks[0]?.number ?? 1;
  if ((text.firstTrackNumber ?? 1) !== firstTrack) {
    fail(`its texts start at track ${text.firstTrackNumber}; the sheet's first is ${firstTrack}`);
  }
  if (text.tracks.length > sheet.tracks.length) {
    fail(`texts for ${text.tracks.length} tracks; the sheet has ${sheet.tracks.length}`);
  }
  return text;
}
