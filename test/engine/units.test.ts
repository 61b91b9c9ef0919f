import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeGeometry, SlotPool } from '../../src/engine/pipeline.js';
import { backoffMs } from '../../src/engine/write-chunk.js';
import { mergeResults } from '../../src/engine/section.js';
import { Progress } from '../../src/engine/event-args.js';
import { DwError, HR } from '../../src/errors.js';

const geometry = (bytesPerSector: number, hostBufferSize: number, streaming = false) =>
  computeGeometry({
    bytesPerSector,
    maxTransferSize: 65536,
    driveMaxTransfer: 65536,
    hostBufferSize,
    streaming,
    alignment: 1,
  });

describe('geometry (spec §2.4.2 table)', () => {
  const rows: [number, number, number, number, number][] = [
    // bytesPerSector, B, bytes per WRITE, slots at 8 MiB, slots at 512 KiB
    [2048, 32, 65536, 128, 8],
    [2336, 28, 65408, 128, 8],
    [2352, 27, 63504, 132, 8],
    [2368, 27, 63936, 131, 8],
    [2448, 26, 63648, 131, 8],
  ];
  for (const [bps, B, bytes, slots8M, slots512K] of rows) {
    it(`${bps} bytes per sector → ${B} blocks, ${bytes} bytes, ${slots8M}/${slots512K} slots`, () => {
      const g = geometry(bps, 8 * 1024 * 1024);
      assert.equal(g.blocksPerChunk, B);
      assert.equal(g.slotSize, bytes);
      assert.equal(g.slotCount, slots8M);
      assert.equal(geometry(bps, 524288).slotCount, slots512K);
    });
  }
  it('caps WRITE(10) at 65,535 blocks and lets WRITE(12) go further', () => {
    const p = {
      bytesPerSector: 1,
      maxTransferSize: 16777216,
      driveMaxTransfer: 16777216,
      hostBufferSize: 1 << 30,
      alignment: 1,
    };
    assert.equal(computeGeometry({ ...p, streaming: false }).blocksPerChunk, 65535);
    assert.equal(computeGeometry({ ...p, streaming: true }).blocksPerChunk, 16777216);
  });
  it('uses the smaller of maxTransferSize and the drive maximum', () => {
    const g = computeGeometry({
      bytesPerSector: 2048,
      maxTransferSize: 65536,
      driveMaxTransfer: 32768,
      hostBufferSize: 1 << 20,
      streaming: false,
      alignment: 1,
    });
    assert.equal(g.blocksPerChunk, 16);
  });
  it('gives B = 0 when one sector exceeds the cap', () => {
    const g = computeGeometry({
      bytesPerSector: 65536,
      maxTransferSize: 512,
      driveMaxTransfer: 65536,
      hostBufferSize: 1 << 20,
      streaming: false,
      alignment: 1,
    });
    assert.equal(g.blocksPerChunk, 0);
    assert.equal(g.slotCount, 0);
  });
  it('carves slots at an aligned stride from one allocation', () => {
    const pool = new SlotPool(geometry(2352, 524288));
    assert.equal(pool.slots.length, 8);
    const buffer = pool.slots[0]!.buffer;
    for (const s of pool.slots) {
      assert.equal(s.buffer, buffer);
      assert.equal(s.byteOffset % 4096, 0);
      assert.equal(s.length, 63504);
    }
  });
});

describe('back-off (spec §2.4.5)', () => {
  it('is 10, 20, 40, 80, 160, then 250 ms', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 50].map(backoffMs),
      [10, 20, 40, 80, 160, 250, 250, 250],
    );
  });
});

describe('merge table (spec §2.4.6)', () => {
  const cancelled = new DwError(HR.E_IMAPI_REQUEST_CANCELLED);
  const w = new DwError(HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
  const r = new DwError(HR.E_FAIL);
  it('ok + ok resolves', () => assert.equal(mergeResults(undefined, undefined), undefined));
  it('writer error wins over anything', () => {
    assert.equal(mergeResults(w, undefined), w);
    assert.equal(mergeResults(w, cancelled), w);
    assert.equal(mergeResults(w, r), w);
  });
  it('writer cancelled + reader ok or cancelled → CANCELLED', () => {
    assert.equal(mergeResults(cancelled, undefined)?.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.equal(mergeResults(cancelled, cancelled)?.hr, HR.E_IMAPI_REQUEST_CANCELLED);
  });
  it('writer cancelled + reader error R → R', () => assert.equal(mergeResults(cancelled, r), r));
  it('writer ok + reader cancelled → CANCELLED', () =>
    assert.equal(mergeResults(undefined, cancelled), cancelled));
  it('writer ok + reader error R → R', () => assert.equal(mergeResults(undefined, r), r));
});

describe('event snapshot counters (spec §3.2)', () => {
  it('starts both LBA fields at startLba and tracks the system buffer', () => {
    const p = new Progress(-150, 100, 2352, 524288, { starting: -1, ending: -1 }, 0);
    const s0 = p.snapshot(0, false);
    assert.equal(s0.lastReadLba, -150);
    assert.equal(s0.lastWrittenLba, -150);
    assert.equal(s0.freeSystemBuffer, 524288);
    assert.equal(s0.etaMs, null);
    assert.ok(Object.isFrozen(s0));
    p.read(27);
    p.written(27, 100);
    const s1 = p.snapshot(100, false);
    assert.equal(s1.lastReadLba, -124);
    assert.equal(s1.lastWrittenLba, -124);
    assert.equal(s1.usedSystemBuffer, 0);
    assert.equal(s0.lastReadLba, -150, 'earlier snapshots never change');
  });
  it('derives the ETA from the speed hints before a measurement', () => {
    const flat = new Progress(0, 1000, 2048, 1 << 20, { starting: 100, ending: 100 }, 0);
    assert.equal(flat.snapshot(0, false).etaMs, 10_000);
    const ramp = new Progress(0, 1000, 2048, 1 << 20, { starting: 100, ending: 200 }, 0);
    const eta = ramp.snapshot(0, false).etaMs!;
    // Between the constant-rate times at the two ends: 5 s and 10 s.
    assert.ok(eta > 5000 && eta < 10000, String(eta));
    assert.ok(Math.abs(eta - 1000 * 10 * Math.log(2)) < 1e-6);
  });
  it('measures bytesPerSecond over completed WRITEs and reaches ETA 0 at the end', () => {
    const p = new Progress(0, 64, 2048, 1 << 20, { starting: -1, ending: -1 }, 0);
    p.read(32);
    p.written(32, 1000);
    assert.equal(p.snapshot(1000, false).bytesPerSecond, 0, 'needs two completions');
    p.read(32);
    p.written(32, 2000);
    const s = p.snapshot(2000, true);
    assert.equal(s.bytesPerSecond, 65536);
    assert.equal(s.averageBytesPerSecond, 65536);
    assert.equal(s.etaMs, 0);
  });
  it('clamps device buffer figures', () => {
    const p = new Progress(0, 1, 2048, 1 << 20, { starting: -1, ending: -1 }, 0);
    p.deviceBuffer(1000, 2000);
    assert.equal(p.snapshot(0, false).usedDeviceBuffer, 0);
    p.deviceBuffer(0, 0);
    assert.equal(p.snapshot(0, false).totalDeviceBuffer, null);
  });
  it('used + free always equals total', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 32 }), { maxLength: 20 }), (chunks) => {
        const p = new Progress(0, 10_000, 2048, 1 << 22, { starting: -1, ending: -1 }, 0);
        for (const n of chunks) p.read(n);
        const s = p.snapshot(0, false);
        assert.equal(s.usedSystemBuffer + s.freeSystemBuffer, s.totalSystemBuffer);
      }),
    );
  });
});
