// Exclusive access from the command line: every command that writes holds the drive from before
// its first command to its end, a second burner on the same image-backed virtual disc is refused
// (exit 1, the holder named, nothing written), a holder that is gone or forced away is taken, and
// the lock is let go after success, an error and a first Ctrl-C.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  SECTOR,
  blocksOf,
  collectOpen,
  dvd,
  jsonLines,
  onJsonLines,
  run,
  runPacedWriteInterrupted,
  start,
  type Run,
} from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';

const { imagePath: image, filePath } = scratchImages('discwright-excl-');

async function source(name: string, data: Buffer): Promise<string> {
  const path = filePath(name);
  await writeFile(path, data);
  return path;
}

/** A write-section that holds `img` with its source stalled on standard input. */
interface Holder {
  readonly child: ChildProcess;
  /** Sends the rest of the data and waits for the end. */
  finish(): Promise<Run>;
  /** Ends the holder if it still runs (a failed test must not leave it waiting for data). */
  stop(): void;
}

/**
 * Starts writing `data` (from LBA 0) from standard input, sends the first `fed` blocks and waits
 * until the drive has accepted at least `written` of them; the source then stalls, and the writer
 * holds the drive until finish().
 */
async function holdStalled(
  img: string,
  data: Buffer,
  fed: number,
  written: number,
): Promise<Holder> {
  const blocks = data.length / SECTOR;
  // A small host buffer: the engine starts writing once it is full, not only at the end.
  const args = ['write-section', dvd(img), '-', '--lba', '0', '--blocks', `${blocks}`];
  const child = start([...args, '--buffer', '256k', '--json']);
  child.stdin?.write(data.subarray(0, fed * SECTOR));
  const ended = collectOpen(child);
  const accepted = new Promise<void>((resolve, reject) => {
    const stop = onJsonLines(child, (line) => {
      const u = line as { blocksWritten?: number };
      if ((u.blocksWritten ?? 0) >= written) {
        stop();
        resolve();
      }
    });
    ended.then((r) => reject(new Error(`the holder ended early: ${r.stderr}`)), reject);
  });
  try {
    await accepted;
  } catch (e) {
    child.kill();
    throw e;
  }
  return {
    child,
    finish() {
      child.stdin?.end(data.subarray(fed * SECTOR));
      return ended;
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/** The sidecar's identity: a rewrite replaces the file (a new inode) and its time. */
async function sidecarId(img: string): Promise<string> {
  const s = await stat(`${img}.json`);
  return `${s.ino}:${s.mtimeMs}`;
}

/**
 * The sidecar's identity once the holder has saved the layout of what it wrote: a drive saves it
 * about a second after its last WRITE (docs/virtual-drive.md, "Persistence"), so the sidecar is
 * taken once it describes every block in the image and has not changed for longer than that.
 */
async function settledSidecarId(img: string): Promise<string> {
  let id = '';
  let since = Date.now();
  // Bounded: a holder that never settles fails the comparison after it.
  for (let i = 0; i < 200; i++) {
    const text = await readFile(`${img}.json`, 'utf8');
    const nwa = (JSON.parse(text) as { disc: { tracks: { nwa: number }[] } }).disc.tracks[0]?.nwa;
    const blocks = Math.floor((await stat(img)).size / SECTOR);
    const now = await sidecarId(img);
    if (now !== id) {
      id = now;
      since = Date.now();
    } else if (nwa === blocks && Date.now() - since > 1500) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return id;
}

/** The PID of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.equal(r.status, 0);
  return r.pid;
}

const LOCKED = /E_IMAPI_RECORDER_LOCKED \(0xC0AA0210\)/;

describe('discwright write-section: exclusive access', () => {
  it('a second write-section on a held image is refused, names the holder and writes nothing', async () => {
    const img = image();
    const data = blocksOf(2048, 21);
    const other = await source('other.bin', blocksOf(64, 22));
    // 1100 blocks fed: more than the holder's host buffer, so at least 1024 reach the drive
    // before the source stalls with the image held.
    const holder = await holdStalled(img, data, 1100, 1024);
    try {
      const pid = holder.child.pid;
      assert.ok(pid !== undefined);
      const lock = JSON.parse(await readFile(`${img}.lock`, 'utf8')) as Record<string, unknown>;
      assert.equal(lock.client, 'discwright write-section');
      assert.equal(lock.pid, pid);
      const sidecar = await settledSidecarId(img);

      const text = await run(['write-section', dvd(img), other, '--lba', '0']);
      assert.equal(text.code, 1, text.stderr);
      assert.match(text.stderr, LOCKED);
      assert.ok(
        text.stderr.includes(`held by 'discwright write-section' (pid ${pid}, since `),
        text.stderr,
      );
      assert.match(text.stderr, /what to do: Wait for that process to finish/);

      const json = await run(['write-section', dvd(img), other, '--lba', '0', '--json']);
      assert.equal(json.code, 1);
      const result = jsonLines(json.stdout).at(-1);
      assert.equal(result?.result, 'error');
      assert.equal(result?.code, 'E_IMAPI_RECORDER_LOCKED');
      assert.equal(result?.hresult, '0xC0AA0210');
      assert.equal(result?.blocksWritten, 0);
      assert.equal(result?.lastWrittenLba, -1);
      assert.match(String(result?.message), new RegExp(`\\(pid ${pid}, `));

      // --force does not take the drive from a running holder.
      const forced = await run(['write-section', dvd(img), other, '--lba', '0', '--force']);
      assert.equal(forced.code, 1, forced.stderr);
      assert.match(forced.stderr, LOCKED);

      assert.equal(await sidecarId(img), sidecar, 'a refused process rewrote the sidecar');
      const done = await holder.finish();
      assert.equal(done.code, 0, done.stderr);
      assert.equal(existsSync(`${img}.lock`), false, 'the lock outlived its holder');
      const written = await readFile(img);
      assert.ok(
        written.subarray(0, data.length).equals(data),
        "the image is not the holder's data",
      );
    } finally {
      holder.stop();
    }
    // Released: the next section goes on at the next writable address.
    const next = await run(['write-section', dvd(img), other, '--lba', '2048']);
    assert.equal(next.code, 0, next.stderr);
  });

  it('a lock left by a process that is gone is taken without --force', async () => {
    const img = image();
    const first = await source('first.bin', blocksOf(32, 23));
    assert.equal((await run(['write-section', dvd(img), first, '--lba', '0'])).code, 0);
    const record = { client: 'old burner', pid: deadPid(), host: hostname(), since: 'earlier' };
    await writeFile(`${img}.lock`, JSON.stringify(record));
    const r = await run(['write-section', dvd(img), first, '--lba', '32']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(`${img}.lock`), false);
  });

  it('a leftover lock whose holder cannot be checked needs --force', async () => {
    const img = image();
    const first = await source('first-f.bin', blocksOf(32, 24));
    assert.equal((await run(['write-section', dvd(img), first, '--lba', '0'])).code, 0);
    const before = await readFile(img);
    const sidecar = await sidecarId(img);
    for (const leftover of ['', 'not a record', JSON.stringify({ client: 'x', pid: 1 })]) {
      await writeFile(`${img}.lock`, leftover);
      const refused = await run(['write-section', dvd(img), first, '--lba', '32']);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, LOCKED);
      assert.match(refused.stderr, /which cannot be checked/);
      assert.match(refused.stderr, /--force/);
    }
    assert.ok((await readFile(img)).equals(before), 'a refused process wrote to the image');
    assert.equal(await sidecarId(img), sidecar, 'a refused process rewrote the sidecar');

    const forced = await run(['write-section', dvd(img), first, '--lba', '32', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(existsSync(`${img}.lock`), false);
  });

  it('releases the drive after an error', async () => {
    const img = image();
    const src = await source('err.bin', blocksOf(40, 25));
    const failed = await run(['write-section', dvd(img), src, '--lba', '5']);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /INVALID ADDRESS FOR WRITE/);
    assert.equal(existsSync(`${img}.lock`), false);
    const next = await run(['write-section', dvd(img), src, '--lba', '0']);
    assert.equal(next.code, 0, next.stderr);
  });

  it('releases the drive after a first Ctrl-C', async () => {
    const img = image();
    const src = await source('paced.bin', blocksOf(2048, 26));
    const { run: r, interrupted } = await runPacedWriteInterrupted(img, src);
    assert.ok(interrupted, 'no progress before the end');
    assert.equal(r.code, 130, r.stderr);
    const last = jsonLines(r.stdout).at(-1);
    assert.equal(last?.code, 'E_IMAPI_REQUEST_CANCELLED');
    assert.equal(existsSync(`${img}.lock`), false, 'the lock outlived the cancelled write');
    const next = Number(last?.lastWrittenLba) + 1;
    const more = await source('more.bin', blocksOf(16, 27));
    const r2 = await run(['write-section', dvd(img), more, '--lba', `${next}`]);
    assert.equal(r2.code, 0, r2.stderr);
  });

  it('documents --force in its help', async () => {
    const r = await run(['write-section', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.toString(), /--force/);
  });
});

describe('discwright demo: exclusive access', () => {
  it('is refused while another process holds its image', async () => {
    const demoDir = filePath('demo-held');
    await mkdir(demoDir);
    const img = join(demoDir, 'disc.img');
    const data = blocksOf(1200, 28);
    const holder = await holdStalled(img, data, 1100, 1024);
    try {
      const r = await run(['demo', '--size', '1', '--speed', 'max', '--dir', demoDir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, LOCKED);
      assert.ok(r.stderr.includes(`'discwright write-section' (pid ${holder.child.pid}`));
      const done = await holder.finish();
      assert.equal(done.code, 0, done.stderr);
      assert.ok((await readFile(img)).subarray(0, data.length).equals(data));
    } finally {
      holder.stop();
    }
    const after = await run(['demo', '--size', '1', '--speed', 'max', '--dir', demoDir]);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(existsSync(`${img}.lock`), false);
  });
});
