// `info --map` (src/cli/disc-map.ts) on the virtual drive in each media state: blank, one open
// track, closed sessions, finalized; the layout is what the drive reports (READ DISC INFORMATION,
// READ TRACK INFORMATION), with figures from docs/virtual-drive.md (ECC rounding to 16 blocks on
// DVD, 12,288 blocks of lead-out and lead-in between DVD sessions). The spawned CLI is checked
// once for the text and the JSON form.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSession, closeTrack } from '../../src/device/media-ops.js';
import { write10 } from '../../src/scsi/block/write-10.js';
import { CloseFunction, closeTrackSession } from '../../src/scsi/mmc/close-track-session.js';
import { barCells, discMapText, readDiscMap, type DiscMap } from '../../src/cli/disc-map.js';
import { rig } from '../helpers/recorder.js';
import { dvd, run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { openVirtualDrive } from '../../src/testing/index.js';
import type { DiscRecorder } from '../../src/device/recorder.js';

const DVD_PLUS_R_BLOCKS = 2_295_104;

/** WRITE(10)s of at most 32 blocks (the drive's 64 KiB transfer limit). */
async function writeBlocks(recorder: DiscRecorder, lba: number, blocks: number): Promise<void> {
  for (let done = 0; done < blocks; done += 32) {
    const n = Math.min(32, blocks - done);
    await recorder.executeCommand(
      write10({ lba: lba + done, transferLength: n, data: new Uint8Array(n * 2048).fill(0x5a) }),
    );
  }
}

function covers(m: DiscMap): void {
  // The segments tile the disc from LBA 0 to its capacity without overlap.
  let at = 0;
  for (const s of m.segments) {
    assert.equal(s.startLba, at, `segment ${s.label} starts at ${s.startLba}, expected ${at}`);
    assert.ok(s.blocks > 0);
    at += s.blocks;
  }
  assert.equal(at, m.capacityBlocks);
}

describe('info --map: the layout in each media state (virtual DVD+R)', () => {
  it('blank: one invisible track over the whole disc, NWA 0', async () => {
    const { recorder } = await rig('virtual:dvd+r');
    const m = await readDiscMap(recorder, false);
    assert.equal(m.status, 'blank');
    assert.equal(m.capacityBlocks, DVD_PLUS_R_BLOCKS);
    assert.deepEqual(
      m.segments.map((s) => [s.kind, s.startLba, s.blocks]),
      [['free', 0, DVD_PLUS_R_BLOCKS]],
    );
    assert.equal(m.sessions.length, 1);
    assert.equal(m.sessions[0]?.state, 'open');
    assert.equal(m.sessions[0]?.tracks[0]?.state, 'invisible');
    assert.equal(m.nextWritableAddress, 0);
    assert.equal(m.freeBlocks, DVD_PLUS_R_BLOCKS);
    covers(m);
    await recorder.close();
  });

  it('one open track: the recorded part, then free space from the NWA', async () => {
    const { recorder } = await rig('virtual:dvd+r');
    await writeBlocks(recorder, 0, 100);
    const m = await readDiscMap(recorder, false);
    assert.equal(m.status, 'appendable');
    assert.deepEqual(
      m.segments.map((s) => [s.kind, s.startLba, s.blocks, s.track]),
      [
        ['track', 0, 100, 1],
        ['free', 100, DVD_PLUS_R_BLOCKS - 100, 1],
      ],
    );
    assert.equal(m.sessions[0]?.tracks[0]?.state, 'open');
    assert.equal(m.sessions[0]?.tracks[0]?.mode, 'data');
    assert.equal(m.nextWritableAddress, 100);
    assert.equal(m.freeBlocks, DVD_PLUS_R_BLOCKS - 100);
    covers(m);
    const text = discMapText(m, 40);
    assert.match(text, /^disc map: appendable, 1 session\(s\), 1 track\(s\)/);
    assert.match(text, /track 1 \(session 1, data, open\): LBA 0\.\.99, 100 blocks/);
    assert.match(text, /NWA 100, free 2295004 blocks/);
    await recorder.close();
  });

  it('closed sessions: complete tracks, the lead-out/lead-in gap, the next session open', async () => {
    const { recorder } = await rig('virtual:dvd+r');
    await writeBlocks(recorder, 0, 100);
    await closeTrack(recorder, 1);
    await closeSession(recorder);
    const m = await readDiscMap(recorder, false);
    assert.equal(m.status, 'appendable');
    assert.deepEqual(
      m.sessions.map((s) => [s.number, s.state, s.tracks.map((t) => t.state)]),
      [
        [1, 'complete', ['complete']],
        [2, 'open', ['invisible']],
      ],
    );
    // 100 blocks closed to the 16-block ECC unit (the drive pads): a 112-block track; the next
    // session starts 2,048 blocks after it (as on real DVD+R drives, docs/virtual-drive.md).
    const next = 112 + 2_048;
    assert.deepEqual(
      m.segments.map((s) => [s.kind, s.startLba, s.blocks]),
      [
        ['track', 0, 112],
        ['gap', 112, 2_048],
        ['free', next, DVD_PLUS_R_BLOCKS - next],
      ],
    );
    assert.match(m.segments[1]?.label ?? '', /lead-out of session 1 and lead-in of session 2/);
    assert.equal(m.nextWritableAddress, next);
    covers(m);
    await recorder.close();
  });

  it('finalized: every session complete, no NWA, the rest not writable', async () => {
    const { recorder } = await rig('virtual:dvd+r');
    await writeBlocks(recorder, 0, 64);
    await closeTrack(recorder, 1);
    await recorder.executeCommand(closeTrackSession({ closeFunction: CloseFunction.FINALIZE }));
    const m = await readDiscMap(recorder, false);
    assert.equal(m.status, 'complete');
    assert.ok(m.sessions.every((s) => s.state === 'complete'));
    assert.equal(m.nextWritableAddress, null);
    assert.equal(m.freeBlocks, 0);
    assert.equal(m.segments[0]?.kind, 'track');
    assert.equal(m.segments[0]?.blocks, 64);
    assert.ok(m.segments.every((s) => s.kind !== 'free'));
    covers(m);
    assert.match(discMapText(m), /NWA none, free 0 blocks/);
    await recorder.close();
  });

  it('the bar gives every segment a cell and stays within its width', () => {
    const cells = barCells(
      [
        { kind: 'track', startLba: 0, blocks: 1, label: 'a' },
        { kind: 'gap', startLba: 1, blocks: 1000, label: 'b' },
        { kind: 'free', startLba: 1001, blocks: 1_000_000, label: 'c' },
      ],
      50,
    );
    assert.deepEqual(cells.slice(0, 2), [1, 1]);
    assert.equal(
      cells.reduce((a, b) => a + b, 0),
      50,
    );
  });
});

describe('info --map: the command', () => {
  const { imagePath } = scratchImages('discwright-disc-map-');

  it('prints the bar and the legend, and --json the same structure', async () => {
    const img = imagePath();
    // info opens read-only and never creates an image: a drive opened for writing makes it.
    await (await openVirtualDrive(dvd(img))).close();
    const text = await run(['info', '--map', dvd(img)]);
    assert.equal(text.code, 0, text.stderr.toString());
    const out = text.stdout.toString();
    assert.match(out, /^disc map: blank/);
    assert.match(out, /\n\[·+\]\n/);
    const json = await run(['info', '--map', '--json', dvd(img)]);
    assert.equal(json.code, 0, json.stderr.toString());
    const m = JSON.parse(json.stdout.toString()) as DiscMap;
    assert.equal(m.status, 'blank');
    assert.deepEqual(
      m.segments.map((s) => s.kind),
      ['free'],
    );
  });
});
