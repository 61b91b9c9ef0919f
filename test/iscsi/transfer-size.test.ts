// The WRITE size and queue depth the write engine chooses over iSCSI (docs/decisions.md, "Transfer
// size from the path"; docs/iscsi.md, "Drives at a distance"): by default a WRITE carries the
// negotiated MaxBurstLength (one R2T per WRITE), rounded down to whole blocks and bounded by the
// transport's maximum, and up to 32 are in flight as the target's window allows. Checked at the
// CDB level on the virtual drive behind the fake target (its command log), and against tgt (its
// R2T count and backing file). The update events keep their meaning.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DiscRecorder } from '../../src/device/recorder.js';
import { WriteEngine, type WriteEngineEventArgs } from '../../src/engine/index.js';
import { openVirtualDrive } from '../../src/transport/emulated/index.js';
import { openIscsiTransport } from '../../src/transport/iscsi/index.js';
import { driveBacked } from '../helpers/fake-iscsi-target.js';
import { engineOverTarget } from '../helpers/iscsi-engine.js';
import { cdbBlocks, cdbLba, writes } from '../helpers/recorder.js';
import { Tgt, tgtAvailability, TGT_IQN } from '../helpers/tgt.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const f of cleanups.reverse()) await f().catch(() => undefined);
});

const data = (blocks: number) =>
  Uint8Array.from({ length: blocks * 2048 }, (_, i) => (i * 7 + (i >> 11)) & 0xff);

/** A fake target over a virtual DVD+R that answers MaxBurstLength `burst` and solicits by it. */
async function rig(burst: number) {
  const drive = await openVirtualDrive('virtual:dvd+r?maxTransfer=16m&log=100000');
  return engineOverTarget(
    drive,
    { keys: [['MaxBurstLength', String(burst)]], onPdu: driveBacked(drive, {}, burst) },
    cleanups,
  );
}

function checkEvents(events: readonly WriteEngineEventArgs[], start: number, blocks: number) {
  let last = -Infinity;
  for (const e of events) {
    assert.ok(e.lastWrittenLba >= last, 'lastWrittenLba went back');
    assert.ok(e.blocksWritten <= blocks);
    last = e.lastWrittenLba;
  }
  const final = events.at(-1)!;
  assert.equal(final.final, true);
  assert.equal(final.blocksWritten, blocks);
  assert.equal(final.lastWrittenLba, start + blocks - 1);
}

describe('WRITE size and queue depth over iSCSI', () => {
  it('MaxBurstLength that is not whole blocks: WRITEs of 48 blocks (100,000 bytes rounded down)', async () => {
    const { drive, t, engine, events } = await rig(100000);
    assert.equal(t.parameters?.maxBurstLength, 100000);
    assert.equal(engine.maxTransferSize, 100000);
    const source = data(500);
    await engine.writeSection(source, 0, 500);
    const w = writes(drive.control.log);
    assert.deepEqual(w.map(cdbBlocks), [...Array<number>(10).fill(48), 20]);
    assert.deepEqual(
      w.map(cdbLba),
      w.map((_, i) => i * 48),
    );
    assert.deepEqual(await drive.control.media.readBlocks(0, 500), source);
    checkEvents(events, 0, 500);
  });

  it('a huge MaxBurstLength is bounded by the transport maximum (8 MiB, 4096 blocks)', async () => {
    const { drive, engine, events } = await rig(16776192);
    assert.equal(engine.maxTransferSize, 8 * 1024 * 1024);
    const source = data(5000);
    await engine.writeSection(source, 0, 5000);
    assert.deepEqual(writes(drive.control.log).map(cdbBlocks), [4096, 904]);
    assert.deepEqual(await drive.control.media.readBlocks(0, 5000), source);
    checkEvents(events, 0, 5000);
  });

  it('a tiny MaxBurstLength (512) keeps 64 KiB WRITEs, each solicited in 512-byte bursts', async () => {
    const { drive, t, engine, events } = await rig(512);
    assert.equal(engine.maxTransferSize, 65536);
    const before = t.stats.r2ts;
    await engine.writeSection(data(64), 0, 64);
    assert.deepEqual(writes(drive.control.log).map(cdbBlocks), [32, 32]);
    // Immediate data (up to the target's 8 KiB MaxRecvDataSegmentLength) then 512 bytes per R2T.
    assert.ok(t.stats.r2ts - before >= 2 * ((65536 - 8192) / 512));
    checkEvents(events, 0, 64);
  });

  it('an explicit maxTransferSize (the CLI --max-transfer) overrides, bursts or not', async () => {
    const { drive, engine } = await rig(100000);
    // One in flight: the fake target runs WRITEs in the order their data completes, which for
    // WRITEs of different sizes is not CmdSN order (tgt honours ORDERED).
    engine.queueDepth = 1;
    engine.maxTransferSize = 32768;
    await engine.writeSection(data(40), 0, 40);
    engine.maxTransferSize = 1024 * 1024;
    await engine.writeSection(data(600), 40, 600);
    assert.deepEqual(writes(drive.control.log).map(cdbBlocks), [16, 16, 8, 512, 88]);
  });

  it('more than 8 WRITEs in flight by default, as the target window allows', async () => {
    const { drive, t, engine } = await rig(65536);
    assert.equal(engine.queueDepth, 32);
    // 2 × 32 WRITEs of 64 KiB: the reader fills one half while the other is in flight.
    assert.equal(engine.hostBufferSize, 8 * 1024 * 1024);
    const source = data(4096);
    await engine.writeSection(source, 0, 4096);
    // The fake target grants MaxCmdSN − ExpCmdSN + 1 = 17.
    assert.ok(t.stats.queuedMax > 8, `at most ${t.stats.queuedMax} in flight`);
    assert.ok(t.stats.queuedMax <= 17, `${t.stats.queuedMax} in flight past the window`);
    assert.deepEqual(await drive.control.media.readBlocks(0, 4096), source);
  });
});

const availability = tgtAvailability();
describe(
  'WRITE size against tgt',
  { skip: availability.run ? false : availability.message },
  () => {
    it("tgt's MaxBurstLength set to 100,000: one R2T per 48-block WRITE, the backing file equal", async () => {
      const tgt = await Tgt.start();
      cleanups.push(() => tgt.stop());
      await tgt.addDvdTarget(1, TGT_IQN, { writeCache: true });
      await tgt.setParam(1, 'MaxBurstLength', '100000');
      const t = await openIscsiTransport(tgt.url(1), { keepAliveIntervalMs: 0 });
      const recorder = await DiscRecorder.fromTransport(t);
      cleanups.push(() => recorder.close());
      assert.equal(t.parameters?.maxBurstLength, 100000);
      const engine = new WriteEngine();
      await engine.setRecorder(recorder);
      engine.bytesPerSector = 2048;
      const blocks = 48 * 20;
      const source = new Uint8Array(randomBytes(blocks * 2048));
      const r2ts = t.stats.r2ts;
      const commands = t.stats.commands;
      await engine.writeSection(source, 0, blocks);
      // 20 WRITEs of 98,304 bytes: 8 KiB immediate data, the rest in one burst each.
      assert.equal(t.stats.r2ts - r2ts, 20);
      assert.ok(t.stats.commands - commands >= 20);
      const image = readFileSync(tgt.targets.get(1)!.image);
      assert.ok(image.subarray(0, source.length).equals(source), 'backing file differs');
    });
  },
);
