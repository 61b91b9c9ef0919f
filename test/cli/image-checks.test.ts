// The discwright command on damaged, missing and read-only image files (issue #15, cases 5, 6
// and 8): `info` and `read` open the image read-only and never create files; a damaged sidecar
// or a truncated image is refused with its HRESULT, exit status 1 and the file named, and nothing
// is read or written; a read-only image (chmod 0444 in a 0555 directory) can be inspected and
// read, and writing it fails with E_ACCESSDENIED; `-o` onto a directory or into a missing one,
// and an image in a missing directory, are discwright errors. Run as root (whom chmod does not
// stop), the read-only case runs the CLI as the user nobody.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAIN, SECTOR, blocksOf, collect, jsonLines, run, type Run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';

const { filePath, directory } = scratchImages('dw-cli-image-checks-');

const bdr = (img: string, extra = '') => `virtual:bd-r?image=${img}${extra}`;

/** A BD-R image with `blocks` blocks from LBA 0, written by the CLI; returns the source bytes. */
async function recorded(img: string, blocks: number): Promise<Buffer> {
  const src = blocksOf(blocks, blocks);
  const source = `${img}.src`;
  await writeFile(source, src);
  const r = await run(['write-section', bdr(img), source, '--lba', '0']);
  assert.equal(r.code, 0, r.stderr);
  await rm(source);
  return src;
}

async function listing(dir = directory()): Promise<string[]> {
  return (await readdir(dir)).sort();
}

async function bytesOf(...paths: string[]): Promise<(Buffer | undefined)[]> {
  return Promise.all(paths.map((p) => readFile(p).catch(() => undefined)));
}

/** A failed run: exit status, HRESULT name and value, key words, on standard error. */
function assertFailed(r: Run, code: number, hr: string, value: string, what: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.ok(r.stderr.includes(`${hr} (${value})`), r.stderr);
  assert.match(r.stderr, what);
  assert.match(r.stderr, /what to do: /);
}

describe('info and read never create files', () => {
  it('info on a mistyped image path: exit 1, STG_E_FILENOTFOUND, nothing created', async () => {
    const img = filePath('mistyped.img');
    const before = await listing();
    const r = await run(['info', bdr(img)]);
    assertFailed(r, 1, 'STG_E_FILENOTFOUND', '0x80030002', /no disc image .*mistyped\.img/);
    assert.deepEqual(await listing(), before);
  });

  it('read on a mistyped image path: exit 1, neither the image nor the -o file created', async () => {
    const img = filePath('mistyped-read.img');
    const out = filePath('mistyped-read.out');
    const before = await listing();
    const r = await run(['read', bdr(img), '--lba', '0', '--blocks', '1', '-o', out]);
    assertFailed(r, 1, 'STG_E_FILENOTFOUND', '0x80030002', /never creates one/);
    assert.deepEqual(await listing(), before);
  });
});

describe('damaged files are refused, nothing read or written', () => {
  it('a truncated image: info and read exit 1 with ERROR_FILE_CORRUPT, no zeros', async () => {
    const img = filePath('truncated.img');
    await recorded(img, 64);
    await truncate(img, 8 * SECTOR);
    const info = await run(['info', bdr(img)]);
    assertFailed(
      info,
      1,
      'HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)',
      '0x80070570',
      /truncated\.img is damaged: it holds 16384 bytes/,
    );
    assert.equal(info.stdout.length, 0);
    const read = await run(['read', bdr(img), '--lba', '0', '--blocks', '64']);
    assertFailed(
      read,
      1,
      'HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)',
      '0x80070570',
      /records blocks up to LBA 63/,
    );
    assert.equal(read.stdout.length, 0, 'blocks were read from a damaged disc');
  });

  it('a deleted image under its sidecar: exit 1, STG_E_FILENOTFOUND, not recreated by a write', async () => {
    const img = filePath('deleted.img');
    const src = await recorded(img, 8);
    await rm(img);
    const source = filePath('deleted.src');
    await writeFile(source, src);
    for (const args of [
      ['info', bdr(img)],
      ['write-section', bdr(img), source, '--lba', '8'],
    ]) {
      const r = await run(args);
      assertFailed(
        r,
        1,
        'STG_E_FILENOTFOUND',
        '0x80030002',
        /deleted\.img is missing, but its sidecar .* records 8 blocks/,
      );
    }
    assert.deepEqual(await bytesOf(img), [undefined]);
  });

  it('an NWA edited back over recorded blocks: write-section --json fails, the image unchanged', async () => {
    const img = filePath('edited.img');
    const src = await recorded(img, 32);
    const sidecar = JSON.parse(await readFile(`${img}.json`, 'utf8')) as {
      disc: { tracks: { nwa: number }[] };
    };
    sidecar.disc.tracks[0]!.nwa = 5;
    await writeFile(`${img}.json`, JSON.stringify(sidecar));
    const before = await bytesOf(img, `${img}.json`);
    const source = filePath('edited.src');
    await writeFile(source, blocksOf(3, 99));
    const r = await run(['write-section', bdr(img), source, '--lba', '5', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const result = jsonLines(r.stdout).pop();
    assert.equal(result?.code, 'HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)');
    assert.equal(result?.hresult, '0x80070570');
    assert.match(
      String(result?.message),
      /edited\.img\.json is damaged: .*changed after discwright wrote it/,
    );
    assert.deepEqual(await bytesOf(img, `${img}.json`), before);
    assert.deepEqual((await readFile(img)).subarray(0, src.length), src);
  });

  it('formatted=on on an existing unformatted image: exit 2, said instead of ignored', async () => {
    const img = filePath('rw.img');
    assert.equal((await run(['info', `virtual:dvd+rw?image=${img}`])).code, 1);
    const source = filePath('rw.src');
    await writeFile(source, blocksOf(1));
    // A write creates the (unformatted) disc; it fails, since DVD+RW needs formatting first.
    await run(['write-section', `virtual:dvd+rw?image=${img}`, source, '--lba', '0']);
    const r = await run(['info', `virtual:dvd+rw?image=${img}&formatted=on`]);
    assertFailed(r, 2, 'E_INVALIDARG', '0x80070057', /formatted=on applies to a new image only/);
  });
});

describe('paths', () => {
  it('an image in a missing directory: exit 1, STG_E_FILENOTFOUND naming the directory', async () => {
    const img = join(filePath('no-dir'), 'x.img');
    const source = filePath('no-dir.src');
    await writeFile(source, blocksOf(1));
    for (const args of [
      ['info', bdr(img)],
      ['write-section', bdr(img), source, '--lba', '0'],
    ]) {
      const r = await run(args);
      assertFailed(
        r,
        1,
        'STG_E_FILENOTFOUND',
        '0x80030002',
        /the directory .*no-dir of the image .* does not exist/,
      );
    }
  });

  it('read -o onto a directory: exit 2, E_INVALIDARG, nothing read', async () => {
    const img = filePath('o-dir.img');
    await recorded(img, 2);
    const dir = filePath('o-dir');
    await mkdir(dir);
    const r = await run(['read', bdr(img), '--lba', '0', '--blocks', '2', '-o', dir]);
    assertFailed(r, 2, 'E_INVALIDARG', '0x80070057', /-o .*o-dir is a directory; name a file/);
    assert.deepEqual(await listing(dir), []);
  });

  it('read -o into a missing directory: exit 1, STG_E_FILENOTFOUND naming it', async () => {
    const img = filePath('o-missing.img');
    await recorded(img, 2);
    const out = join(filePath('o-missing-dir'), 'out.bin');
    const r = await run(['read', bdr(img), '--lba', '0', '--blocks', '2', '-o', out]);
    assertFailed(
      r,
      1,
      'STG_E_FILENOTFOUND',
      '0x80030002',
      /its directory .*o-missing-dir does not exist/,
    );
  });
});

/** How to run the CLI so that file permissions apply: as nobody when this is root. */
function unprivileged(): { uid: number; gid: number } | undefined | string {
  if (process.getuid?.() !== 0) return undefined;
  const ids = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
  const uid = Number(ids.stdout.trim());
  const gid = Number(gids.stdout.trim());
  if (ids.status !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    return 'running as root, whom chmod does not stop, and there is no user nobody';
  }
  const probe = spawnSync(process.execPath, [MAIN, '--version'], { uid, gid });
  if (probe.status !== 0) {
    return `running as root, and the user nobody cannot run ${MAIN}; test/transport/emulated/read-only.test.ts checks O_RDONLY instead`;
  }
  return { uid, gid };
}

const as = unprivileged();

describe(
  'a read-only image (chmod 0444, directory 0555)',
  { skip: typeof as === 'string' && as },
  () => {
    const user = typeof as === 'object' ? as : undefined;
    const cli = (args: string[]): Promise<Run> =>
      collect(
        spawn(process.execPath, [MAIN, ...args], {
          stdio: ['pipe', 'pipe', 'pipe'],
          ...(user ?? {}),
        }),
      );

    it('info and read work; write-section fails with E_ACCESSDENIED; nothing changes', async () => {
      const dir = filePath('read-only');
      await mkdir(dir);
      const img = join(dir, 'ro.img');
      const src = await recorded(img, 16);
      const source = filePath('ro.src');
      await writeFile(source, blocksOf(4, 7));
      await chmod(img, 0o444);
      await chmod(`${img}.json`, 0o444);
      await chmod(dir, 0o555);
      await chmod(directory(), 0o755);
      await chmod(source, 0o644);
      const before = await bytesOf(img, `${img}.json`);
      try {
        const info = await cli(['info', bdr(img), '--json']);
        assert.equal(info.code, 0, info.stderr);
        const report = JSON.parse(info.stdout.toString()) as { nextWritableAddress: number };
        assert.equal(report.nextWritableAddress, 16);
        const read = await cli(['read', bdr(img), '--lba', '0', '--blocks', '16']);
        assert.equal(read.code, 0, read.stderr);
        assert.deepEqual(read.stdout, src);
        const write = await cli(['write-section', bdr(img), source, '--lba', '16', '--json']);
        assert.equal(write.code, 1, write.stderr);
        const result = jsonLines(write.stdout).pop();
        assert.equal(result?.code, 'E_ACCESSDENIED');
        assert.equal(result?.hresult, '0x80070005');
        assert.match(String(result?.message), /ro\.img .*permission denied/);
        assert.match(String(result?.hint), /writable for this user/);
        assert.deepEqual(await bytesOf(img, `${img}.json`), before);
        assert.deepEqual(await listing(dir), ['ro.img', 'ro.img.json']);
      } finally {
        await chmod(dir, 0o755);
      }
    });
  },
);
