// WriteEngine (spec §2, §3) end to end: a real DiscRecorder over the virtual drive, checked at
// the CDB level through the drive's command log, on a virtual clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteEngine, toBlockReader, type WriteEngineEventArgs } from '../../src/engine/index.js';
import type { DiscRecorder } from '../../src/device/recorder.js';
import { DwError, HR } from '../../src/errors.js';
import { Sense } from '../../src/transport/emulated/index.js';
import { h } from '../helpers/bytes.js';
import {
  cdbBlocks,
  cdbLba,
  pattern,
  rejectsWith,
  rig,
  setCdWriteMode,
  throwsWith,
  writes,
  type Rig,
} from '../helpers/recorder.js';

async function engineOn(
  address = 'virtual:dvd+r',
  bytesPerSector = 2048,
): Promise<Rig & { engine: WriteEngine; events: WriteEngineEventArgs[] }> {
  const r = await rig(address);
  const engine = new WriteEngine({ clock: r.clock });
  await engine.setRecorder(r.recorder);
  engine.bytesPerSector = bytesPerSector;
  const events: WriteEngineEventArgs[] = [];
  engine.on('update', (_sender, args) => events.push(args));
  return { ...r, engine, events };
}

/** The GET CONFIGURATION commands of the log that ask for Real Time Streaming (RT = 10b). */
function streamingQueries(log: Rig['log']): Rig['log'] {
  return log.filter((e) => e.opcode === 0x46 && e.cdb[2] === 0x01 && e.cdb[3] === 0x07);
}

describe('WriteEngine properties (spec §2.2, §2.3)', () => {
  it('starts with the documented defaults', () => {
    const e = new WriteEngine();
    assert.equal(e.recorder, null);
    assert.equal(e.useStreamingWrite12, false);
    assert.equal(e.startingSectorsPerSecond, -1);
    assert.equal(e.endingSectorsPerSecond, -1);
    assert.equal(e.bytesPerSector, -1);
    assert.equal(e.hostBufferSize, 8388608);
    assert.equal(e.maxTransferSize, 65536);
    assert.equal(e.writeInProgress, false);
    assert.equal(e.canStreamWrite, false);
    assert.equal(e.cancelWrite(), HR.S_IMAPI_WRITE_NOT_IN_PROGRESS);
  });

  it('validates bytesPerSector: 1..65536, never back to -1', () => {
    const e = new WriteEngine();
    for (const bad of [0, -1, 65537, 1.5, NaN, '2048', null]) {
      assert.equal(throwsWith(() => (e.bytesPerSector = bad as number)).hr, HR.E_INVALIDARG);
    }
    e.bytesPerSector = 1;
    e.bytesPerSector = 65536;
    assert.equal(e.bytesPerSector, 65536);
  });

  it('validates the speed hints: -1 or 1..2^31-1', () => {
    const e = new WriteEngine();
    for (const bad of [0, -2, 1.5, NaN, 2 ** 31]) {
      assert.equal(throwsWith(() => (e.startingSectorsPerSecond = bad)).hr, HR.E_INVALIDARG);
      assert.equal(throwsWith(() => (e.endingSectorsPerSecond = bad)).hr, HR.E_INVALIDARG);
    }
    e.startingSectorsPerSecond = 2 ** 31 - 1;
    e.endingSectorsPerSecond = 75;
    e.startingSectorsPerSecond = -1;
    assert.equal(e.startingSectorsPerSecond, -1);
    assert.equal(e.endingSectorsPerSecond, 75);
  });

  it('validates hostBufferSize and maxTransferSize', () => {
    const e = new WriteEngine();
    for (const bad of [131072 - 4096, 131072 + 1, 2 ** 30 + 4096, 1.5]) {
      assert.equal(throwsWith(() => (e.hostBufferSize = bad)).hr, HR.E_INVALIDARG);
    }
    e.hostBufferSize = 524288;
    assert.equal(e.hostBufferSize, 524288);
    for (const bad of [511, 16777217, 1000.5]) {
      assert.equal(throwsWith(() => (e.maxTransferSize = bad)).hr, HR.E_INVALIDARG);
    }
    e.maxTransferSize = 512;
    assert.equal(e.maxTransferSize, 512);
  });

  it('validates queueDepth: 32 by default, an integer 1..256', () => {
    const e = new WriteEngine();
    assert.equal(e.queueDepth, 32);
    for (const bad of [0, 257, 2.5, -1]) {
      assert.equal(throwsWith(() => (e.queueDepth = bad)).hr, HR.E_INVALIDARG);
    }
    e.queueDepth = 1;
    assert.equal(e.queueDepth, 1);
  });

  it('validates useStreamingWrite12: boolean, recorder required, SW required', async () => {
    const e = new WriteEngine();
    assert.equal(
      throwsWith(() => (e.useStreamingWrite12 = 1 as unknown as boolean)).hr,
      HR.E_INVALIDARG,
    );
    assert.equal(throwsWith(() => (e.useStreamingWrite12 = true)).hr, HR.E_IMAPI_RECORDER_REQUIRED);
    e.useStreamingWrite12 = false;
    const r = await rig('virtual:bd-r');
    // A drive without the Real Time Streaming feature, and one that lists it without SW.
    for (const streaming of ['absent', 'off']) {
      const plain = await rig(`virtual:bd-r?streaming=${streaming}`);
      const opened = plain.log.length;
      await e.setRecorder(plain.recorder);
      assert.equal(e.canStreamWrite, false, streaming);
      const query = streamingQueries(plain.log.slice(opened));
      assert.ok(query.length > 0, 'setRecorder asked the drive for feature 0107h');
      for (const q of query) {
        assert.deepEqual(q.cdb.subarray(0, 4), h('46 02 01 07'));
        assert.equal(q.status, 0);
      }
      const before = plain.log.length;
      assert.equal(throwsWith(() => (e.useStreamingWrite12 = true)).hr, HR.E_NOTIMPL);
      assert.equal(e.useStreamingWrite12, false);
      assert.equal(plain.log.length, before, 'the refusal sends nothing');
      await plain.recorder.close();
    }
    await e.setRecorder(r.recorder);
    assert.equal(e.canStreamWrite, true);
    e.useStreamingWrite12 = true;
    assert.equal(e.useStreamingWrite12, true);
    await r.recorder.close();
  });

  it('setRecorder: null → E_POINTER, non-object → E_INVALIDARG, and queries the drive', async () => {
    const e = new WriteEngine();
    assert.equal(
      (await rejectsWith(e.setRecorder(null as unknown as DiscRecorder))).hr,
      HR.E_POINTER,
    );
    assert.equal(
      (await rejectsWith(e.setRecorder(undefined as unknown as DiscRecorder))).hr,
      HR.E_POINTER,
    );
    assert.equal(
      (await rejectsWith(e.setRecorder(42 as unknown as DiscRecorder))).hr,
      HR.E_INVALIDARG,
    );
    assert.equal((await rejectsWith(e.setRecorder({} as DiscRecorder))).hr, HR.E_INVALIDARG);
    const r = await rig();
    await e.setRecorder(r.recorder);
    assert.equal(e.recorder, r.recorder);
    // Step 5: GET CONFIGURATION for feature 0107h with RT = 10b.
    const gc = r.log.filter((x) => x.opcode === 0x46).at(-1)!;
    assert.equal(gc.cdb[1]! & 0x03, 0b10);
    assert.equal((gc.cdb[2]! << 8) | gc.cdb[3]!, 0x0107);
    await r.recorder.close();
  });

  it('keeps the previous recorder when a query fails', async () => {
    const e = new WriteEngine();
    const a = await rig();
    await e.setRecorder(a.recorder);
    const b = await rig();
    await b.recorder.close();
    assert.equal((await rejectsWith(e.setRecorder(b.recorder))).hr, HR.ERROR_INVALID_HANDLE);
    assert.equal(e.recorder, a.recorder);
    await a.recorder.close();
  });

  it('rejects every setter while busy with E_FAIL, after the value check', async () => {
    const t = await engineOn();
    const results: number[] = [];
    t.engine.on('update', (_s, args) => {
      if (args.final || results.length > 0) return;
      results.push(throwsWith(() => (t.engine.bytesPerSector = 2048)).hr);
      results.push(throwsWith(() => (t.engine.bytesPerSector = 0)).hr);
      results.push(throwsWith(() => (t.engine.startingSectorsPerSecond = 100)).hr);
      results.push(throwsWith(() => (t.engine.endingSectorsPerSecond = 100)).hr);
      results.push(throwsWith(() => (t.engine.hostBufferSize = 524288)).hr);
      results.push(throwsWith(() => (t.engine.maxTransferSize = 4096)).hr);
      results.push(throwsWith(() => (t.engine.useStreamingWrite12 = false)).hr);
      results.push(throwsWith(() => (t.engine.useStreamingWrite12 = 'x' as unknown as boolean)).hr);
    });
    let setRecorderHr = 0;
    t.engine.on('update', (_s, args) => {
      if (args.final || setRecorderHr !== 0) return;
      void rejectsWith(t.engine.setRecorder(t.recorder)).then((e) => (setRecorderHr = e.hr));
    });
    await t.engine.writeSection(new Uint8Array(2048 * 64), 0, 64);
    assert.deepEqual(results, [
      HR.E_FAIL,
      HR.E_INVALIDARG,
      HR.E_FAIL,
      HR.E_FAIL,
      HR.E_FAIL,
      HR.E_FAIL,
      HR.E_FAIL,
      HR.E_INVALIDARG,
    ]);
    assert.equal(setRecorderHr, HR.E_FAIL);
    await t.recorder.close();
  });
});

describe('writeSection validation (spec §2.4.1) — no events', () => {
  it('checks in the documented order', async () => {
    const e = new WriteEngine();
    let events = 0;
    e.on('update', () => events++);
    const src = new Uint8Array(2048);
    // b before c: no recorder wins over a null source.
    assert.equal(
      (await rejectsWith(e.writeSection(null as unknown as Uint8Array, 0, 1))).hr,
      HR.E_IMAPI_RECORDER_REQUIRED,
    );
    assert.equal((await rejectsWith(e.writeSection(src, 0, 1))).hr, HR.E_IMAPI_RECORDER_REQUIRED);
    const r = await rig();
    await e.setRecorder(r.recorder);
    const before = r.log.length;
    assert.equal(
      (await rejectsWith(e.writeSection(null as unknown as Uint8Array, 0, 0))).hr,
      HR.E_POINTER,
    );
    assert.equal(
      (await rejectsWith(e.writeSection(42 as unknown as Uint8Array, 0, 0))).hr,
      HR.E_INVALIDARG,
    );
    const notASignal = { signal: {} as AbortSignal };
    assert.equal((await rejectsWith(e.writeSection(src, 0, 1, notASignal))).hr, HR.E_INVALIDARG);
    // e: bytesPerSector unset (even with an invalid block count).
    const unset = await rejectsWith(e.writeSection(src, 0, 0));
    assert.equal(unset.hr, HR.E_INVALIDARG);
    assert.match(unset.message, /bytesPerSector/);
    e.bytesPerSector = 2048;
    for (const blocks of [0, -1, 1.5, 2 ** 31]) {
      const err = await rejectsWith(e.writeSection(src, 0, blocks));
      assert.equal(err.hr, HR.E_INVALIDARG);
      assert.match(err.message, /numberOfBlocks/);
    }
    for (const lba of [0.5, 2 ** 31, -(2 ** 31) - 1, NaN]) {
      const err = await rejectsWith(e.writeSection(src, lba, 1));
      assert.match(err.message, /startingBlockAddress/);
    }
    const overflow = await rejectsWith(e.writeSection(src, 2 ** 31 - 1, 2));
    assert.equal(overflow.hr, HR.E_INVALIDARG);
    assert.match(overflow.message, /2147483647/);
    // j: one sector larger than the transfer cap.
    e.bytesPerSector = 65536;
    e.maxTransferSize = 32768;
    assert.equal((await rejectsWith(e.writeSection(src, 0, 1))).hr, HR.E_INVALIDARG);
    e.maxTransferSize = 65536;
    e.bytesPerSector = 2048;
    // l: a path that cannot be opened.
    const missing = await rejectsWith(e.writeSection('/nonexistent/discwright/image.iso', 0, 1));
    assert.equal(missing.hr, HR.STG_E_FILENOTFOUND);
    assert.equal(events, 0, 'no event fires when validation fails');
    assert.equal(r.log.length, before, 'nothing was sent to the drive');
    assert.equal(e.writeInProgress, false);
    await r.recorder.close();
  });

  it('rejects with E_NOTIMPL when the recorder changed after useStreamingWrite12 was set', async () => {
    const t = await engineOn('virtual:bd-r');
    t.engine.useStreamingWrite12 = true;
    const plain = await rig('virtual:bd-r?streaming=absent');
    await t.engine.setRecorder(plain.recorder);
    assert.equal(t.engine.useStreamingWrite12, true, 'setRecorder leaves the flag alone');
    const before = plain.log.length;
    assert.equal(
      (await rejectsWith(t.engine.writeSection(new Uint8Array(2048), 0, 1))).hr,
      HR.E_NOTIMPL,
    );
    assert.equal(t.events.length, 0);
    assert.equal(plain.log.length, before, 'nothing was sent to the drive');
    assert.deepEqual(writes(plain.log), []);
    assert.deepEqual(writes(t.log), []);
    await plain.recorder.close();
    await t.recorder.close();
  });

  it('E_FAIL for writeSection while busy, also from a listener; the running section is unaffected', async () => {
    const t = await engineOn();
    const data = pattern(2048 * 100);
    let inner: Promise<DwError> | undefined;
    t.engine.on('update', () => {
      inner ??= rejectsWith(t.engine.writeSection(data, 0, 1));
    });
    const outer = t.engine.writeSection(data, 0, 100);
    const concurrent = await rejectsWith(t.engine.writeSection(data, 0, 1));
    assert.equal(concurrent.hr, HR.E_FAIL);
    await outer;
    assert.equal((await inner!).hr, HR.E_FAIL);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, 100), data);
    await t.recorder.close();
  });
});

describe('chunking and CDBs (spec §2.4.2, §2.6)', () => {
  it('2048-byte sectors: 32-block WRITE(10)s, a short last chunk, bytes = blocks × 2048', async () => {
    const t = await engineOn('virtual:dvd+r');
    const data = pattern(2048 * 100);
    await t.engine.writeSection(data, 0, 100);
    const w = writes(t.log);
    assert.deepEqual(w.map(cdbBlocks), [32, 32, 32, 4]);
    assert.deepEqual(w.map(cdbLba), [0, 32, 64, 96]);
    for (const e of w) assert.equal(e.dataOutBytes, cdbBlocks(e) * 2048);
    assert.deepEqual(w[0]!.cdb, h('2A 00 00000000 00 0020 00'));
    assert.deepEqual(w[3]!.cdb, h('2A 00 00000060 00 0004 00'));
    assert.deepEqual(await t.drive.control.media.readBlocks(0, 100), data);
    await t.recorder.close();
  });

  it('2352-byte sectors from LBA -150 (SAO pre-gap on a CD-R): 27-block chunks', async () => {
    const t = await engineOn('virtual:cd-r', 2352);
    await setCdWriteMode(t.recorder, 2, 0); // SAO, raw 2352
    await t.engine.writeSection(pattern(2352 * 200), -150, 200);
    const w = writes(t.log);
    assert.deepEqual(w[0]!.cdb, h('2A 00 FFFFFF6A 00 001B 00'));
    assert.equal(w[0]!.dataOutBytes, 63504);
    assert.deepEqual(w.map(cdbBlocks), [27, 27, 27, 27, 27, 27, 27, 11]);
    for (const e of w) assert.equal(e.dataOutBytes, cdbBlocks(e) * 2352);
    assert.equal(w.at(-1)!.status, 0);
    await t.recorder.close();
  });

  it('2448-byte sectors from the lead-in of a blank CD-R (LBA -11634, raw DAO): 26-block chunks', async () => {
    const t = await engineOn('virtual:cd-r', 2448);
    await setCdWriteMode(t.recorder, 3, 3); // raw, 2448 with raw P-W
    await t.engine.writeSection(pattern(2448 * 60), -11634, 60);
    const w = writes(t.log);
    assert.deepEqual(w[0]!.cdb, h('2A 00 FFFFD28E 00 001A 00'));
    assert.deepEqual(w.map(cdbBlocks), [26, 26, 8]);
    assert.deepEqual(w.map(cdbLba), [-11634, -11608, -11582]);
    for (const e of w) assert.equal(e.dataOutBytes, cdbBlocks(e) * 2448);
    await t.recorder.close();
  });

  it('a negative LBA the drive refuses becomes the invalid-address error', async () => {
    const t = await engineOn('virtual:cd-r', 2048);
    await setCdWriteMode(t.recorder, 1, 8); // TAO, Mode 1
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 4), -150, 4));
    assert.equal(err.hr, HR.ERROR_INVALID_ADDRESS);
    assert.equal(err.lba, -150);
    assert.deepEqual(writes(t.log)[0]!.cdb, h('2A 00 FFFFFF6A 00 0004 00'));
    await t.recorder.close();
  });

  it('useStreamingWrite12 sends WRITE(12) with the Streaming bit', async () => {
    const t = await engineOn('virtual:bd-r');
    t.engine.useStreamingWrite12 = true;
    await t.engine.writeSection(pattern(2048 * 40), 0, 40);
    const w = writes(t.log);
    assert.deepEqual(w[0]!.cdb, h('AA 00 00000000 00000020 80 00'));
    assert.deepEqual(w[1]!.cdb, h('AA 00 00000020 00000008 80 00'));
    assert.equal(w[1]!.dataOutBytes, 8 * 2048);
    await t.recorder.close();
  });

  it('maxTransferSize and the drive limit bound the chunk', async () => {
    const t = await engineOn('virtual:dvd+r?maxTransfer=32k');
    await t.engine.writeSection(pattern(2048 * 40), 0, 40);
    assert.deepEqual(writes(t.log).map(cdbBlocks), [16, 16, 8]);
    t.engine.maxTransferSize = 8192;
    t.log.length = 0;
    await t.engine.writeSection(pattern(2048 * 8), 40, 8);
    assert.deepEqual(writes(t.log).map(cdbBlocks), [4, 4]);
    await t.recorder.close();
  });

  it('several sections one after another on one engine', async () => {
    const t = await engineOn();
    const a = pattern(2048 * 50);
    const b = pattern(2048 * 70).map((x) => x ^ 0x5a);
    await t.engine.writeSection(a, 0, 50);
    await t.engine.writeSection(b, 50, 70);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, 50), a);
    assert.deepEqual(await t.drive.control.media.readBlocks(50, 70), b);
    assert.equal(t.events.filter((e) => e.final).length, 2);
    await t.recorder.close();
  });
});

describe('sources (spec §2.4.4)', () => {
  it('a Readable in paused mode: surplus unshifted, the stream not ended or destroyed', async () => {
    const t = await engineOn();
    const data = pattern(2048 * 12);
    const stream = Readable.from([data.subarray(0, 5000), data.subarray(5000)], {
      objectMode: false,
    });
    await t.engine.writeSection(stream, 0, 10);
    assert.equal(stream.destroyed, false);
    const rest: Buffer[] = [];
    for await (const c of stream) rest.push(c as Buffer);
    assert.deepEqual(new Uint8Array(Buffer.concat(rest)), data.subarray(2048 * 10));
    assert.deepEqual(await t.drive.control.media.readBlocks(0, 10), data.subarray(0, 2048 * 10));
    await t.recorder.close();
  });

  it('a FileHandle from its current position, left right after the last block', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-engine-'));
    try {
      const file = join(dir, 'src.bin');
      const data = pattern(2048 * 20);
      await writeFile(file, data);
      const fh = await open(file, 'r');
      await fh.read(new Uint8Array(2048), 0, 2048, null); // skip one block
      const t = await engineOn();
      await t.engine.writeSection(fh, 0, 8);
      const next = new Uint8Array(2048);
      await fh.read(next, 0, 2048, null);
      assert.deepEqual(next, data.subarray(2048 * 9, 2048 * 10));
      await fh.close();
      assert.deepEqual(await t.drive.control.media.readBlocks(0, 8), data.subarray(2048, 2048 * 9));
      // A path is opened and closed by the engine.
      await t.engine.writeSection(file, 8, 20);
      assert.deepEqual(await t.drive.control.media.readBlocks(8, 20), data);
      await t.recorder.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an AsyncIterable (surplus dropped) and toBlockReader (surplus kept across sections)', async () => {
    const t = await engineOn();
    const data = pattern(2048 * 6);
    async function* gen() {
      yield data.subarray(0, 3000);
      yield data.subarray(3000, 7000);
      yield data.subarray(7000);
    }
    await t.engine.writeSection(gen(), 0, 2);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, 2), data.subarray(0, 4096));
    const reader = toBlockReader(gen());
    await t.engine.writeSection(reader, 2, 1);
    await t.engine.writeSection(reader, 3, 5);
    assert.deepEqual(await t.drive.control.media.readBlocks(2, 6), data);
    await t.recorder.close();
  });

  it('a short source → E_FAIL; the chunks before it stay written', async () => {
    const t = await engineOn();
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 70), 0, 100));
    assert.equal(err.hr, HR.E_FAIL);
    assert.match(err.message, /ended after 143360 bytes/);
    const good = writes(t.log).filter((e) => e.status === 0);
    // The partial third chunk is never written; read chunks not yet sent are dropped.
    assert.ok(good.every((e) => cdbBlocks(e) === 32 && cdbLba(e) < 64));
    const final = t.events.at(-1)!;
    assert.equal(final.final, true);
    assert.equal(final.blocksWritten, good.length * 32);
    assert.equal(final.lastWrittenLba, final.blocksWritten === 0 ? 0 : final.blocksWritten - 1);
    assert.equal(t.drive.control.media.nwa, final.blocksWritten);
    await t.recorder.close();
  });

  it('source errors map to the storage HRESULTs', async () => {
    const t = await engineOn();
    const failing = new Readable({
      read() {
        this.destroy(Object.assign(new Error('disk on fire'), { code: 'EIO' }));
      },
    });
    const e1 = await rejectsWith(t.engine.writeSection(failing, 0, 4));
    assert.equal(e1.hr, HR.STG_E_READFAULT);
    assert.ok(e1.cause instanceof Error);
    const denied = {
      readInto: () => Promise.reject(Object.assign(new Error('no'), { code: 'EACCES' })),
    };
    assert.equal(
      (await rejectsWith(t.engine.writeSection(denied, 0, 4))).hr,
      HR.STG_E_ACCESSDENIED,
    );
    const own = { readInto: () => Promise.reject(new DwError(HR.E_IMAPI_LOSS_OF_STREAMING)) };
    assert.equal(
      (await rejectsWith(t.engine.writeSection(own, 0, 4))).hr,
      HR.E_IMAPI_LOSS_OF_STREAMING,
    );
    assert.equal(writes(t.log).length, 0);
    await t.recorder.close();
  });
});

describe('WRITE failures and retries (spec §2.4.5, §7)', () => {
  it('a medium error on an LBA fails the section with the sense, the LBA and the CDB', async () => {
    const t = await engineOn();
    t.drive.control.faults.failAt(70, { senseKey: 3, asc: 0x0c, ascq: 0x00 });
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 200), 0, 200));
    assert.equal(err.hr, HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
    assert.equal(err.lba, 64);
    assert.equal(err.blocks, 32);
    assert.equal(err.attempts, 1);
    assert.equal(err.command, 'WRITE(10)');
    assert.deepEqual(err.cdb, h('2A 00 00000040 00 0020 00'));
    assert.equal(err.sense!.length, 18);
    assert.equal(err.sense![2]! & 0x0f, 3);
    assert.equal(err.sense![12], 0x0c);
    assert.equal(err.senseInfo?.key, 3);
    assert.equal(writes(t.log).length, 3, 'no retry after a medium error');
    const final = t.events.at(-1)!;
    assert.equal(final.blocksWritten, 64);
    await t.recorder.close();
  });

  it('loss of streaming maps to E_IMAPI_LOSS_OF_STREAMING', async () => {
    const t = await engineOn();
    t.drive.control.faults.failAt(40, Sense.LOSS_OF_STREAMING);
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 64), 0, 64));
    assert.equal(err.hr, HR.E_IMAPI_LOSS_OF_STREAMING);
    assert.equal(err.lba, 32);
    await t.recorder.close();
  });

  it('a RECOVERED ERROR (sense key 1) counts as written: no retry, the section resolves', async () => {
    const t = await engineOn();
    t.drive.control.faults.failAt(40, { senseKey: 1, asc: 0x17, ascq: 0x01 }, { times: 1 });
    await t.engine.writeSection(pattern(2048 * 64), 0, 64);
    const w = writes(t.log);
    assert.equal(w.length, 2);
    assert.equal(w[1]!.senseCode?.senseKey, 1);
    assert.equal(t.events.at(-1)!.blocksWritten, 64);
    await t.recorder.close();
  });

  it('retries 02/04/08 and 02/04/07 with 10, 20, 40 ms back-off, then succeeds', async () => {
    const t = await engineOn();
    t.drive.control.faults.busy(3, 8);
    const start = t.clock.now();
    await t.engine.writeSection(pattern(2048 * 32), 0, 32);
    const w = writes(t.log);
    assert.equal(w.length, 4);
    assert.deepEqual(
      w.map((e) => e.senseCode?.ascq),
      [8, 8, 8, undefined],
    );
    const gaps = w.slice(1).map((e, i) => e.start - w[i]!.end);
    assert.deepEqual(gaps, [10, 20, 40]);
    assert.ok(t.clock.now() - start >= 70);
    t.drive.control.faults.busy(2, 7);
    await t.engine.writeSection(pattern(2048 * 32), 32, 32);
    assert.equal(writes(t.log).length, 7);
    await t.recorder.close();
  });

  it('gives up after the 180 s budget and reports the first failure', async () => {
    const t = await engineOn();
    t.drive.control.faults.busy(1_000_000, 8);
    const start = t.clock.now();
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 32), 0, 32));
    const elapsed = t.clock.now() - start;
    assert.equal(err.hr, HR.E_IMAPI_RECORDER_MEDIA_BUSY);
    assert.ok(elapsed >= 180_000 && elapsed < 180_000 + 300, String(elapsed));
    // Back-off sums 10+20+40+80+160 = 310 ms, then 250 ms each; no attempt once 180 s passed.
    assert.equal(err.attempts, 5 + Math.ceil((180_000 - 310) / 250));
    assert.equal(err.lastHr, HR.E_IMAPI_RECORDER_MEDIA_BUSY);
    assert.equal(err.lba, 0);
    await t.recorder.close();
  });

  it('first error wins: busy, then a hard error → reports busy with the hard error as last', async () => {
    const t = await engineOn();
    t.drive.control.faults.busy(1, 8).failAt(5, { senseKey: 4, asc: 0x44, ascq: 0 });
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 32), 0, 32));
    assert.equal(err.hr, HR.E_IMAPI_RECORDER_MEDIA_BUSY);
    assert.equal(err.attempts, 2);
    assert.equal(err.lastHr, HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
    assert.equal(err.lastSense![2]! & 0x0f, 4);
    await t.recorder.close();
  });

  it('a vanished device is never retried', async () => {
    const t = await engineOn();
    t.drive.control.faults.vanishAfter(2);
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 200), 0, 200));
    assert.equal(err.hr, HR.ERROR_DEV_NOT_EXIST);
    assert.equal(err.attempts, 1);
    assert.ok(t.events.at(-1)!.final);
    await t.recorder.close();
  });

  it('a command timeout is retried with back-off', async () => {
    const t = await engineOn();
    t.drive.control.faults.latency(61_000);
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 32), 0, 32));
    assert.equal(err.hr, HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT);
    assert.equal(err.attempts, 3, '60 s + 10 ms + 60 s + 20 ms + 60 s passes 180 s');
    await t.recorder.close();
  });
});

describe('cancellation (spec §2.5)', () => {
  it('before: S_IMAPI_WRITE_NOT_IN_PROGRESS and no effect on the next section', async () => {
    const t = await engineOn();
    assert.equal(t.engine.cancelWrite(), HR.S_IMAPI_WRITE_NOT_IN_PROGRESS);
    await t.engine.writeSection(pattern(2048 * 64), 0, 64);
    assert.equal(t.events.at(-1)!.blocksWritten, 64);
    await t.recorder.close();
  });

  it('during: from the first update → CANCELLED, nothing written, two events', async () => {
    const t = await engineOn();
    const codes: number[] = [];
    t.engine.on('update', (sender) => {
      codes.push(sender.cancelWrite());
      codes.push(sender.cancelWrite());
    });
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 64), 0, 64));
    assert.equal(err.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.equal(t.events.length, 2);
    assert.deepEqual(
      codes,
      [HR.S_OK, HR.S_OK, HR.S_OK, HR.S_OK],
      'also S_OK during the final update',
    );
    assert.equal(writes(t.log).length, 0);
    await t.recorder.close();
  });

  it('during: mid-section at the next command boundary; written blocks stay', async () => {
    const t = await engineOn('virtual:dvd+r?speed=1x&buffer=64k');
    let cancelled = false;
    t.engine.on('update', (sender, args) => {
      if (!cancelled && args.blocksWritten > 0) {
        cancelled = true;
        sender.cancelWrite();
      }
    });
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 2000), 0, 2000));
    assert.equal(err.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    const final = t.events.at(-1)!;
    assert.ok(final.blocksWritten > 0 && final.blocksWritten < 2000);
    assert.equal(
      final.blocksWritten,
      writes(t.log)
        .filter((e) => e.status === 0)
        .reduce((n, e) => n + cdbBlocks(e), 0),
    );
    assert.equal(t.drive.control.media.nwa, final.blocksWritten);
    await t.recorder.close();
  });

  it('inside a retry back-off wait: ends the wait at once', async () => {
    const t = await engineOn();
    t.drive.control.faults.busy(1_000_000, 8);
    const start = t.clock.now();
    void t.clock.sleep(1000).then(() => t.engine.cancelWrite());
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 32), 0, 32));
    assert.equal(err.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.ok(t.clock.now() - start < 1000 + 250);
    await t.recorder.close();
  });

  it('after the last chunk: no effect, the call resolves', async () => {
    const t = await engineOn();
    t.engine.on('update', (sender, args) => {
      if (args.final) assert.equal(sender.cancelWrite(), HR.S_OK);
    });
    await t.engine.writeSection(pattern(2048 * 40), 0, 40);
    assert.equal(t.engine.cancelWrite(), HR.S_IMAPI_WRITE_NOT_IN_PROGRESS);
    await t.recorder.close();
  });

  it('an AbortSignal: already aborted → cancelled right after update #1; listener removed', async () => {
    const t = await engineOn();
    const ac = new AbortController();
    ac.abort();
    const err = await rejectsWith(
      t.engine.writeSection(pattern(2048 * 64), 0, 64, { signal: ac.signal }),
    );
    assert.equal(err.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.equal(t.events.length, 2);
    assert.equal(t.events[1]!.final, true);
    const slow = await engineOn('virtual:dvd+r?speed=4x&buffer=256k');
    const live = new AbortController();
    slow.engine.on('update', (_s, args) => {
      if (args.blocksWritten >= 64 && !live.signal.aborted) live.abort();
    });
    const err2 = await rejectsWith(
      slow.engine.writeSection(pattern(2048 * 3000), 0, 3000, { signal: live.signal }),
    );
    assert.ok(slow.events.at(-1)!.blocksWritten < 3000);
    await slow.recorder.close();
    assert.equal(err2.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    await t.recorder.close();
  });
});

describe('events (spec §3)', () => {
  it('update #1, a tick every 500 ms, a final update; frozen snapshots with every field', async () => {
    const t = await engineOn('virtual:dvd+r?speed=1x&buffer=256k');
    t.engine.startingSectorsPerSecond = 676;
    t.engine.endingSectorsPerSecond = 676;
    const inProgress: boolean[] = [];
    t.engine.on('update', (sender) => inProgress.push(sender.writeInProgress));
    const blocks = 3000;
    await t.engine.writeSection(pattern(2048 * blocks), 0, blocks);
    const ev = t.events;
    assert.ok(ev.length >= 6, `got ${ev.length} events`);
    assert.ok(inProgress.every((x) => x));
    assert.equal(t.engine.writeInProgress, false);
    const first = ev[0]!;
    assert.equal(first.elapsedMs, 0);
    assert.equal(first.lastReadLba, 0);
    assert.equal(first.lastWrittenLba, 0);
    assert.equal(first.usedSystemBuffer, 0);
    assert.equal(first.freeSystemBuffer, 8388608);
    assert.equal(first.totalDeviceBuffer, null);
    assert.ok(
      first.etaMs !== null && Math.abs(first.etaMs - (blocks / 676) * 1000) < 1,
      'ETA from the hints',
    );
    const ticks = ev.slice(1, -1);
    ticks.forEach((e, i) => assert.equal(e.elapsedMs, 500 * (i + 1)));
    assert.ok(ev.slice(0, -1).every((e) => !e.final));
    const last = ev.at(-1)!;
    assert.equal(last.final, true);
    assert.equal(last.blocksWritten, blocks);
    assert.equal(last.lastWrittenLba, blocks - 1);
    assert.equal(last.etaMs, 0);
    assert.equal(last.usedSystemBuffer, 0);
    for (const e of ev) {
      assert.ok(Object.isFrozen(e));
      assert.equal(e.startLba, 0);
      assert.equal(e.sectorCount, blocks);
      assert.equal(e.totalSystemBuffer, 8388608);
      assert.equal(e.usedSystemBuffer + e.freeSystemBuffer, e.totalSystemBuffer);
    }
    const mid = ticks.at(-1)!;
    assert.equal(mid.totalDeviceBuffer, 256 * 1024, 'READ BUFFER CAPACITY polled');
    assert.ok(mid.usedDeviceBuffer! >= 0 && mid.usedDeviceBuffer! <= 256 * 1024);
    // 1x DVD ≈ 1,385,000 B/s.
    assert.ok(
      mid.bytesPerSecond > 1_200_000 && mid.bytesPerSecond < 1_500_000,
      String(mid.bytesPerSecond),
    );
    assert.ok(mid.averageBytesPerSecond > 0);
    assert.ok(mid.etaMs! > 0);
    assert.ok(mid.lastReadLba >= mid.lastWrittenLba);
    // RBC: between WRITEs, at most every 500 ms.
    const polls = t.log.filter((e) => e.opcode === 0x5c);
    assert.ok(polls.length >= 2);
    polls.slice(1).forEach((p, i) => assert.ok(p.start - polls[i]!.start >= 500));
    assert.deepEqual(polls[0]!.cdb, h('5C 00 00 00 00 00 00 00 0C 00'));
    await t.recorder.close();
  });

  it('a section that ends within 500 ms produces exactly two events', async () => {
    const t = await engineOn();
    await t.engine.writeSection(pattern(2048 * 10), 0, 10);
    assert.equal(t.events.length, 2);
    assert.deepEqual(
      t.events.map((e) => e.final),
      [false, true],
    );
    await t.recorder.close();
  });

  it('a throwing listener is reported as a DW_LISTENER_ERROR warning; the write goes on', async () => {
    const t = await engineOn();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      t.engine.on('update', () => {
        throw new Error('listener bug');
      });
      await t.engine.writeSection(pattern(2048 * 64), 0, 64);
      await new Promise((r) => setImmediate(r));
      assert.equal(t.events.length, 2, 'the other listener still ran');
      assert.ok(
        warnings.some((w) => (w as Error & { code?: string }).code === 'DW_LISTENER_ERROR'),
      );
      assert.equal(t.drive.control.media.nwa, 64);
    } finally {
      process.off('warning', onWarning);
    }
    await t.recorder.close();
  });

  it('RBC unsupported (5/20/00 on the first poll) stops polling until the next setRecorder', async () => {
    // A drive that answers READ BUFFER CAPACITY with 5/20/00 INVALID COMMAND OPERATION CODE.
    // full=busy: the write engine's back-off on 02/04/08 spreads the section over several ticks.
    const {
      clock,
      recorder: noRbc,
      log,
    } = await rig('virtual:dvd+r?speed=1x&buffer=64k&rbc=0&full=busy');
    const rbcCommands = () => log.filter((x) => x.opcode === 0x5c);
    const e = new WriteEngine({ clock });
    await e.setRecorder(noRbc);
    const before = rbcCommands().length;
    const polls = () => rbcCommands().length - before;
    e.bytesPerSector = 2048;
    const seen: WriteEngineEventArgs[] = [];
    e.on('update', (_s, a) => seen.push(a));
    await e.writeSection(pattern(2048 * 600), 0, 600);
    assert.ok(seen.length > 3);
    assert.equal(polls(), 1);
    const poll = rbcCommands().at(-1)!;
    assert.deepEqual(poll.cdb, h('5C 00 00 00 00 00 00 00 0C 00'));
    assert.equal(poll.status, 2);
    assert.deepEqual({ ...poll.senseCode }, { senseKey: 5, asc: 0x20, ascq: 0 });
    assert.ok(seen.every((a) => a.totalDeviceBuffer === null));
    await e.writeSection(pattern(2048 * 600), 600, 600);
    assert.equal(polls(), 1, 'still off for the next section');
    await e.setRecorder(noRbc);
    await e.writeSection(pattern(2048 * 600), 1200, 600);
    assert.equal(polls(), 2, 'setRecorder resets support to unknown');
    const written = writes(log)
      .filter((w) => w.status === 0)
      .reduce((n, w) => n + cdbBlocks(w), 0);
    assert.equal(written, 1800, 'every block was still written');
    await noRbc.close();
  });
});
