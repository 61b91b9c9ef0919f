// The sidecar next to an image-backed virtual disc (`<image>.json`): the disc layout plus the
// store's side-map blocks. Written atomically; read when the drive opens the image and again
// when it takes exclusive access (another process may have recorded in between), and then
// checked (sidecar-schema.ts): a sidecar that is not JSON or not a layout the drive could have
// written is refused as damaged (damage.ts).

import { open, rename, writeFile, readFile, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { DiscJson } from '../disc-layout.js';
import type { BlockStore } from './block-store.js';
import { sidecarDamaged } from './damage.js';
import { imageFileError } from './image-errors.js';
import { checkSidecar, sidecarDigest, SidecarFault } from './sidecar-schema.js';

/** The sidecar's content: the disc layout plus side-map blocks (base64). */
export interface SidecarJson<D> {
  readonly format: 'discwright-virtual-disc';
  readonly version: 1;
  readonly disc: D;
  readonly stride: number | null;
  readonly odd: Record<string, string>;
  /** SHA-256 of the text without this field (`sha256:<hex>`); absent in older sidecars. */
  readonly digest?: string;
}

/** A sidecar as read: its text (to tell later whether it changed) and its content. */
export interface SidecarRead<D> {
  readonly text: string;
  readonly json: SidecarJson<D>;
}

export function sidecarPath(image: string): string {
  return `${image}.json`;
}

/**
 * The sidecar of `image`, checked, or undefined when there is none. One that does not parse or
 * does not pass the checks of sidecar-schema.ts is refused with ERROR_FILE_CORRUPT.
 */
export async function readSidecar(image: string): Promise<SidecarRead<DiscJson> | undefined> {
  const path = sidecarPath(image);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw imageFileError(path, 'reading', e);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const why = text.length === 0 ? 'it is empty' : `it is not JSON (${(e as Error).message})`;
    throw sidecarDamaged(path, image, why, e);
  }
  try {
    return { text, json: checkSidecar(raw) };
  } catch (e) {
    if (e instanceof SidecarFault) throw sidecarDamaged(path, image, e.message);
    throw e;
  }
}

/** The sidecar text for a disc layout and the store's side map. */
export function sidecarText<D>(disc: D, store: BlockStore): string {
  const odd: Record<string, string> = {};
  for (const [lba, bytes] of store.odd) odd[String(lba)] = Buffer.from(bytes).toString('base64');
  const json: SidecarJson<D> = {
    format: 'discwright-virtual-disc',
    version: 1,
    disc,
    stride: store.stride ?? null,
    odd,
  };
  // The digest goes last, over the text before it (sidecar-schema.ts checks it the same way).
  const body = JSON.stringify(json);
  return `${body.slice(0, -1)},"digest":"${sidecarDigest(body)}"}`;
}

/**
 * Writes the sidecar atomically: a temporary file in the same directory, fsync, rename. A crash
 * leaves either the old or the new sidecar, never a torn one.
 */
export async function writeSidecar(image: string, text: string): Promise<void> {
  const target = sidecarPath(image);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (e) {
    // The old sidecar stays; a half-written temporary file goes.
    await unlink(tmp).catch(() => undefined);
    throw imageFileError(target, 'writing', e);
  }
}

export function decodeOdd(odd: Record<string, string>): [number, Uint8Array][] {
  return Object.entries(odd).map(([k, v]) => [Number(k), new Uint8Array(Buffer.from(v, 'base64'))]);
}
