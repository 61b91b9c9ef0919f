// The write engine's start-up pre-fill and multi-slot source reads (docs/decisions.md
// "Performance"), checked at the CDB level against the virtual drive on a virtual clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  WriteEngine,
  type BlockReader,
  type WriteEngineEventArgs,
} from '../../src/engine/index.js';
import { SlotQueue, AbortFlag } from '../../src/engine/pipeline.js';
import { HR } from '../../src/errors.js';
import type { VirtualClock } from '../../src/transport/clock.js';
import {
  cdbBlocks,
  cdbLba,
  pattern,
  rejectsWith,
  rig,
  writes,
  type Rig,
} from '../helpers/recorder.js';

const SECTOR = 2048;
/** DVD 1x in bytes per second (the virtual drive's pacing for DVD media). */
const DVD_1X = 1_385_000;

async function engineOn(
  address: string,
): Promise<Rig & { engine: WriteEngine; events: WriteEngineEventArgs[] }> {
  const r = await rig(address);
  const engine = new WriteEngine({ clock: r.clock });
  await engine.setRecorder(r.recorder);
  engine.bytesPerSector = SECTOR;
  const events: WriteEngineEventArgs[] = [];
  engine.on('update', (_sender, args) => events.push(args));
  return { ...r, engine, events };
}

/**
 * A source on the virtual clock delivering `bytesPerSecond`, with a stall of `stallMs` once
 * `firstStall` bytes have been delivered and again every `stallEvery` bytes; logs every read.
 */
function timedSource(
  clock: VirtualClock,
  data: Uint8Array,
  bytesPerSecond: number,
  stalls: { firstStall: number; stallEvery: number; stallMs: number } = {
    firstStall: Infinity,
    stallEvery: Infinity,
    stallMs: 0,
  },
): BlockReader & { reads: { at: number; bytes: number; done: number }[]; stalls: number } {
  const { stallEvery, stallMs } = stalls;
  let at = 0;
  let nextStall = stalls.firstStall;
  const src = {
    reads: [] as { at: number; bytes: number; done: number }[],
    stalls: 0,
    async readInto(dst: Uint8Array): Promise<number> {
      const n = Math.min(dst.length, data.length - at);
      const start = clock.now();
      let ms = (n / bytesPerSecond) * 1000;
      if (at + n >= nextStall) {
        nextStall += stallEvery;
        ms += stallMs;
        src.stalls++;
      }
      await clock.sleep(ms);
      dst.set(data.subarray(at, at + n));
      at += n;
      src.reads.push({ at: start, bytes: n, done: clock.now() });
      return n;
    },
  };
  return src;
}

describe('start-up pre-fill: the first WRITE waits for a full host buffer', () => {
  it('a paced 16x drive fed at twice the media rate with stalls records no underrun', async () => {
    const t = await engineOn('virtual:dvd+r?speed=16x');
    const blocks = 16 * 1024; // 32 MiB: about 1.5 s of recording at 16x
    const data = pattern(blocks * SECTOR);
    // 120 ms stalls after 1.5 MiB and then every 8 MiB (on average still faster than the
    // media): the first one comes long before the drive buffer (4 MiB at 22 MB/s) could have
    // grown past 120 ms of recording by the source's surplus alone.
    const source = timedSource(t.clock, data, 2 * 16 * DVD_1X, {
      firstStall: 1536 * 1024,
      stallEvery: 8 * 1024 * 1024,
      stallMs: 120,
    });
    await t.engine.writeSection(source, 0, blocks);
    assert.ok(source.stalls >= 4, `only ${source.stalls} stalls`);
    assert.equal(t.drive.control.media.underruns, 0);
    // Nothing was written before the pool (8 MiB = 128 slots of 64 KiB) had been read.
    const w = writes(t.log);
    const filledAt = source.reads.reduce(
      (acc, r) =>
        acc.bytes >= 8 * 1024 * 1024 ? acc : { bytes: acc.bytes + r.bytes, done: r.done },
      { bytes: 0, done: 0 },
    );
    assert.equal(filledAt.bytes, 8 * 1024 * 1024);
    assert.ok(
      w[0]!.start >= filledAt.done,
      `first WRITE at ${w[0]!.start}, pool full at ${filledAt.done}`,
    );
    assert.equal(t.drive.control.media.nwa, blocks);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, blocks), data);
    await t.recorder.close();
  });

  it('a section shorter than the pool starts as soon as the reader has read all of it', async () => {
    const t = await engineOn('virtual:dvd+r?speed=16x');
    const blocks = 10 * 32 + 5; // 11 chunks, far fewer than 128 slots
    const data = pattern(blocks * SECTOR);
    const source = timedSource(t.clock, data, 4 * DVD_1X);
    await t.engine.writeSection(source, 0, blocks);
    const w = writes(t.log);
    assert.equal(w.length, 11);
    const lastRead = source.reads.at(-1)!;
    assert.equal(
      source.reads.reduce((n, r) => n + r.bytes, 0),
      data.length,
    );
    assert.ok(lastRead.done > 0);
    assert.equal(w[0]!.start, lastRead.done, 'the first WRITE follows the last read at once');
    assert.deepEqual(await t.drive.control.media.readBlocks(0, blocks), data);
    await t.recorder.close();
  });

  it('cancel during the pre-fill: CANCELLED, no WRITE, update #1 and the final update', async () => {
    const t = await engineOn('virtual:dvd+r?speed=16x');
    const blocks = 64 * 1024;
    const source = timedSource(t.clock, pattern(blocks * SECTOR), DVD_1X);
    // A 2 MiB read takes about 1.5 s: the first completes, the second is abandoned pending.
    void t.clock.sleep(2000).then(() => t.engine.cancelWrite());
    const err = await rejectsWith(t.engine.writeSection(source, 0, blocks));
    assert.equal(err.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.equal(writes(t.log).length, 0);
    assert.ok(source.reads.length > 0);
    assert.equal(t.events[0]!.final, false);
    assert.equal(t.events.at(-1)!.final, true);
    assert.equal(t.events.at(-1)!.blocksWritten, 0);
    assert.ok(t.events.at(-1)!.blocksRead > 0);
    await t.recorder.close();
  });

  it('a source that ends early during the pre-fill: E_FAIL, nothing written', async () => {
    const t = await engineOn('virtual:dvd+r');
    const err = await rejectsWith(t.engine.writeSection(pattern(100 * SECTOR), 0, 200));
    assert.equal(err.hr, HR.E_FAIL);
    assert.equal(err.lba, 96);
    assert.equal(writes(t.log).length, 0);
    await t.recorder.close();
  });

  it('SlotQueue.waitForLength resolves from put() and ends false on abort', async () => {
    const abort = new AbortFlag();
    const q = new SlotQueue(abort, 8);
    let done: boolean | undefined;
    void q.waitForLength(2).then((v) => (done = v));
    q.put(0);
    await Promise.resolve();
    assert.equal(done, undefined);
    q.put(1);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, true);
    assert.equal(await q.waitForLength(1), true);
    let late: boolean | undefined;
    void q.waitForLength(5).then((v) => (late = v));
    abort.raise();
    await new Promise((r) => setImmediate(r));
    assert.equal(late, false);
    assert.equal(await q.waitForLength(0), false);
  });

  it('SlotQueue.tryTake hands out queued slots in order, nothing when empty or aborted', async () => {
    const abort = new AbortFlag();
    const q = new SlotQueue(abort, 8);
    assert.equal(q.tryTake(), undefined);
    q.put(3);
    q.put(4);
    assert.equal(q.tryTake(), 3);
    assert.equal(await q.take(), 4); // the waiting form sees the same queue
    assert.equal(q.tryTake(), undefined);
    q.put(5);
    abort.raise();
    assert.equal(q.tryTake(), undefined, 'an abort wins over a queued slot (spec §2.4.3)');
    assert.equal(q.length, 1);
  });
});

/** A BlockReader that records the size of every readInto. */
function countingReader(data: Uint8Array): BlockReader & { sizes: number[] } {
  let at = 0;
  const r = {
    sizes: [] as number[],
    readInto(dst: Uint8Array): Promise<number> {
      r.sizes.push(dst.length);
      const n = Math.min(dst.length, data.length - at);
      dst.set(data.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
  };
  return r;
}

/** The WRITEs the drive accepted (retries after 02/04/08 left out) cover the section in order. */
function assertChunkSequence(t: Rig, start: number, blocks: number): void {
  const w = writes(t.log).filter((e) => e.status === 0);
  let lba = start;
  for (const e of w) {
    assert.equal(cdbLba(e), lba);
    const n = cdbBlocks(e);
    assert.equal(n, Math.min(32, start + blocks - lba));
    lba += n;
  }
  assert.equal(lba, start + blocks);
}

describe('multi-slot source reads: one fill for up to 32 adjacent free slots', () => {
  it('reads 2 MiB at a time, never past the section, with an unchanged chunk sequence', async () => {
    const t = await engineOn('virtual:bd-r');
    const blocks = 3000; // 93 full chunks and one of 24 blocks
    const data = pattern(blocks * SECTOR);
    const reader = countingReader(data);
    await t.engine.writeSection(reader, 0, blocks);
    assert.ok(reader.sizes.every((n) => n <= 2 * 1024 * 1024 && n % SECTOR === 0));
    assert.equal(reader.sizes[0], 2 * 1024 * 1024);
    assert.equal(
      reader.sizes.reduce((a, b) => a + b, 0),
      data.length,
      'not a byte beyond',
    );
    assert.ok(reader.sizes.length < Math.ceil(blocks / 32), `${reader.sizes.length} reads`);
    assertChunkSequence(t, 0, blocks);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, blocks), data);
    await t.recorder.close();
  });

  it('a source faster than the drive is still read 2 MiB at a time once the pool is full', async () => {
    // The drive (16x, paced on the virtual clock) frees one slot per WRITE; the reader waits
    // for a whole batch to be free instead of reading 64 KiB per freed slot. The drive answers
    // 02/04/08 while its buffer is full, so the log must hold every retried WRITE.
    const t = await engineOn('virtual:dvd+r?speed=16x&log=100000');
    const blocks = 24 * 512; // 24 MiB: 8 MiB of pre-fill, then 16 MiB in steady state
    const data = pattern(blocks * SECTOR);
    const source = timedSource(t.clock, data, 8 * 16 * DVD_1X);
    await t.engine.writeSection(source, 0, blocks);
    const sizes = source.reads.map((r) => r.bytes);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      data.length,
    );
    assert.ok(
      sizes.every((n) => n === 2 * 1024 * 1024),
      `read sizes: ${[...new Set(sizes)].join(', ')}`,
    );
    assert.equal(t.drive.control.media.underruns, 0);
    assertChunkSequence(t, 0, blocks);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, blocks), data);
    await t.recorder.close();
  });

  it('a small pool reads at most a quarter of it at a time', async () => {
    const t = await engineOn('virtual:dvd+r?speed=16x&log=100000');
    t.engine.hostBufferSize = 8 * 65536; // 8 slots: batches of 2
    const blocks = 64 * 32;
    const data = pattern(blocks * SECTOR);
    const source = timedSource(t.clock, data, 8 * 16 * DVD_1X);
    await t.engine.writeSection(source, 0, blocks);
    assert.ok(source.reads.every((r) => r.bytes <= 2 * 65536));
    assert.equal(t.drive.control.media.underruns, 0);
    assertChunkSequence(t, 0, blocks);
    await t.recorder.close();
  });

  it('a Readable keeps its surplus (unshift) and stays right after the last block', async () => {
    const t = await engineOn('virtual:bd-r');
    const blocks = 700;
    const data = pattern((blocks + 10) * SECTOR + 100);
    const stream = Readable.from([data.subarray(0, 300_000), data.subarray(300_000)], {
      objectMode: false,
    });
    await t.engine.writeSection(stream, 0, blocks);
    const rest: Uint8Array[] = [];
    for await (const c of stream) rest.push(c as Uint8Array);
    assert.deepEqual(Buffer.concat(rest), Buffer.from(data.subarray(blocks * SECTOR)));
    assertChunkSequence(t, 0, blocks);
    assert.deepEqual(
      await t.drive.control.media.readBlocks(0, blocks),
      data.subarray(0, blocks * SECTOR),
    );
    await t.recorder.close();
  });

  it('a FileHandle ends positioned right after the last block', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-perf-'));
    try {
      const path = join(dir, 'src.bin');
      const data = pattern(5000 * SECTOR);
      await writeFile(path, data);
      const fh = await open(path, 'r');
      try {
        await fh.read(new Uint8Array(SECTOR), 0, SECTOR, null); // start one block in
        const t = await engineOn('virtual:bd-r');
        const blocks = 1234;
        await t.engine.writeSection(fh, 0, blocks);
        const next = new Uint8Array(SECTOR);
        await fh.read(next, 0, SECTOR, null);
        assert.deepEqual(next, data.subarray((blocks + 1) * SECTOR, (blocks + 2) * SECTOR));
        assertChunkSequence(t, 0, blocks);
        assert.deepEqual(
          await t.drive.control.media.readBlocks(0, blocks),
          data.subarray(SECTOR, (blocks + 1) * SECTOR),
        );
        await t.recorder.close();
      } finally {
        await fh.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a short source inside a multi-slot read: E_FAIL at the first incomplete chunk', async () => {
    const t = await engineOn('virtual:bd-r');
    const reader = countingReader(pattern(50 * SECTOR + 7));
    const err = await rejectsWith(t.engine.writeSection(reader, 100, 200));
    assert.equal(err.hr, HR.E_FAIL);
    assert.equal(err.lba, 132);
    assert.match(err.message, /after 102407 bytes/);
    assert.equal(t.events.at(-1)!.blocksRead, 32);
    await t.recorder.close();
  });

  it('slots that wrap around the end of the pool are read in separate fills', async () => {
    const t = await engineOn('virtual:bd-r');
    t.engine.hostBufferSize = 5 * 65536; // 5 slots: the free queue wraps often
    const blocks = 40 * 32 + 3;
    const data = pattern(blocks * SECTOR);
    const reader = countingReader(data);
    await t.engine.writeSection(reader, 0, blocks);
    assert.ok(reader.sizes.every((n) => n <= 5 * 65536));
    assert.equal(
      reader.sizes.reduce((a, b) => a + b, 0),
      data.length,
    );
    assertChunkSequence(t, 0, blocks);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, blocks), data);
    await t.recorder.close();
  });
});
