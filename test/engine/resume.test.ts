// resumeSection: a section interrupted by a vanished device is finished from the drive's next
// writable address after the image is reopened, checked at the CDB level through the virtual
// drive's command log and byte for byte against the image file, on a virtual clock.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteEngine, resumeSection } from '../../src/engine/index.js';
import { closeTrack, openRecorder, type DiscRecorder } from '../../src/device/index.js';
import { HR } from '../../src/errors.js';
import { VirtualClock } from '../../src/transport/clock.js';
import type { LogEntry, VirtualDrive } from '../../src/transport/emulated/index.js';
import { cdbBlocks, cdbLba, pattern, rejectsWith, writes } from '../helpers/recorder.js';

const SECTOR = 2048;

let dir = '';
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'discwright-resume-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function imageAddress(media = 'dvd+r', extra = ''): string {
  return `virtual:${media}?image=${join(dir, `disc-${++n}.img`)}${extra}`;
}

function imagePath(address: string): string {
  return /image=([^&]+)/.exec(address)![1]!;
}

interface Opened {
  readonly recorder: DiscRecorder;
  readonly drive: VirtualDrive;
  readonly log: LogEntry[];
  readonly engine: WriteEngine;
}

async function openAt(address: string, clock: VirtualClock): Promise<Opened> {
  const recorder = await openRecorder(address, { clock });
  const drive = recorder.transport as VirtualDrive;
  const engine = new WriteEngine({ clock });
  await engine.setRecorder(recorder);
  engine.bytesPerSector = SECTOR;
  return { recorder, drive, log: drive.control.log, engine };
}

/** The WRITEs of a log as [lba, blocks] pairs, read from the CDB bytes. */
function writeRanges(log: readonly LogEntry[]): [number, number][] {
  return writes(log).map((e) => [cdbLba(e), cdbBlocks(e)]);
}

/** Asserts the WRITEs are contiguous from `from` and cover exactly `blocks` blocks. */
function assertContiguous(ranges: [number, number][], from: number, blocks: number): void {
  assert.ok(ranges.length > 0, 'no WRITE was sent');
  let at = from;
  for (const [lba, count] of ranges) {
    assert.equal(lba, at, `WRITE at LBA ${lba}, expected ${at}`);
    at += count;
  }
  assert.equal(at - from, blocks);
}

/** Writes `blocks` blocks, lets the device vanish after `commands` commands, then closes. */
async function interrupted(
  address: string,
  clock: VirtualClock,
  source: Uint8Array | string,
  startLba: number,
  blocks: number,
  commands: number,
): Promise<number> {
  const first = await openAt(address, clock);
  first.drive.control.faults.vanishAfter(commands);
  const e = await rejectsWith(first.engine.writeSection(source, startLba, blocks));
  assert.equal(e.hr, HR.ERROR_DEV_NOT_EXIST, e.message);
  const nwa = first.drive.control.media.nwa;
  assert.ok(nwa !== undefined && nwa > startLba && nwa < startLba + blocks, `NWA ${nwa}`);
  // Closing a vanished drive still flushes the image and its sidecar, as a drive keeps what it
  // recorded when the host loses it.
  await first.recorder.close();
  return nwa;
}

describe('resumeSection after a vanished device', () => {
  it('finishes a path source from the NWA: the image equals the source byte for byte', async () => {
    const clock = new VirtualClock();
    const address = imageAddress();
    const blocks = 1000;
    const data = pattern(blocks * SECTOR);
    const src = join(dir, 'source-1000.bin');
    await writeFile(src, data);
    const nwa = await interrupted(address, clock, src, 0, blocks, 9);

    const again = await openAt(address, clock);
    const result = await resumeSection(again.engine, src, 0, blocks);
    assert.deepEqual(result, { resumedAt: nwa, skippedBlocks: nwa, writtenBlocks: blocks - nwa });
    assertContiguous(writeRanges(again.log), nwa, blocks - nwa);
    // The track was asked for by LBA before any WRITE.
    const firstWrite = again.log.findIndex((e) => e.opcode === 0x2a || e.opcode === 0xaa);
    const rti = again.log.findIndex((e) => e.opcode === 0x52);
    assert.ok(rti >= 0 && rti < firstWrite, 'READ TRACK INFORMATION precedes the WRITEs');
    assert.equal(again.log[rti]!.cdb[1]! & 0x03, 0, 'Address/Number Type 00b (LBA)');
    assert.equal(again.drive.control.media.nwa, blocks);
    await again.recorder.close();

    const image = await readFile(imagePath(address));
    assert.ok(image.length >= data.length);
    assert.ok(image.subarray(0, data.length).equals(data), 'image differs from the source');
  });

  it('maps a section that does not start at LBA 0 onto the right source bytes', async () => {
    const clock = new VirtualClock();
    const address = imageAddress('bd-r');
    const head = pattern(100 * SECTOR).map((b) => b ^ 0x5a);
    const blocks = 700;
    const data = pattern(blocks * SECTOR);
    // A first, complete section occupies LBA 0..99.
    {
      const first = await openAt(address, clock);
      await first.engine.writeSection(head, 0, 100);
      await first.recorder.close();
    }
    const nwa = await interrupted(address, clock, data, 100, blocks, 6);

    const again = await openAt(address, clock);
    const result = await resumeSection(again.engine, data, 100, blocks);
    assert.equal(result.resumedAt, nwa);
    assert.equal(result.skippedBlocks, nwa - 100);
    assert.equal(result.writtenBlocks, 100 + blocks - nwa);
    assertContiguous(writeRanges(again.log), nwa, 100 + blocks - nwa);
    assert.deepEqual(
      await again.drive.control.media.readBlocks(0, 100 + blocks),
      Uint8Array.from([...head, ...data]),
    );
    await again.recorder.close();
  });

  it('reads a FileHandle at sourceOffset with positioned reads, whatever its position', async () => {
    const clock = new VirtualClock();
    const address = imageAddress();
    const blocks = 400;
    const data = pattern(blocks * SECTOR);
    const prefix = new Uint8Array(3 * SECTOR + 5).fill(0xee);
    const src = join(dir, 'source-offset.bin');
    await writeFile(src, Uint8Array.from([...prefix, ...data]));
    const nwa = await interrupted(address, clock, data, 0, blocks, 5);

    const again = await openAt(address, clock);
    const fh = await open(src, 'r');
    try {
      // Leave the handle somewhere unrelated, as an interrupted reader would.
      await fh.read(new Uint8Array(7777), 0, 7777, null);
      const result = await resumeSection(again.engine, fh, 0, blocks, {
        sourceOffset: prefix.length,
      });
      assert.equal(result.resumedAt, nwa);
    } finally {
      await fh.close();
    }
    assert.deepEqual(await again.drive.control.media.readBlocks(0, blocks), data);
    await again.recorder.close();
  });

  it('a complete section writes nothing', async () => {
    const clock = new VirtualClock();
    const address = imageAddress();
    const data = pattern(64 * SECTOR);
    const first = await openAt(address, clock);
    await first.engine.writeSection(data, 0, 64);
    const before = first.log.length;
    const result = await resumeSection(first.engine, data, 0, 64);
    assert.deepEqual(result, { resumedAt: 64, skippedBlocks: 64, writtenBlocks: 0 });
    assert.deepEqual(writeRanges(first.log.slice(before)), []);
    await first.recorder.close();
  });
});

describe('resumeSection refusals (nothing is written)', () => {
  it('a closed track: no next writable address', async () => {
    const clock = new VirtualClock();
    const t = await openAt(imageAddress(), clock);
    const data = pattern(64 * SECTOR);
    await t.engine.writeSection(data, 0, 64);
    await closeTrack(t.recorder, 1);
    const before = t.log.length;
    const e = await rejectsWith(resumeSection(t.engine, data, 0, 64));
    assert.equal(e.hr, HR.ERROR_INVALID_ADDRESS);
    assert.match(e.message, /no next writable address for track 1/);
    assert.match(e.message, /NWA_V = 0/);
    assert.deepEqual(writeRanges(t.log.slice(before)), []);
    await t.recorder.close();
  });

  for (const media of ['dvd+rw', 'bd-re', 'dvd-ram']) {
    it(`random-writable media (${media}): the section must be written again whole`, async () => {
      const clock = new VirtualClock();
      const t = await openAt(imageAddress(media, '&formatted=on'), clock);
      const data = pattern(32 * SECTOR);
      await t.engine.writeSection(data, 0, 32);
      const before = t.log.length;
      const e = await rejectsWith(resumeSection(t.engine, data, 0, 32));
      assert.equal(e.hr, HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);
      assert.match(e.message, /random-writable/);
      assert.match(e.message, /writeSection/);
      const after = t.log.slice(before);
      assert.deepEqual(writeRanges(after), []);
      assert.ok(!after.some((x) => x.opcode === 0x52), 'refused before READ TRACK INFORMATION');
      await t.recorder.close();
    });
  }

  it('an NWA beyond the section: the drive holds more than this section wrote', async () => {
    const clock = new VirtualClock();
    const t = await openAt(imageAddress(), clock);
    const data = pattern(200 * SECTOR);
    await t.engine.writeSection(data, 0, 200);
    const before = t.log.length;
    const e = await rejectsWith(resumeSection(t.engine, data, 0, 100));
    assert.equal(e.hr, HR.ERROR_INVALID_ADDRESS);
    assert.match(e.message, /LBA 200, beyond the section's end/);
    assert.equal(e.lba, 200);
    assert.deepEqual(writeRanges(t.log.slice(before)), []);
    await t.recorder.close();
  });

  it('an NWA before the section: a gap is never filled', async () => {
    const clock = new VirtualClock();
    const t = await openAt(imageAddress(), clock);
    await t.engine.writeSection(pattern(50 * SECTOR), 0, 50);
    const before = t.log.length;
    const e = await rejectsWith(resumeSection(t.engine, pattern(10 * SECTOR), 300, 10));
    assert.equal(e.hr, HR.ERROR_INVALID_ADDRESS);
    assert.match(e.message, /LBA 50, before the section; blocks 50\.\.299 were never written/);
    assert.deepEqual(writeRanges(t.log.slice(before)), []);
    await t.recorder.close();
  });

  it('streams, a missing recorder and bad arguments are refused before any command', async () => {
    const clock = new VirtualClock();
    const t = await openAt(imageAddress(), clock);
    const before = t.log.length;
    const stream = Readable.from([new Uint8Array(SECTOR)]);
    const e1 = await rejectsWith(resumeSection(t.engine, stream as never, 0, 1));
    assert.equal(e1.hr, HR.E_INVALIDARG);
    assert.match(e1.message, /seekable source/);
    for (const [start, count] of [
      [0, 0],
      [0.5, 1],
      [0x7fffffff, 2],
    ] as const) {
      assert.equal(
        (await rejectsWith(resumeSection(t.engine, new Uint8Array(0), start, count))).hr,
        HR.E_INVALIDARG,
      );
    }
    assert.equal(
      (await rejectsWith(resumeSection(t.engine, new Uint8Array(0), 0, 1, { sourceOffset: -1 })))
        .hr,
      HR.E_INVALIDARG,
    );
    assert.equal(t.log.length, before, 'nothing was sent');
    const bare = new WriteEngine({ clock });
    bare.bytesPerSector = SECTOR;
    assert.equal(
      (await rejectsWith(resumeSection(bare, new Uint8Array(SECTOR), 0, 1))).hr,
      HR.E_IMAPI_RECORDER_REQUIRED,
    );
    await t.recorder.close();
  });
});
