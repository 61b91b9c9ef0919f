// The write engine's WRITE size from the path (docs/decisions.md, "Transfer size from the path"):
// unless maxTransferSize is set, a WRITE carries the recorder's preferred transfer, never more
// than the path's or the drive's maximum, always whole blocks; the update events keep their
// meaning. Checked at the CDB level through the virtual drive's command log, with Block Limits
// (VPD B0h) answered where the address asks for it (`blockLimits=`).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combineLimits, boundedMaximum } from '../../src/device/transfer-limits.js';
import { WriteEngine, type WriteEngineEventArgs } from '../../src/engine/index.js';
import type { TransportLimits } from '../../src/transport/transport.js';
import { cdbBlocks, cdbLba, pattern, rig, writes } from '../helpers/recorder.js';

async function engineOn(address: string) {
  const r = await rig(address);
  const engine = new WriteEngine({ clock: r.clock });
  await engine.setRecorder(r.recorder);
  engine.bytesPerSector = 2048;
  const events: WriteEngineEventArgs[] = [];
  engine.on('update', (_sender, args) => events.push(args));
  return { ...r, engine, events };
}

/** INQUIRY commands of the log asking for VPD page `page`. */
const vpdAsked = (log: readonly { opcode: number; cdb: Uint8Array }[], page: number) =>
  log.filter((e) => e.opcode === 0x12 && (e.cdb[1]! & 1) === 1 && e.cdb[2] === page).length;

/** The events keep IMAPI2's meaning: never back, the last one says every block was written. */
function checkEvents(events: readonly WriteEngineEventArgs[], start: number, blocks: number) {
  let last = -Infinity;
  for (const e of events) {
    assert.ok(e.lastWrittenLba >= last, 'lastWrittenLba went back');
    last = e.lastWrittenLba;
    assert.equal(e.startLba, start);
    assert.equal(e.sectorCount, blocks);
  }
  const final = events.at(-1)!;
  assert.equal(final.final, true);
  assert.equal(final.blocksWritten, blocks);
  assert.equal(final.lastWrittenLba, start + blocks - 1);
}

describe('WRITE size from the path (virtual drive)', () => {
  it('a drive without Block Limits (MMC as usual): 64 KiB WRITEs, VPD 00h asked once', async () => {
    const t = await engineOn('virtual:dvd+r?maxTransfer=1m');
    assert.equal(t.engine.maxTransferSize, 65536);
    await t.engine.writeSection(pattern(2048 * 70), 0, 70);
    assert.deepEqual(writes(t.log).map(cdbBlocks), [32, 32, 6]);
    await t.engine.setRecorder(t.recorder);
    assert.equal(vpdAsked(t.log, 0x00), 1, 'Supported VPD Pages is read once per binding');
    assert.equal(vpdAsked(t.log, 0xb0), 0, 'Block Limits is not asked when not listed');
    checkEvents(t.events, 0, 70);
    await t.recorder.close();
  });

  it("Block Limits' OPTIMAL TRANSFER LENGTH sets the WRITE size, within the path's maximum", async () => {
    const t = await engineOn('virtual:dvd+r?maxTransfer=1m&blockLimits=0:256');
    assert.equal(t.engine.maxTransferSize, 256 * 2048);
    const data = pattern(2048 * 600);
    await t.engine.writeSection(data, 0, 600);
    const w = writes(t.log);
    assert.deepEqual(w.map(cdbBlocks), [256, 256, 88]);
    assert.deepEqual(w.map(cdbLba), [0, 256, 512]);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, 600), data);
    assert.equal(vpdAsked(t.log, 0xb0), 1);
    checkEvents(t.events, 0, 600);
    await t.recorder.close();
  });

  it("Block Limits' MAXIMUM TRANSFER LENGTH bounds every WRITE, an explicit maxTransferSize too", async () => {
    const t = await engineOn('virtual:dvd+r?maxTransfer=1m&blockLimits=20:256');
    assert.equal(t.engine.maxTransferSize, 20 * 2048);
    await t.engine.writeSection(pattern(2048 * 50), 0, 50);
    assert.deepEqual(writes(t.log).map(cdbBlocks), [20, 20, 10]);
    t.engine.maxTransferSize = 1024 * 1024; // the CLI's --max-transfer 1m
    t.log.length = 0;
    t.events.length = 0;
    await t.engine.writeSection(pattern(2048 * 45), 50, 45);
    assert.deepEqual(writes(t.log).map(cdbBlocks), [20, 20, 5]);
    checkEvents(t.events, 50, 45);
    await t.recorder.close();
  });

  it('a limit that is not a whole number of blocks is rounded down; an explicit size overrides', async () => {
    // 0 reported (listed but empty, as tgt answers) and the path's 100,000 bytes.
    const t = await engineOn('virtual:dvd+r?maxTransfer=100000&blockLimits=0:0');
    assert.equal(t.engine.maxTransferSize, 65536);
    t.engine.maxTransferSize = 16 * 1024 * 1024;
    await t.engine.writeSection(pattern(2048 * 100), 0, 100);
    assert.deepEqual(writes(t.log).map(cdbBlocks), [48, 48, 4]); // 100,000 / 2048 = 48.8
    t.engine.maxTransferSize = 3 * 2048 + 1000;
    t.log.length = 0;
    await t.engine.writeSection(pattern(2048 * 7), 100, 7);
    assert.deepEqual(writes(t.log).map(cdbBlocks), [3, 3, 1]);
    await t.recorder.close();
  });

  it('the host buffer stays 8 MiB where WRITEs do not queue', async () => {
    const t = await engineOn('virtual:dvd+r?maxTransfer=1m&blockLimits=0:512');
    assert.equal(t.engine.maxTransferSize, 1024 * 1024);
    assert.equal(t.engine.hostBufferSize, 8 * 1024 * 1024);
    await t.recorder.close();
  });
});

describe('transfer limits are bounded (combineLimits)', () => {
  const path = (max: number, preferred?: number): TransportLimits => ({
    maxPageAlignedTransferBytes: max,
    maxNonPageAlignedTransferBytes: max,
    alignment: 1,
    busType: 'test',
    ...(preferred === undefined ? {} : { preferredTransferBytes: preferred }),
  });

  it("a path's maximum of 0, a fraction or an absurd size", () => {
    assert.equal(boundedMaximum(path(0)), 65536);
    assert.equal(boundedMaximum(path(-5)), 65536);
    assert.equal(boundedMaximum(path(1.5)), 65536);
    assert.equal(boundedMaximum(path(Number.NaN)), 65536);
    assert.equal(boundedMaximum(path(2 ** 40)), 16 * 1024 * 1024); // max_sectors_kb gone wild
    assert.equal(boundedMaximum(path(512 * 1024)), 512 * 1024);
  });

  it('the preferred size: never below 64 KiB nor above the maximum', () => {
    assert.equal(combineLimits(path(8 << 20, 512), undefined).preferredBytes, 65536);
    assert.equal(combineLimits(path(8 << 20, 262144), undefined).preferredBytes, 262144);
    assert.equal(combineLimits(path(8 << 20, 16776192), undefined).preferredBytes, 8 << 20);
    assert.equal(combineLimits(path(32768, 262144), undefined).preferredBytes, 32768);
    assert.equal(combineLimits(path(1 << 20, 0), undefined).preferredBytes, 65536);
    assert.equal(combineLimits(path(1 << 20, Number.NaN), undefined).preferredBytes, 65536);
  });

  it("Block Limits lowers the maximum; its optimal length counts only without the path's", () => {
    const bl = (max: number, opt: number) => ({
      maximumTransferLength: max,
      optimalTransferLength: opt,
    });
    assert.deepEqual(combineLimits(path(1 << 20), bl(16, 0)), {
      maximumBytes: 32768,
      preferredBytes: 32768,
      blockLimits: bl(16, 0),
    });
    assert.equal(combineLimits(path(1 << 20), bl(0, 128)).preferredBytes, 262144);
    assert.equal(combineLimits(path(1 << 20, 131072), bl(0, 256)).preferredBytes, 131072);
    assert.equal(combineLimits(path(1 << 20), bl(0xffffffff, 0xffffffff)).maximumBytes, 1 << 20);
    assert.equal(combineLimits(path(1 << 20), bl(0xffffffff, 0xffffffff)).preferredBytes, 1 << 20);
  });
});
