// Scratch image files for tests of the image-backed virtual drive: one temporary directory per
// test file, removed after it, and fresh image paths inside it.

import { after, before } from 'node:test';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { FileStore } from '../../src/transport/emulated/image/file-store.js';

export interface ScratchImages {
  /** A path for a new image file (the file does not exist yet). */
  readonly imagePath: () => string;
  /** The path of `name` in the directory (a source file, a folder for the demo). */
  readonly filePath: (name: string) => string;
  /** The directory itself. */
  readonly directory: () => string;
}

/** Registers the directory's creation and removal with the calling test file's hooks. */
export function scratchImages(prefix: string): ScratchImages {
  let dir = '';
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    imagePath: () => join(dir, `disc-${++n}.img`),
    filePath: (name) => join(dir, name),
    directory: () => dir,
  };
}

/** A file's bytes. */
export async function fileBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

/**
 * Opens an image's FileStore and its writer thread as Node announces it (the process's 'worker'
 * event), so a test can end that thread the way a crash would, from outside the store.
 */
export async function openWithWriterThread(
  path: string,
): Promise<{ readonly store: FileStore; readonly writer: Worker }> {
  const announced = once(process, 'worker') as Promise<[Worker]>;
  const store = await FileStore.open(path);
  const [writer] = await announced;
  return { store, writer };
}
