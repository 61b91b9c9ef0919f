// Media operations over the virtual drive at the CDB level: the writable position, CLOSE
// TRACK/SESSION and chunked READ(10).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSession,
  closeTrack,
  readBlockChunks,
  writablePosition,
} from '../../src/device/media-ops.js';
import type { DiscRecorder } from '../../src/device/recorder.js';
import { HR } from '../../src/errors.js';
import { be, cat, h } from '../helpers/bytes.js';
import { cdbBlocks, cdbLba, rejectsWith, rig } from '../helpers/recorder.js';

/** `blocks` 2048-byte blocks whose first four bytes are their index, the rest a pattern. */
function pattern(blocks: number): Uint8Array {
  const b = new Uint8Array(blocks * 2048);
  for (let i = 0; i < b.length; i++) b[i] = (i * 13 + 7) & 0xff;
  for (let k = 0; k < blocks; k++) b.set(be(k, 4), k * 2048);
  return b;
}

/** A raw WRITE(10) built from its field table, not by the codec. */
async function write10(recorder: DiscRecorder, lba: number, data: Uint8Array): Promise<void> {
  const blocks = data.length / 2048;
  const cdb = cat(h('2A 00'), be(lba, 4), h('00'), be(blocks, 2), h('00'));
  const r = await recorder.sendCommandSendDataToDevice(cdb, 10, data);
  assert.equal(r.hr, HR.S_OK);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('media operations', () => {
  it('finds the next writable address of a blank and of a written DVD+R', async () => {
    const { recorder } = await rig('virtual:dvd+r?capacity=100000');
    const blank = await writablePosition(recorder);
    assert.deepEqual(
      { ...blank },
      { trackNumber: 1, nextWritableAddress: 0, freeBlocks: 100000, discStatus: 0 },
    );
    await write10(recorder, 0, pattern(16));
    const after = await writablePosition(recorder);
    assert.equal(after.nextWritableAddress, 16);
    assert.equal(after.freeBlocks, 100000 - 16);
    assert.equal(after.discStatus, 1); // incomplete: appendable
  });

  it('closes the track and the session with the MMC CDBs', async () => {
    const { recorder, log } = await rig('virtual:dvd+r');
    await write10(recorder, 0, pattern(16));
    const from = log.length;
    await closeTrack(recorder, 1);
    await closeSession(recorder);
    const closes = log.slice(from).filter((e) => e.opcode === 0x5b);
    assert.deepEqual(
      closes.map((e) => [...e.cdb]),
      [[...h('5B 00 01 00 00 01 00 00 00 00')], [...h('5B 00 02 00 00 00 00 00 00 00')]],
    );
    const next = await writablePosition(recorder);
    assert.equal(next.trackNumber, 2, 'a new session starts with track 2');
  });

  it('refuses a track number outside 16 bits without sending anything', async () => {
    const { recorder, log } = await rig('virtual:dvd+r');
    const from = log.length;
    assert.equal((await rejectsWith(closeTrack(recorder, 0x10000))).hr, HR.E_INVALIDARG);
    assert.equal((await rejectsWith(closeTrack(recorder, -1))).hr, HR.E_INVALIDARG);
    assert.equal(log.length, from);
  });

  it('reads in chunks of the maximum transfer, in order, with matching CDBs', async () => {
    const { recorder, log } = await rig('virtual:dvd+r?maxTransfer=8k');
    const data = pattern(10);
    await write10(recorder, 0, data.subarray(0, 4 * 2048));
    await write10(recorder, 4, data.subarray(4 * 2048, 8 * 2048));
    await write10(recorder, 8, data.subarray(8 * 2048));
    const from = log.length;
    const chunks = await collect(readBlockChunks(recorder, { lba: 1, blocks: 9 }));
    assert.deepEqual(
      chunks.map((c) => c.length),
      [4 * 2048, 4 * 2048, 2048],
    );
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(data.subarray(2048)));
    const reads = log.slice(from).filter((e) => e.opcode === 0x28);
    assert.deepEqual(
      reads.map((e) => [...e.cdb]),
      [
        [...cat(h('28 00'), be(1, 4), h('00'), be(4, 2), h('00'))],
        [...cat(h('28 00'), be(5, 4), h('00'), be(4, 2), h('00'))],
        [...cat(h('28 00'), be(9, 4), h('00'), be(1, 2), h('00'))],
      ],
    );
  });

  it('reads in chunks of Block Limits MAXIMUM TRANSFER LENGTH where the drive reports it', async () => {
    const { recorder, log } = await rig('virtual:dvd+r?maxTransfer=64k&blockLimits=3:2');
    const data = pattern(7);
    await write10(recorder, 0, data);
    const from = log.length;
    const chunks = await collect(readBlockChunks(recorder, { lba: 0, blocks: 7 }));
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(data));
    const reads = log.slice(from).filter((e) => e.opcode === 0x28);
    assert.deepEqual(
      reads.map((e) => [cdbLba(e), cdbBlocks(e)]),
      [
        [0, 3],
        [3, 3],
        [6, 1],
      ],
    );
  });

  it('rejects ranges and block sizes it cannot read', async () => {
    const { recorder, log } = await rig('virtual:dvd+r?maxTransfer=4k');
    await recorder.getTransferLimits(); // its INQUIRY (VPD 00h) once per recorder
    const from = log.length;
    for (const range of [
      { lba: 0, blocks: 0 },
      { lba: 0, blocks: 1.5 },
      { lba: 0x7fffffff, blocks: 2 },
      { lba: 0, blocks: 1, blockSize: 0 },
      { lba: 0, blocks: 1, blockSize: 8192 },
    ]) {
      assert.equal(
        (await rejectsWith(collect(readBlockChunks(recorder, range)))).hr,
        HR.E_INVALIDARG,
      );
    }
    assert.equal(log.length, from);
  });
});
