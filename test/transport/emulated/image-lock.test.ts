// Exclusive access to an image-backed virtual disc (image/image-lock.ts, exclusive.ts): the lock
// file and its holder record, running / gone / unknown holders and force, release of only one's
// own lock, concurrent reclaimers, and what the drive does around the lock (reads the sidecar
// again once it holds it, writes its layout before letting go, writes nothing when refused).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { openVirtualDrive, VirtualClock } from '../../../src/testing/index.js';
import { HR } from '../../../src/errors.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import {
  ImageLock,
  holderState,
  parseLockHolder,
} from '../../../src/transport/emulated/image/image-lock.js';
import { rejectsWith } from '../../helpers/recorder.js';
import { scratchImages } from '../../helpers/images.js';

const { imagePath } = scratchImages('discwright-lock-');

function open(image: string) {
  return openVirtualDrive(`virtual:dvd+r?image=${image}`, { clock: new VirtualClock() });
}

function blocks(count: number, fill: number): Uint8Array {
  return new Uint8Array(count * 2048).fill(fill);
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.equal(r.status, 0);
  return r.pid;
}

async function record(image: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${image}.lock`, 'utf8')) as Record<string, unknown>;
}

async function fileId(path: string): Promise<string> {
  const s = await stat(path);
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
}

describe('ImageLock: the lock file', () => {
  it('records client, pid, host and time; a second holder is refused with the holder named', async () => {
    const image = imagePath();
    const a = await open(image);
    const b = await open(image);
    await a.exclusiveAccess.acquire(false, 'burner A');
    const r = await record(image);
    assert.equal(r.client, 'burner A');
    assert.equal(r.pid, process.pid);
    assert.equal(r.host, hostname());
    assert.ok(!Number.isNaN(Date.parse(String(r.since))));
    assert.equal(await a.exclusiveAccess.owner(), 'burner A');
    assert.equal(await b.exclusiveAccess.owner(), 'burner A');

    const e = await rejectsWith(b.exclusiveAccess.acquire(false, 'burner B'));
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_LOCKED);
    assert.ok(e.message.includes(`held by 'burner A' (pid ${process.pid}, since `), e.message);
    assert.ok(e.message.includes(`${image}.lock`));
    // Force does not take the lock from a running holder.
    const forced = await rejectsWith(b.exclusiveAccess.acquire(true, 'burner B'));
    assert.equal(forced.hr, HR.E_IMAPI_RECORDER_LOCKED);

    await a.exclusiveAccess.release();
    assert.equal(existsSync(`${image}.lock`), false);
    assert.equal(await b.exclusiveAccess.owner(), '');
    await b.exclusiveAccess.acquire(false, 'burner B');
    assert.equal((await record(image)).client, 'burner B');
    await a.close();
    await b.close();
    assert.equal(existsSync(`${image}.lock`), false, 'close() releases the lock');
  });

  it('a new client name for a held lock replaces the record', async () => {
    const image = imagePath();
    const a = await open(image);
    await a.exclusiveAccess.acquire(false, 'first');
    await a.exclusiveAccess.acquire(false, 'second');
    assert.equal((await record(image)).client, 'second');
    assert.equal(await a.exclusiveAccess.owner(), 'second');
    await a.close();
  });

  it('takes a lock whose process is gone, with or without force', async () => {
    for (const force of [false, true]) {
      const image = imagePath();
      const stale = { client: 'old', pid: deadPid(), host: hostname(), since: 'then' };
      await writeFile(`${image}.lock`, JSON.stringify(stale));
      const a = await open(image);
      assert.equal(await a.exclusiveAccess.owner(), '', 'a gone holder is no owner');
      await a.exclusiveAccess.acquire(force, 'new');
      assert.equal((await record(image)).pid, process.pid);
      await a.close();
    }
  });

  it('a holder that cannot be checked is taken only with force', async () => {
    const leftovers = [
      '',
      '{"client":',
      JSON.stringify({ client: 'far', pid: 4242, host: 'elsewhere.example' }),
      JSON.stringify({ client: 'no pid', host: hostname() }),
    ];
    for (const leftover of leftovers) {
      const image = imagePath();
      await writeFile(`${image}.lock`, leftover);
      const a = await open(image);
      const e = await rejectsWith(a.exclusiveAccess.acquire(false, 'new'));
      assert.equal(e.hr, HR.E_IMAPI_RECORDER_LOCKED, leftover);
      assert.match(e.message, /which cannot be checked/);
      assert.match(e.hint ?? '', /--force/);
      assert.equal(await readFile(`${image}.lock`, 'utf8'), leftover, 'left as it was');
      assert.notEqual(await a.exclusiveAccess.owner(), '');
      await a.exclusiveAccess.acquire(true, 'new');
      assert.equal((await record(image)).client, 'new');
      await a.close();
      assert.equal(existsSync(`${image}.lock`), false);
    }
  });

  it('release leaves a lock that is no longer its own', async () => {
    const image = imagePath();
    const lock = new ImageLock(image);
    await lock.acquire(false, 'mine');
    const theirs = JSON.stringify({ client: 'theirs', pid: 1, host: 'elsewhere.example' });
    await writeFile(`${image}.lock`, theirs);
    await lock.release();
    assert.equal(await readFile(`${image}.lock`, 'utf8'), theirs);
  });

  it('of several processes reclaiming one stale lock at once, exactly one gets it', async () => {
    const image = imagePath();
    const stale = { client: 'old', pid: deadPid(), host: hostname() };
    await writeFile(`${image}.lock`, JSON.stringify(stale));
    const locks = Array.from({ length: 8 }, () => new ImageLock(image));
    const results = await Promise.allSettled(locks.map((l, i) => l.acquire(false, `c${i}`)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const winner = locks.findIndex((l) => l.isHeld);
    assert.equal((await record(image)).client, `c${winner}`);
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.equal((r.reason as { hr?: number }).hr, HR.E_IMAPI_RECORDER_LOCKED);
      }
    }
    assert.equal(existsSync(`${image}.lock.reclaim`), false);
    await locks[winner]?.release();
  });

  it('judges holders: running, gone, unknown', () => {
    const here = hostname();
    assert.equal(holderState({ client: 'x', pid: process.pid, host: here }), 'running');
    assert.equal(
      holderState({ client: 'x', pid: 7, host: here }, () => false),
      'gone',
    );
    assert.equal(
      holderState({ client: 'x', pid: 7, host: here }, () => true),
      'running',
    );
    assert.equal(holderState({ client: 'x', pid: 7, host: 'elsewhere.example' }), 'unknown');
    assert.equal(holderState({ client: 'x', host: here }), 'unknown');
    assert.deepEqual(parseLockHolder('junk'), { client: '' });
    assert.deepEqual(parseLockHolder('{"client":"a","pid":-3}'), { client: 'a' });
  });
});

describe('the image-backed virtual drive around its lock', () => {
  it('a drive refused the lock writes nothing when it closes', async () => {
    const image = imagePath();
    const a = await open(image);
    await a.exclusiveAccess.acquire(false, 'holder');
    const b = await open(image); // opened while the holder has the image
    await a.execute(write10({ lba: 0, transferLength: 16, data: blocks(16, 0xa1) }));
    await a.execute(synchronizeCache10());
    const sidecar = await fileId(`${image}.json`);
    const data = await readFile(image);
    const refused = await rejectsWith(b.exclusiveAccess.acquire(false, 'second'));
    assert.equal(refused.hr, HR.E_IMAPI_RECORDER_LOCKED);
    await b.close();
    assert.equal(await fileId(`${image}.json`), sidecar, 'the refused drive rewrote the sidecar');
    assert.ok((await readFile(image)).equals(data));
    await a.close();
    const c = await open(image);
    assert.equal(c.control.media.nwa, 16, "the holder's layout stands");
    await c.close();
  });

  it('reads the sidecar again once it holds the lock', async () => {
    const image = imagePath();
    const late = await open(image); // opened before anything was recorded
    const a = await open(image);
    await a.exclusiveAccess.acquire(false, 'first');
    await a.execute(write10({ lba: 0, transferLength: 16, data: blocks(16, 0xb2) }));
    await a.close();
    assert.equal(late.control.media.nwa, 0, 'what it read when it opened');
    await late.exclusiveAccess.acquire(false, 'second');
    assert.equal(late.control.media.nwa, 16, 'what the first holder recorded');
    await late.execute(write10({ lba: 16, transferLength: 16, data: blocks(16, 0xb3) }));
    await late.close();
    const c = await open(image);
    assert.equal(c.control.media.nwa, 32);
    assert.deepEqual(await c.control.media.readBlocks(15, 1), blocks(1, 0xb2));
    assert.deepEqual(await c.control.media.readBlocks(16, 1), blocks(1, 0xb3));
    await c.close();
  });

  it('writes its layout to the image before letting go of the lock', async () => {
    const image = imagePath();
    const a = await open(image);
    await a.exclusiveAccess.acquire(false, 'holder');
    await a.execute(write10({ lba: 0, transferLength: 8, data: blocks(8, 0xc4) }));
    await a.exclusiveAccess.release(); // no SYNCHRONIZE CACHE, the drive stays open
    const b = await open(image);
    await b.exclusiveAccess.acquire(false, 'next');
    assert.equal(b.control.media.nwa, 8);
    assert.deepEqual(await b.control.media.readBlocks(0, 8), blocks(8, 0xc4));
    await b.close();
    await a.close();
  });

  it('an in-memory drive keeps its lock to itself', async () => {
    const d = await openVirtualDrive('virtual:dvd+r', { clock: new VirtualClock() });
    assert.equal(await d.exclusiveAccess.owner(), '');
    await d.exclusiveAccess.acquire(false, 'only');
    assert.equal(await d.exclusiveAccess.owner(), 'only');
    await d.exclusiveAccess.release();
    assert.equal(await d.exclusiveAccess.owner(), '');
    await d.close();
  });
});
