// DVD+RW background formatting and the progress of operations sent with IMMED, through the
// virtual drive at the CDB level: FORMAT UNIT 26h starts a background format (READ DISC
// INFORMATION BG Format Status 10b), CLOSE 000b / 010b or an eject stop it (01b), FORMAT UNIT 26h
// with Restart resumes it keeping the data, and a burn restarts a stopped one. A paced drive
// (`speed=`) answers TEST UNIT READY / REQUEST SENSE with 02/04/04 or 02/04/07 and a progress
// indication while FORMAT UNIT, BLANK or CLOSE runs; the burn and the erase report it.
// CDBs and parameter lists here are built byte by byte.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DiscFormat2Erase } from '../../src/format/index.js';
import { Format2DataWriteAction as A } from '../../src/device/types.js';
import { HR } from '../../src/errors.js';
import { isoImage } from '../helpers/iso.js';
import { rig, type Rig } from '../helpers/recorder.js';
import { closeFunctions, dataWriter } from '../helpers/format.js';

/** FORMAT UNIT, FmtData, format code 001b; list: header (IMMED as asked), one descriptor. */
async function formatUnit26(r: Rig, restart: boolean, immed = false) {
  const cdb = Uint8Array.of(0x04, 0x11, 0, 0, 0, 0);
  const list = new Uint8Array(12);
  list[1] = immed ? 0x02 : 0; // IMMED
  list[3] = 8; // FORMAT DESCRIPTOR LENGTH
  list.set([0xff, 0xff, 0xff, 0xff], 4); // Number of Blocks: the default
  list[8] = 0x26 << 2; // Format Type 26h, sub-type 0
  list[11] = restart ? 1 : 0; // Type Dependent Parameter bit 0: Restart
  return r.recorder.sendCommandSendDataToDevice(cdb, 60, list);
}

async function close(r: Rig, fn: number) {
  return r.recorder.sendCommandNoData(Uint8Array.of(0x5b, 0, fn, 0, 0, 0, 0, 0, 0, 0), 60);
}

/** BG Format Status: READ DISC INFORMATION byte 7 bits 1..0. */
async function bgStatus(r: Rig): Promise<number> {
  const cdb = Uint8Array.of(0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0);
  const d = await r.recorder.sendCommandGetDataFromDevice(cdb, 10, 34);
  return d.data[7]! & 0x03;
}

const kcq = (s: Uint8Array) => [s[2]! & 0x0f, s[12], s[13]];

describe('DVD+RW background format on the virtual drive', () => {
  it('runs after FORMAT UNIT 26h, stops with CLOSE 000b, restarts keeping the data', async () => {
    const r = await rig('virtual:dvd+rw');
    assert.equal(await bgStatus(r), 0b00, 'blank: not formatted');
    assert.equal((await formatUnit26(r, false)).hr, HR.S_OK);
    assert.equal(await bgStatus(r), 0b10, 'in progress');
    const block = new Uint8Array(16 * 2048).fill(0x77);
    const wr = await r.recorder.sendCommandSendDataToDevice(
      Uint8Array.of(0x2a, 0, 0, 0, 0, 100, 0, 0, 16, 0),
      60,
      block,
    );
    assert.equal(wr.hr, HR.S_OK, 'writable while formatting');
    assert.deepEqual(kcq((await formatUnit26(r, true)).sense), [5, 0x26, 0], 'nothing to restart');
    assert.equal((await close(r, 0b000)).hr, HR.S_OK);
    assert.equal(await bgStatus(r), 0b01, 'stopped, incomplete');
    assert.equal((await formatUnit26(r, true)).hr, HR.S_OK);
    assert.equal(await bgStatus(r), 0b10);
    const kept = await r.drive.control.media.readBlocks(100, 16);
    assert.ok(Buffer.from(kept).equals(Buffer.from(block)), 'Restart kept the data');
    assert.equal((await close(r, 0b010)).hr, HR.S_OK);
    assert.equal(await bgStatus(r), 0b01, 'CLOSE SESSION stops it too (compatible lead-out)');
    assert.equal((await formatUnit26(r, false)).hr, HR.S_OK);
    const wiped = await r.drive.control.media.readBlocks(100, 1);
    assert.ok(
      wiped.every((b) => b === 0),
      'a new format starts from scratch',
    );
  });

  it('stops when the disc is ejected; a disc loaded formatted is complete', async () => {
    const r = await rig('virtual:dvd+rw');
    await formatUnit26(r, false);
    await r.recorder.ejectMedia();
    await r.recorder.closeTray();
    await r.recorder.testUnitReady().catch(() => undefined); // the unit attention of the load
    assert.equal(await bgStatus(r), 0b01);
    assert.equal(await bgStatus(await rig('virtual:dvd+rw?formatted=on')), 0b11);
  });
});

describe('DiscFormat2Data and the DVD+RW background format', () => {
  it('formats a blank disc, closes 010b (compatible), and restarts the stopped format next time', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd+rw');
    const first = await w.data.write(iso);
    assert.equal(first.formatted?.typeDependentParameter, 0);
    assert.deepEqual(closeFunctions(w.log), [2]);
    assert.equal(await bgStatus(w), 0b01);
    w.data.forceOverwrite = true;
    const phases: number[] = [];
    w.data.on('update', (_s, a) => phases.push(a.currentAction));
    const second = await w.data.write(iso);
    assert.equal(second.formatted?.typeDependentParameter, 1, 'FORMAT UNIT 26h with Restart');
    assert.ok(phases.includes(A.FORMATTING_MEDIA));
    const back = await w.drive.control.media.readBlocks(0, iso.length / 2048);
    assert.ok(Buffer.from(back).equals(Buffer.from(iso)));
  });

  it('without compatibility mode only stops a running format (000b)', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd+rw');
    w.data.disableConsumerDvdCompatibilityMode = true;
    await w.data.write(iso);
    assert.deepEqual(closeFunctions(w.log), [0]);
    assert.equal(await bgStatus(w), 0b01);
    const done = await dataWriter('virtual:dvd+rw?formatted=on');
    done.data.disableConsumerDvdCompatibilityMode = true;
    await done.data.write(iso);
    assert.deepEqual(closeFunctions(done.log), [], 'a complete format needs no close');
  });
});

/** Progress indications of NOT READY answers to TEST UNIT READY in the log, with their ASCQ. */
function turProgress(r: Rig): { ascq: number; progress: number }[] {
  return r.log
    .filter((e) => e.opcode === 0x00 && e.status === 2)
    .map((e) => {
      const s = e.sense;
      assert.deepEqual([s[2]! & 0x0f, s[12]], [2, 4]);
      assert.ok((s[15]! & 0x80) !== 0, 'SKSV');
      return { ascq: s[13]!, progress: (s[16]! << 8) | s[17]! };
    });
}

describe('progress of operations sent with IMMED (paced drive)', () => {
  it('FORMAT UNIT: 02/04/04 with rising progress; the burn reports a remaining time', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd+rw?speed=4');
    const formatting: number[] = [];
    w.data.on('update', (_s, a) => {
      if (a.currentAction === A.FORMATTING_MEDIA) formatting.push(a.remainingTime);
    });
    await w.data.write(iso);
    const f = w.log.find((e) => e.opcode === 0x04)!;
    const after = turProgress(w).filter((p) => p.ascq === 0x04);
    assert.ok(after.length >= 2, 'polled while formatting');
    for (let i = 1; i < after.length; i++) assert.ok(after[i]!.progress > after[i - 1]!.progress);
    assert.ok(f.status === 0, 'FORMAT UNIT itself answered GOOD at once');
    assert.ok(
      formatting.some((t) => t > 0),
      'a remaining time from the drive',
    );
    // The close (010b) with IMMED: 02/04/07 while it runs.
    assert.ok(turProgress(w).some((p) => p.ascq === 0x07));
  });

  it('REQUEST SENSE reports the progress; other media commands are NOT READY', async () => {
    const r = await rig('virtual:dvd+rw?speed=4');
    assert.equal((await formatUnit26(r, false, true)).hr, HR.S_OK);
    await r.clock.sleep(1500);
    const rs = await r.recorder.sendCommandGetDataFromDevice(
      Uint8Array.of(0x03, 0, 0, 0, 18, 0),
      10,
      18,
    );
    assert.equal(rs.hr, HR.S_OK);
    assert.deepEqual(kcq(rs.data), [2, 4, 4]);
    const progress = (rs.data[16]! << 8) | rs.data[17]!;
    assert.ok(progress > 0x6000 && progress < 0xa000, `half way: ${progress}`);
    const rdi = await r.recorder.sendCommandGetDataFromDevice(
      Uint8Array.of(0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0),
      10,
      34,
    );
    assert.deepEqual(kcq(rdi.sense), [2, 4, 4]);
    await r.clock.sleep(2000);
    assert.equal((await r.recorder.sendCommandNoData(Uint8Array.of(0, 0, 0, 0, 0, 0), 10)).hr, 0);
  });

  it('BLANK: the erase estimates its total from the drive progress (02/04/07)', async () => {
    const r = await rig('virtual:dvd-rw?speed=2');
    const erase = new DiscFormat2Erase({ clock: r.clock });
    await erase.setRecorder(r.recorder);
    erase.clientName = 'discwright test';
    erase.fullErase = true;
    const updates: [number, number][] = [];
    erase.on('update', (_s, elapsed, total) => updates.push([elapsed, total]));
    await erase.eraseMedia();
    assert.ok(turProgress(r).every((p) => p.ascq === 0x07));
    // Full blank: 8 s on the drive's clock; estimates from progress come out near it.
    const mid = updates.slice(1, -1);
    assert.ok(mid.length >= 3);
    for (const [, total] of mid.slice(1)) assert.ok(Math.abs(total - 8) < 0.5, `${total}`);
    assert.ok(updates.at(-1)![0] >= 8);
  });

  it('an unpaced drive finishes at once: no NOT READY polls', async () => {
    const { bytes: iso } = await isoImage();
    const w = await dataWriter('virtual:dvd+rw');
    await w.data.write(iso);
    assert.deepEqual(turProgress(w), []);
  });
});
