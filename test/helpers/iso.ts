// A real ISO 9660 image for burn tests: built by `xorriso -as mkisofs` from a few files when
// xorriso is installed, otherwise a stand-in of the same shape (a primary volume descriptor
// "CD001" at LBA 16, a terminator at 17, file data after) so the tests run either way.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function standIn(blocks: number): Uint8Array {
  const b = new Uint8Array(blocks * 2048);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + (i >> 11) * 7) & 0xff;
  b.fill(0, 0, 16 * 2048); // system area
  const pvd = 16 * 2048;
  b.fill(0, pvd, pvd + 2 * 2048);
  b.set([1, 0x43, 0x44, 0x30, 0x30, 0x31, 1], pvd); // type 1, "CD001", version 1
  b.set([0xff, 0x43, 0x44, 0x30, 0x30, 0x31, 1], pvd + 2048); // terminator
  return b;
}

let cached: Promise<{ bytes: Uint8Array; real: boolean }> | undefined;

/** The ISO image (the same bytes for every call in a process). */
export function isoImage(): Promise<{ bytes: Uint8Array; real: boolean }> {
  cached ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'discwright-iso-'));
    try {
      const src = join(dir, 'src');
      await mkdir(src);
      await writeFile(join(src, 'README.txt'), 'discwright burn test\n');
      const data = new Uint8Array(300_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 13 + (i >> 9)) & 0xff;
      await writeFile(join(src, 'data.bin'), data);
      const out = join(dir, 'test.iso');
      await run('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'DWTEST', '-o', out, src]);
      return { bytes: new Uint8Array(await readFile(out)), real: true };
    } catch {
      return { bytes: standIn(200), real: false };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return cached;
}
