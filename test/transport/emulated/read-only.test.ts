// A virtual drive opened read-only (OpenVirtualDriveOptions.readOnly, what `discwright info` and
// `read` do): the image is opened O_RDONLY (checked in /proc, so the test means something when
// it runs as root, whom chmod does not stop), never created, nothing is written beside it, and
// every command that would record is refused with E_ACCESSDENIED before it reaches the disc,
// while reads and inspection work. Through the recorder and the write engine as a burner would
// meet it, too.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, readlink, realpath, stat, writeFile } from 'node:fs/promises';
import { DwError, HR, formatHr } from '../../../src/errors.js';
import { openVirtualDrive, type VirtualDrive } from '../../../src/transport/emulated/index.js';
import { openRecorder } from '../../../src/device/open.js';
import { WriteEngine } from '../../../src/engine/index.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { write12 } from '../../../src/scsi/block/write-12.js';
import { read10 } from '../../../src/scsi/block/read-10.js';
import { synchronizeCache10 } from '../../../src/scsi/block/synchronize-cache-10.js';
import { closeTrackSession } from '../../../src/scsi/mmc/close-track-session.js';
import { reserveTrack } from '../../../src/scsi/mmc/reserve-track.js';
import { blank } from '../../../src/scsi/mmc/blank.js';
import { formatUnit } from '../../../src/scsi/mmc/format-unit.js';
import { sendDiscStructure } from '../../../src/scsi/mmc/send-disc-structure.js';
import type { ScsiCommand } from '../../../src/scsi/command.js';
import { ScsiStatus } from '../../../src/scsi/command.js';
import { scratchImages } from '../../helpers/images.js';

const { imagePath, directory } = scratchImages('dw-read-only-');
const SECTOR = 2048;
const O_ACCMODE = 0o3;
const O_RDONLY = 0;

function pattern(blocks: number): Uint8Array {
  return new Uint8Array(blocks * SECTOR).map((_, i) => (i * 29 + (i >> 11)) & 0xff);
}

async function recordedImage(media: string, blocks: number): Promise<string> {
  const image = imagePath();
  const d = await openVirtualDrive(`virtual:${media}?image=${image}&maxTransfer=1M`);
  assert.equal(
    (await d.execute(write10({ lba: 0, transferLength: blocks, data: pattern(blocks) }))).status,
    ScsiStatus.GOOD,
  );
  await d.execute(synchronizeCache10());
  await d.close();
  return image;
}

/** Access modes (O_ACCMODE bits) of this process's open descriptors of `file`. */
async function accessModes(file: string): Promise<number[]> {
  const target = await realpath(file);
  const modes: number[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const link = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (link !== target) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const flags = /^flags:\s+([0-7]+)$/m.exec(info)?.[1];
    if (flags !== undefined) modes.push(parseInt(flags, 8) & O_ACCMODE);
  }
  return modes;
}

/** The directory's entries with their sizes and modification times. */
async function snapshot(): Promise<string[]> {
  const dir = directory();
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const st = await stat(`${dir}/${name}`);
    out.push(`${name} ${st.size} ${st.mtimeMs}`);
  }
  return out;
}

async function assertAccessDenied(d: VirtualDrive, command: ScsiCommand): Promise<void> {
  await assert.rejects(d.execute(command), (e: unknown) => {
    assert.ok(e instanceof DwError, String(e));
    assert.equal(e.hr, HR.E_ACCESSDENIED, `${command.name}: ${formatHr(e.hr)} ${e.message}`);
    assert.match(e.message, /refused: the image .* is open read-only, so nothing can be recorded/);
    assert.match(e.hint ?? '', /Open the drive for writing/);
    assert.equal(e.retryable, false);
    return true;
  });
}

describe(
  'a virtual drive opened read-only',
  { skip: process.platform !== 'linux' && 'reads /proc' },
  () => {
    it('opens the image O_RDONLY, reads it, and writes nothing beside it on close', async () => {
      const image = await recordedImage('bd-r', 30);
      const before = await snapshot();
      const d = await openVirtualDrive(`virtual:bd-r?image=${image}`, { readOnly: true });
      assert.deepEqual(await accessModes(image), [O_RDONLY]);
      const r = await d.execute(read10({ lba: 0, transferLength: 30, blockSize: SECTOR }));
      assert.deepEqual(r.dataIn, pattern(30));
      assert.equal(d.control.media.nwa, 30);
      assert.equal((await d.execute(synchronizeCache10())).status, ScsiStatus.GOOD);
      await d.close();
      assert.deepEqual(await accessModes(image), []);
      assert.deepEqual(await snapshot(), before, 'files were written or created');
    });

    it('opened for writing, the same drive holds the image O_RDWR (the check above can fail)', async () => {
      const image = await recordedImage('bd-r', 1);
      const d = await openVirtualDrive(`virtual:bd-r?image=${image}`);
      assert.deepEqual(await accessModes(image), [2]); // O_RDWR
      await d.close();
    });

    it('refuses every command that records with E_ACCESSDENIED; the disc is unchanged', async () => {
      const image = await recordedImage('dvd-rw', 16);
      const before = await snapshot();
      const bytes = await readFile(image);
      const d = await openVirtualDrive(`virtual:dvd-rw?image=${image}`, { readOnly: true });
      const data = pattern(1);
      for (const command of [
        write10({ lba: 16, transferLength: 1, data }),
        write12({ lba: 16, transferLength: 1, data }),
        reserveTrack({ arsv: false, reservationSize: 32 }),
        closeTrackSession({ closeFunction: 1, logicalTrackNumber: 1 }),
        closeTrackSession({ closeFunction: 2, logicalTrackNumber: 0 }),
        blank({ blankingType: 0 }),
        formatUnit({
          formatDescriptor: {
            numberOfBlocks: 0,
            formatType: 0x10,
            formatSubType: 0,
            typeDependentParameter: 0,
          },
        }),
        sendDiscStructure({ formatCode: 0x04, payload: new Uint8Array(2048) }),
      ]) {
        await assertAccessDenied(d, command);
      }
      assert.equal(d.control.media.nwa, 16);
      assert.equal(d.control.media.tracks.length, 1);
      await d.close();
      assert.deepEqual(await readFile(image), bytes);
      assert.deepEqual(await snapshot(), before);
    });

    it('an empty file without a sidecar reads as a blank disc, and no sidecar is created', async () => {
      const image = imagePath();
      await writeFile(image, '');
      const d = await openVirtualDrive(`virtual:dvd+r?image=${image}`, { readOnly: true });
      assert.equal(d.control.media.nwa, 0);
      await d.close();
      await assert.rejects(stat(`${image}.json`), { code: 'ENOENT' });
    });

    it('a burner on a recorder opened read-only fails with E_ACCESSDENIED and writes nothing', async () => {
      const image = await recordedImage('dvd+r', 8);
      const bytes = await readFile(image);
      const sidecar = await readFile(`${image}.json`);
      const recorder = await openRecorder(`virtual:dvd+r?image=${image}`, { readOnly: true });
      const engine = new WriteEngine();
      await engine.setRecorder(recorder);
      engine.bytesPerSector = SECTOR;
      await assert.rejects(engine.writeSection(pattern(8), 8, 8), (e: unknown) => {
        assert.ok(e instanceof DwError);
        assert.equal(e.hr, HR.E_ACCESSDENIED, e.message);
        assert.match(e.message, /read-only/);
        return true;
      });
      await recorder.close();
      assert.deepEqual(await readFile(image), bytes);
      assert.deepEqual(await readFile(`${image}.json`), sidecar);
    });
  },
);
