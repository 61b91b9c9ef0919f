// DiscFormat2Data over the virtual drive at the CDB level: a real ISO burned with FULL
// verification on every media the drive emulates, the closing commands per profile, the disc's
// state afterwards, multisession addresses, and the update events.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import {
  BurnVerificationLevel,
  Format2DataMediaState as F,
  Format2DataWriteAction as A,
  MediaPhysicalType,
} from '../../src/device/types.js';
import type { LogEntry } from '../../src/transport/emulated/index.js';
import { MEDIA_IDS } from '../../src/transport/emulated/media.js';
import { isoImage } from '../helpers/iso.js';
import { writes } from '../helpers/recorder.js';
import { closeFunctions, dataWriter } from '../helpers/format.js';

/** Blocks read by READ(10) commands in the log, from their CDB bytes 7..8. */
function blocksRead(log: readonly LogEntry[], from: number): number {
  return log
    .slice(from)
    .filter((e) => e.opcode === 0x28 && e.status === 0)
    .reduce((n, e) => n + ((e.cdb[7]! << 8) | e.cdb[8]!), 0);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What each media is left as after a default burn: state flags and the close functions sent. */
const EXPECTED: Record<string, { flags: number; closes: number[]; type: number }> = {
  'cd-r': { flags: F.APPENDABLE, closes: [1, 2], type: MediaPhysicalType.CDR },
  'cd-rw': { flags: F.APPENDABLE, closes: [1, 2], type: MediaPhysicalType.CDRW },
  'dvd-r': { flags: F.APPENDABLE, closes: [1, 2], type: MediaPhysicalType.DVDDASHR },
  'dvd-rw': { flags: F.APPENDABLE, closes: [1, 2], type: MediaPhysicalType.DVDDASHRW },
  'dvd+r': { flags: F.FINALIZED, closes: [1, 5], type: MediaPhysicalType.DVDPLUSR },
  'dvd+r-dl': { flags: F.FINALIZED, closes: [1, 5], type: MediaPhysicalType.DVDPLUSR_DUALLAYER },
  'dvd+rw': { flags: F.OVERWRITE_ONLY, closes: [2], type: MediaPhysicalType.DVDPLUSRW },
  'dvd-ram': { flags: F.OVERWRITE_ONLY, closes: [], type: MediaPhysicalType.DVDRAM },
  'bd-r': { flags: F.APPENDABLE, closes: [1, 2], type: MediaPhysicalType.BDR },
  'bd-re': { flags: F.OVERWRITE_ONLY, closes: [], type: MediaPhysicalType.BDRE },
};

describe('DiscFormat2Data burns an ISO with FULL verification', () => {
  for (const media of MEDIA_IDS) {
    it(`on ${media}`, async () => {
      const { bytes: iso } = await isoImage();
      const { data, drive, log } = await dataWriter(`virtual:${media}`);
      const expected = EXPECTED[media]!;
      assert.equal(await data.getCurrentPhysicalMediaType(), expected.type);
      // DVD-RAM comes formatted: never physically blank, but blank to a file system.
      assert.equal(await data.getMediaPhysicallyBlank(), media !== 'dvd-ram');
      assert.equal(await data.getMediaHeuristicallyBlank(), true);
      data.burnVerificationLevel = BurnVerificationLevel.FULL;
      const result = await data.write(iso);

      const blocks = iso.length / 2048;
      assert.equal(result.blocks, blocks);
      assert.equal(result.startLba, 0);
      assert.equal(result.sha256, sha256(iso));
      const recorded = await drive.control.media.readBlocks(0, blocks);
      assert.ok(Buffer.from(recorded).equals(Buffer.from(iso)), 'the disc differs from the ISO');
      // Every written block was read back by the drive after the last WRITE.
      const lastWrite = log.lastIndexOf(writes(log).at(-1)!);
      assert.ok(blocksRead(log, lastWrite) >= blocks, 'FULL read back less than was written');
      assert.deepEqual(closeFunctions(log), expected.closes);
      assert.equal(await data.getCurrentMediaStatus(), expected.flags);
      assert.equal(result.mediaStateAfter, expected.flags);
    });
  }
});

describe('DiscFormat2Data sources', () => {
  it('takes a path, a FileHandle, and a Readable, an iterable or a BlockReader with sizeBytes', async () => {
    const { bytes: iso } = await isoImage();
    const path = join(await mkdtemp(join(tmpdir(), 'discwright-src-')), 'a.iso');
    await writeFile(path, iso);
    const handle = await open(path, 'r');
    const chunks = () => [iso.subarray(0, 5000), iso.subarray(5000)];
    let at = 0;
    const reader = {
      readInto(dst: Uint8Array) {
        const n = Math.min(dst.length, iso.length - at);
        dst.set(iso.subarray(at, at + n));
        at += n;
        return Promise.resolve(n);
      },
    };
    try {
      for (const [name, source, size] of [
        ['path', path, undefined],
        ['FileHandle', handle, undefined],
        ['Readable', Readable.from(chunks()), iso.length],
        [
          'iterable',
          (async function* () {
            yield* chunks();
          })(),
          iso.length,
        ],
        ['BlockReader', reader, iso.length],
      ] as const) {
        const { data, drive } = await dataWriter('virtual:bd-re?formatted=on');
        const r = await data.write(source, size === undefined ? {} : { sizeBytes: size });
        assert.equal(r.sha256, sha256(iso), name);
        const recorded = await drive.control.media.readBlocks(0, iso.length / 2048);
        assert.ok(Buffer.from(recorded).equals(Buffer.from(iso)), name);
      }
    } finally {
      await handle.close();
      await rm(dirname(path), { recursive: true, force: true });
    }
  });
});

describe('DiscFormat2Data media state and addresses', () => {
  it('reports a blank sequential disc: BLANK, NWA 0, all sectors free, no previous session', async () => {
    const { data, drive } = await dataWriter('virtual:dvd+r?capacity=100000');
    assert.equal(await data.getCurrentMediaStatus(), F.BLANK);
    assert.equal(await data.getNextWritableAddress(), 0);
    assert.equal(await data.getFreeSectorsOnMedia(), 100000);
    assert.equal(await data.getTotalSectorsOnMedia(), 100000);
    assert.equal(await data.getStartAddressOfPreviousSession(), -1);
    assert.equal(await data.getLastWrittenAddressOfPreviousSession(), -1);
    assert.equal(await data.getMediaHeuristicallyBlank(), true);
    assert.equal(drive.control.media.discStatus, 'blank');
  });

  it('reports unformatted overwrite media as BLANK | OVERWRITE_ONLY, formatted as OVERWRITE_ONLY', async () => {
    const blank = await dataWriter('virtual:bd-re');
    assert.equal(await blank.data.getCurrentMediaStatus(), F.BLANK | F.OVERWRITE_ONLY);
    const formatted = await dataWriter('virtual:bd-re?formatted=on');
    assert.equal(await formatted.data.getCurrentMediaStatus(), F.OVERWRITE_ONLY);
    assert.equal(await formatted.data.getMediaPhysicallyBlank(), false);
    assert.equal(await formatted.data.getMediaHeuristicallyBlank(), true);
    assert.equal(await formatted.data.getNextWritableAddress(), 0);
    assert.equal(
      await formatted.data.getTotalSectorsOnMedia(),
      formatted.drive.control.media.capacity,
    );
  });

  for (const media of ['cd-r', 'dvd-r', 'dvd+r', 'bd-r']) {
    it(`appends a second session on ${media} and reports where the previous one lies`, async () => {
      const { bytes: iso } = await isoImage();
      const { data, drive } = await dataWriter(`virtual:${media}`);
      data.disableConsumerDvdCompatibilityMode = true; // DVD+R: close the session only
      data.burnVerificationLevel = BurnVerificationLevel.FULL;
      const first = await data.write(iso);
      assert.equal(first.closing, 'session');
      assert.equal(await data.getCurrentMediaStatus(), F.APPENDABLE);
      const track1 = drive.control.media.tracks[0]!;
      assert.equal(await data.getStartAddressOfPreviousSession(), 0);
      assert.equal(
        await data.getLastWrittenAddressOfPreviousSession(),
        track1.start + track1.size! - 1,
      );
      const nwa = await data.getNextWritableAddress();
      assert.equal(nwa, drive.control.media.nwa);
      assert.ok(nwa >= track1.start + track1.size!);

      const second = await data.write(iso);
      assert.equal(second.startLba, nwa);
      assert.equal(await data.getStartAddressOfPreviousSession(), nwa);
      const recorded = await drive.control.media.readBlocks(nwa, iso.length / 2048);
      assert.ok(Buffer.from(recorded).equals(Buffer.from(iso)));
      assert.equal(drive.control.media.sessions.filter((s) => s.closed).length, 2);
    });
  }

  it('finalizes when forceMediaToBeClosed is set, then refuses the next write', async () => {
    const { bytes: iso } = await isoImage();
    const { data, log } = await dataWriter('virtual:cd-r');
    data.forceMediaToBeClosed = true;
    const r = await data.write(iso);
    assert.equal(r.closing, 'finalize');
    assert.equal(await data.getCurrentMediaStatus(), F.FINALIZED);
    const before = writes(log).length;
    await assert.rejects(data.write(iso), { code: 'E_IMAPI_DF2DATA_MEDIA_NOT_BLANK' });
    assert.equal(writes(log).length, before, 'a WRITE was sent to a closed disc');
  });

  it('reports a finalized CD-RW as FINALIZED | ERASE_REQUIRED', async () => {
    const { bytes: iso } = await isoImage();
    const { data } = await dataWriter('virtual:cd-rw');
    data.forceMediaToBeClosed = true;
    await data.write(iso);
    assert.equal(await data.getCurrentMediaStatus(), F.FINALIZED | F.ERASE_REQUIRED);
  });

  it('closes DVD+R DL (finalize 110b) and BD-R (110b) as IMAPI2 does when forced', async () => {
    const { bytes: iso } = await isoImage();
    for (const [media, fn] of [
      ['dvd+r-dl', 6],
      ['bd-r', 6],
      ['dvd+r', 6],
    ] as const) {
      const { data, log } = await dataWriter(`virtual:${media}`);
      data.disableConsumerDvdCompatibilityMode = true;
      data.forceMediaToBeClosed = true;
      await data.write(iso);
      assert.deepEqual(closeFunctions(log), [1, fn], media);
      assert.equal(await data.getCurrentMediaStatus(), F.FINALIZED, media);
    }
  });

  it('emits the phases in order, the engine args while writing and monotonic times', async () => {
    const { bytes: iso } = await isoImage();
    const { data } = await dataWriter('virtual:dvd+rw');
    data.burnVerificationLevel = BurnVerificationLevel.FULL;
    const seen: { action: number; elapsed: number; lastWrittenLba?: number; verified?: number }[] =
      [];
    data.on('update', (sender, a) => {
      assert.equal(sender, data);
      assert.ok(a.totalTime >= a.elapsedTime);
      seen.push({
        action: a.currentAction,
        elapsed: a.elapsedTime,
        ...(a.lastWrittenLba === undefined ? {} : { lastWrittenLba: a.lastWrittenLba }),
        ...(a.blocksVerified === undefined ? {} : { verified: a.blocksVerified }),
      });
    });
    await data.write(iso);
    const actions = seen.map((s) => s.action).filter((a, i, all) => a !== all[i - 1]);
    assert.deepEqual(actions, [
      A.VALIDATING_MEDIA,
      A.FORMATTING_MEDIA,
      A.INITIALIZING_HARDWARE,
      A.WRITING_DATA,
      A.FINALIZATION,
      A.VERIFYING,
      A.COMPLETED,
    ]);
    const writing = seen.filter((s) => s.lastWrittenLba !== undefined);
    assert.equal(writing.at(-1)!.lastWrittenLba, iso.length / 2048 - 1);
    assert.ok(writing.every((s) => s.action === A.WRITING_DATA));
    assert.equal(seen.filter((s) => s.verified !== undefined).at(-1)!.verified, iso.length / 2048);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.elapsed >= seen[i - 1]!.elapsed);
  });
});
