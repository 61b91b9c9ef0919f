// Queued writes to tgt at a distance (docs/decisions.md, "Queued writes"): the write engine with
// several WRITEs in flight through the delay proxy to a private tgtd's DVD+R, checked against
// tgt's backing file; and a connection cut in the middle of the stream, after which nothing past
// what tgt acknowledged is reported written and resumeSection completes the image. (tgt reports
// NWA 0 on its DVD+R for ever, so against tgt the resume writes the whole section again: correct
// there, and the backing file shows it; the exact resume point is proven on the virtual drive in
// queued-faults.test.ts.)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DiscRecorder } from '../../src/device/recorder.js';
import { resumeSection, WriteEngine, type WriteEngineEventArgs } from '../../src/engine/index.js';
import { DwError, HR } from '../../src/errors.js';
import { openIscsiTransport, type IscsiTransport } from '../../src/transport/iscsi/index.js';
import { DelayProxy } from '../helpers/delay-proxy.js';
import { Tgt, tgtAvailability, TGT_IQN } from '../helpers/tgt.js';

const availability = tgtAvailability();
const skip = availability.run ? false : availability.message;
const BLOCK = 2048;
const BLOCKS = 4096; // 8 MiB in 128 WRITEs of 64 KiB

describe('queued WRITEs to tgt through the delay proxy', { skip }, () => {
  let tgt: Tgt;
  let proxy: DelayProxy;
  let url: string;
  before(async () => {
    tgt = await Tgt.start();
    await tgt.addDvdTarget(1, TGT_IQN, { writeCache: true });
    proxy = new DelayProxy({ target: { host: '127.0.0.1', port: tgt.port }, delayMs: 2 });
    const port = await proxy.listen();
    url = tgt.url(1).replace(`:${tgt.port}/`, `:${port}/`);
  });
  after(async () => {
    await proxy?.close();
    await tgt?.stop();
  });

  async function open(): Promise<{
    t: IscsiTransport;
    recorder: DiscRecorder;
    engine: WriteEngine;
  }> {
    const t = await openIscsiTransport(url, { keepAliveIntervalMs: 0, commandTimeoutMs: 10_000 });
    const recorder = await DiscRecorder.fromTransport(t);
    const engine = new WriteEngine();
    await engine.setRecorder(recorder);
    engine.bytesPerSector = BLOCK;
    // 64 KiB WRITEs (not tgt's 256 KiB MaxBurstLength), 8 in flight: the cut lands mid-stream.
    engine.maxTransferSize = 65536;
    engine.queueDepth = 8;
    return { t, recorder, engine };
  }

  it('several in flight, and the backing file equals the source', async () => {
    await tgt.blank(1);
    const { t, recorder, engine } = await open();
    try {
      const source = new Uint8Array(randomBytes(BLOCKS * BLOCK));
      await engine.writeSection(source, 0, BLOCKS);
      assert.ok(t.stats.queuedMax > 1, `at most ${t.stats.queuedMax} in flight`);
      const image = readFileSync(tgt.targets.get(1)!.image);
      assert.ok(image.subarray(0, source.length).equals(source), 'backing file differs');
    } finally {
      await recorder.close();
    }
  });

  it('a cut connection: only acknowledged blocks are reported, and the resume completes the image', async () => {
    await tgt.blank(1);
    const { t, recorder, engine } = await open();
    try {
      const source = new Uint8Array(randomBytes(BLOCKS * BLOCK));
      const events: WriteEngineEventArgs[] = [];
      engine.on('update', (_s, a) => events.push(a));
      const at = t.stats.commands + 40;
      const watch = setInterval(() => {
        if (t.stats.commands >= at) {
          clearInterval(watch);
          proxy.cut();
        }
      }, 1);
      let failure: unknown;
      try {
        await engine.writeSection(source, 0, BLOCKS);
      } catch (e) {
        failure = e;
      } finally {
        clearInterval(watch);
      }
      assert.ok(failure instanceof DwError, 'the write was not cut');
      assert.equal(failure.hr, HR.ERROR_DEV_NOT_EXIST);
      const reported = events.at(-1)!.blocksWritten;
      assert.ok(reported < BLOCKS);
      // Every block reported written is in the backing file, in order.
      const image = readFileSync(tgt.targets.get(1)!.image);
      assert.ok(image.length >= reported * BLOCK, 'blocks reported written are missing');
      assert.ok(image.subarray(0, reported * BLOCK).equals(source.subarray(0, reported * BLOCK)));
      // The next command logs in again; tgt's NWA is 0, so the whole section goes again.
      const r = await resumeSection(engine, source, 0, BLOCKS);
      assert.equal(r.resumedAt + r.writtenBlocks, BLOCKS);
      const after = readFileSync(tgt.targets.get(1)!.image);
      assert.ok(after.subarray(0, source.length).equals(source), 'the resumed image differs');
    } finally {
      await recorder.close();
    }
  });
});
