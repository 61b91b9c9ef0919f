// The sidecar next to an image-backed virtual disc (`<image>.json`): the disc layout plus the
// store's side-map blocks. Written atomically; read when the drive opens the image and again
// when it takes exclusive access (another process may have recorded in between).

import { open, rename, writeFile, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { BlockStore } from './block-store.js';
import { imageFileError } from './image-errors.js';

/** The sidecar's content: the disc layout plus side-map blocks (base64). */
export interface SidecarJson<D> {
  readonly format: 'discwright-virtual-disc';
  readonly version: 1;
  readonly disc: D;
  readonly stride: number | null;
  readonly odd: Record<string, string>;
}

/** A sidecar as read: its text (to tell later whether it changed) and its content. */
export interface SidecarRead<D> {
  readonly text: string;
  readonly json: SidecarJson<D>;
}

export function sidecarPath(image: string): string {
  return `${image}.json`;
}

/** The sidecar of `image`, or undefined when there is none. */
export async function readSidecar<D>(image: string): Promise<SidecarRead<D> | undefined> {
  let text: string;
  try {
    text = await readFile(sidecarPath(image), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw imageFileError(sidecarPath(image), 'reading', e);
  }
  const json = JSON.parse(text) as SidecarJson<D>;
  if (json.format !== 'discwright-virtual-disc' || json.version !== 1) {
    throw new Error(`${sidecarPath(image)} is not a discwright virtual disc sidecar`);
  }
  return { text, json };
}

/** Size of the image file, or -1 when it does not exist. */
export async function imageSize(image: string): Promise<number> {
  try {
    return (await stat(image)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw imageFileError(image, 'examining', e);
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
  return JSON.stringify(json);
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
