// The file `burn --cd-text <file>` reads (docs/cd.md, "The --cd-text file"): a JSON object
//
//   { "album": { "title": "…", "performer": "…", "songwriter": "…", "composer": "…",
//                "arranger": "…", "message": "…" },
//     "tracks": [ { "title": "…", "performer": "…" }, … ] }
//
// every field optional, `tracks[0]` the first track. Texts are ISO 8859-1 (CD-TEXT block 0),
// at most 160 characters each; the file at most 64 KiB. Anything else is a usage error naming
// the field.

import { readFile, stat } from 'node:fs/promises';
import { DwError, HR, invalidArgument } from '../errors.js';
import type { CdText, CdTextStrings } from '../scsi/cd/cd-text.js';

export type CdTextInput = CdText;

const MAX_FILE_BYTES = 64 * 1024;
const MAX_TEXT_CHARS = 160;
const FIELDS = ['title', 'performer', 'songwriter', 'composer', 'arranger', 'message'] as const;

function strings(v: unknown, where: string, file: string): CdTextStrings {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw invalidArgument(`${file}: ${where} is not an object`);
  }
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!(FIELDS as readonly string[]).includes(k)) {
      throw invalidArgument(`${file}: ${where}.${k} is not a CD-TEXT field (${FIELDS.join(', ')})`);
    }
    if (typeof x !== 'string') throw invalidArgument(`${file}: ${where}.${k} is not a string`);
    if (x.length > MAX_TEXT_CHARS) {
      throw invalidArgument(
        `${file}: ${where}.${k} has ${x.length} characters; at most ${MAX_TEXT_CHARS}`,
      );
    }

    if (/[^\u0020-\u007e\u00a0-\u00ff]/.test(x)) {
      throw invalidArgument(`${file}: ${where}.${k} has characters outside ISO 8859-1`);
    }
    out[k] = x;
  }
  return out;
}

/** Parses the JSON text of a --cd-text file (`file` names it in errors). */
export function parseCdTextFile(text: string, file: string): CdText {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidArgument(`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidArgument(`${file}: not a JSON object with "album" and "tracks"`);
  }
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'album' && k !== 'tracks') throw invalidArgument(`${file}: unknown key "${k}"`);
  }
  const album = o.album === undefined ? {} : strings(o.album, 'album', file);
  if (o.tracks !== undefined && !Array.isArray(o.tracks)) {
    throw invalidArgument(`${file}: tracks is not an array`);
  }
  const list = (o.tracks ?? []) as unknown[];
  if (list.length > 99) throw invalidArgument(`${file}: ${list.length} tracks; at most 99`);
  return { album, tracks: list.map((t, i) => strings(t, `tracks[${i}]`, file)) };
}

/** Reads and parses a --cd-text file. */
export async function readCdTextFile(path: string): Promise<CdText> {
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_FILE_BYTES) {
      throw invalidArgument(
        `${path}: ${size} bytes; a CD-TEXT file holds at most ${MAX_FILE_BYTES}`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof DwError) throw e;
    throw new DwError(HR.E_INVALIDARG, { message: `${path}: cannot be read`, cause: e });
  }
  return parseCdTextFile(text, path);
}
