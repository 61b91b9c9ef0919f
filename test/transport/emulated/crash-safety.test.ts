// Crash safety of the image-backed virtual drive (docs/virtual-drive.md, "Persistence"): the
// layout follows the data into the sidecar while a section is written (image/layout-saves.ts),
// never ahead of the image; the main area's block size is saved before its first data; what is
// acknowledged but not in the image stays within the declared buffer; and a disc opened after a
// crash takes the blocks the image holds past its saved NWA as recorded (layout-recovery.ts).
// test/cli/crash.test.ts kills the real CLI at random points; these are the pieces, one by one.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DwError } from '../../../src/errors.js';
import { closeTrack, writablePosition } from '../../../src/device/media-ops.js';
import type { ScsiCommand } from '../../../src/scsi/command.js';
import { write10 } from '../../../src/scsi/block/write-10.js';
import { blank, BlankingType } from '../../../src/scsi/mmc/blank.js';
import type { DataOutHold } from '../../../src/transport/transport.js';
import { FileStore } from '../../../src/transport/emulated/image/file-store.js';
import { fileBytes, scratchImages } from '../../helpers/images.js';
import { pattern, rig, type Rig } from '../../helpers/recorder.js';
import { WriteEngine } from '../../../src/engine/index.js';

const SECTOR = 2048;
const KiB = 1024;
const MiB = 1024 * KiB;
const { imagePath } = scratchImages('dw-crash-safety-');

interface SidecarView {
  readonly stride: number | null;
  readonly disc: { readonly tracks: readonly { start: number; nwa: number }[] };
}

async function sidecarOf(img: string): Promise<SidecarView> {
  return JSON.parse(await readFile(`${img}.json`, 'utf8')) as SidecarView;
}

async function imageBlocks(img: string): Promise<number> {
  return Math.floor((await stat(img)).size / SECTOR);
}

async function burner(address: string): Promise<Rig & { engine: WriteEngine }> {
  const r = await rig(address);
  const engine = new WriteEngine({ clock: r.clock });
  await engine.setRecorder(r.recorder);
  engine.bytesPerSector = SECTOR;
  return { ...r, engine };
}

/** The READ of [lba, lba + blocks) fails with a DwError (unrecorded or out of range). */
async function unreadable(r: Rig, lba: number): Promise<void> {
  await assert.rejects(r.recorder.readBlocks(lba, 1), DwError);
}

/**
 * Runs a child that writes `blocks` blocks of pattern() from LBA 0, through a write engine (held
 * WRITEs) or with plain WRITE(10)s of 64 KiB (copied into the cache), to an image on a slow disk,
 * and kills itself (SIGKILL) once the drive has acknowledged half of them; returns how many it
 * had acknowledged then.
 */
function writeAndDie(address: string, blocks: number, via: 'engine' | 'raw'): number {
  const mod = (p: string): string =>
    JSON.stringify(new URL(`../../../src/${p}`, import.meta.url).href);
  const script = [
    `import { writeSync } from 'node:fs';`,
    `import { openVirtualDrive } from ${mod('transport/emulated/index.js')};`,
    `import { DiscRecorder } from ${mod('device/recorder.js')};`,
    `import { WriteEngine } from ${mod('engine/index.js')};`,
    `import { write10 } from ${mod('scsi/block/write-10.js')};`,
    `const data = new Uint8Array(${blocks * SECTOR});`,
    `for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;`,
    // A slow disk (1 ms a write): the writer thread falls behind, as far as the drive lets it.
    `const slow = { afterBytes: Number.MAX_SAFE_INTEGER, code: 'EIO', stallMs: 1 };`,
    `const drive = await openVirtualDrive(${JSON.stringify(address)}, { imageWriteFault: slow });`,
    `const recorder = await DiscRecorder.fromTransport(drive);`,
    // Acknowledged: the blocks of every WRITE the drive has completed with GOOD status.
    `const check = () => {`,
    `  let acked = 0;`,
    `  for (const e of drive.control.log) {`,
    `    if (e.opcode === 0x2a && e.status === 0) acked += e.dataOutBytes / ${SECTOR};`,
    `  }`,
    `  if (acked < ${blocks / 2}) return;`,
    `  writeSync(1, String(acked));`,
    `  process.kill(process.pid, 'SIGKILL');`,
    `};`,
    `if (${JSON.stringify(via)} === 'engine') {`,
    `  setInterval(check, 1);`,
    `  const engine = new WriteEngine();`,
    `  await engine.setRecorder(recorder);`,
    `  engine.bytesPerSector = ${SECTOR};`,
    `  await engine.writeSection(data, 0, ${blocks});`,
    `} else {`,
    `  for (let lba = 0; lba < ${blocks}; lba += 32) {`,
    `    const chunk = data.subarray(lba * ${SECTOR}, (lba + 32) * ${SECTOR});`,
    `    await recorder.executeCommand(write10({ lba, transferLength: 32, data: chunk }));`,
    `    check();`,
    `  }`,
    `}`,
  ].join('\n');
  // The timeout only ends a hung child; it asserts no duration.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.signal, 'SIGKILL', `the child ended otherwise: ${r.status} ${r.stderr}`);
  const acked = Number(r.stdout);
  assert.ok(acked >= blocks / 2 && acked <= blocks, `acknowledged: ${r.stdout}`);
  return acked;
}

describe('crash safety: killed in the middle of a section, the image on a slow disk', () => {
  const BUFFER = 256 * KiB;
  const lost = BUFFER / SECTOR;
  const blocks = 8192;
  const cases: [string, 'engine' | 'raw'][] = [
    ['bd-r', 'engine'],
    ['dvd+r', 'engine'],
    ['cd-r', 'engine'],
    ['dvd-ram', 'engine'],
    ['bd-r', 'raw'],
    ['dvd-ram', 'raw'],
  ];
  for (const [media, via] of cases) {
    const how = via === 'engine' ? 'held WRITEs' : 'cached WRITEs';
    it(`${media}, ${how}: at most the declared buffer (256 KiB) is lost; NWA and image agree; the disc goes on`, async () => {
      const img = imagePath();
      const address = `virtual:${media}?image=${img}&buffer=256k&log=10000`;
      const acked = writeAndDie(address, blocks, via);
      const data = pattern(blocks * SECTOR);
      const r = await rig(address);
      try {
        const declared = await r.recorder.bufferCapacity();
        assert.ok(!declared.blockDataReturned && declared.bufferLengthBytes === BUFFER);
        let end = acked - lost;
        if (media !== 'dvd-ram') {
          const nwa = (await writablePosition(r.recorder)).nextWritableAddress;
          assert.ok(nwa !== undefined, 'an NWA');
          assert.ok(nwa >= acked - lost && nwa <= blocks, `NWA ${nwa}, ${acked} acknowledged`);
          assert.ok((await imageBlocks(img)) <= nwa, 'no block in the image past the NWA');
          end = nwa;
          await unreadable(r, nwa);
          // A write-once disc never takes a recorded block again; the NWA takes the next one.
          await assert.rejects(r.recorder.executeCommand(writeOf(nwa - 1, 1)), DwError);
          await r.recorder.executeCommand(writeOf(nwa, 16));
          assert.deepEqual(await r.recorder.readBlocks(nwa, 16), pattern(16 * SECTOR));
        }
        for (let lba = 0; lba < end; lba += 32) {
          const n = Math.min(32, end - lba);
          const got = await r.recorder.readBlocks(lba, n);
          if (!Buffer.from(got).equals(data.subarray(lba * SECTOR, (lba + n) * SECTOR))) {
            assert.fail(`LBA ${lba}..${lba + n - 1} do not read back as written`);
          }
        }
      } finally {
        await r.recorder.close();
      }
    });
  }
});

/** WRITE(10) of `blocks` blocks of pattern() at `lba`. */
function writeOf(lba: number, blocks: number): ScsiCommand {
  return write10({ lba, transferLength: blocks, data: pattern(blocks * SECTOR) });
}

describe('crash safety: layout saves while a section is written', () => {
  it('the sidecar follows the data without SYNCHRONIZE CACHE, and never describes blocks the image lacks', async () => {
    const img = imagePath();
    const b = await burner(`virtual:bd-r?image=${img}&speed=max`);
    const blocks = 20 * 512; // 20 MiB
    try {
      await b.engine.writeSection(pattern(blocks * SECTOR), 0, blocks);
      // The last checkpoint comes about a second after the last WRITE; the wait is bounded.
      let nwa = 0;
      for (let i = 0; i < 100 && nwa < blocks; i++) {
        const side = await sidecarOf(img);
        const image = await imageBlocks(img);
        nwa = side.disc.tracks[0]?.nwa ?? 0;
        assert.ok(nwa <= image, `sidecar NWA ${nwa}, image ${image} blocks`);
        if (nwa < blocks) await sleep(50);
      }
      assert.equal(nwa, blocks, 'the sidecar caught up with the section');
      assert.equal(b.log.filter((e) => e.name.startsWith('SYNCHRONIZE')).length, 0);
    } finally {
      await b.recorder.close();
    }
  });

  it('the block size reaches the sidecar before the first data reaches the image (DVD-RAM reads after a crash)', async () => {
    const img = imagePath();
    const r = await rig(`virtual:dvd-ram?image=${img}`);
    try {
      assert.equal((await sidecarOf(img)).stride, null);
      await r.recorder.executeCommand(writeOf(100, 16));
      // No SYNCHRONIZE CACHE, no checkpoint awaited: the WRITE itself saved it.
      assert.equal((await sidecarOf(img)).stride, SECTOR);
    } finally {
      await r.recorder.close();
    }
  });

  it('BLANK while a checkpoint may be under way: the sidecar ends blank, with the image empty', async () => {
    const img = imagePath();
    const b = await burner(`virtual:cd-rw?image=${img}&speed=max`);
    const blocks = 34 * 512; // the first WRITE starts a checkpoint; it may still be under way
    try {
      await b.engine.writeSection(pattern(blocks * SECTOR), 0, blocks);
      await b.recorder.executeCommand(blank({ blankingType: BlankingType.BLANK_DISC }));
    } finally {
      await b.recorder.close();
    }
    const side = await sidecarOf(img);
    assert.deepEqual(
      side.disc.tracks.map((t) => t.nwa - t.start),
      [0],
    );
    assert.equal((await stat(img)).size, 0);
  });
});

describe('crash safety: opening a disc whose image holds more than its last save', () => {
  it('BD-R: the blocks past the saved NWA are recorded; the next WRITE goes after them', async () => {
    const img = imagePath();
    const address = `virtual:bd-r?image=${img}&maxTransfer=1m`;
    const first = await rig(address);
    await first.recorder.executeCommand(writeOf(0, 100));
    await first.recorder.synchronizeCache();
    await first.recorder.close();
    assert.equal((await sidecarOf(img)).disc.tracks[0]?.nwa, 100);
    // What a writer thread put in the file after the last save, then a block cut short.
    const tail = pattern(51 * SECTOR).subarray(SECTOR);
    await appendFile(img, tail);
    await appendFile(img, new Uint8Array(1000));
    const r = await rig(address);
    try {
      const pos = await writablePosition(r.recorder);
      assert.equal(pos.nextWritableAddress, 150);
      assert.deepEqual(await r.recorder.readBlocks(100, 50).then((d) => d.slice()), tail);
      await unreadable(r, 150);
      await assert.rejects(r.recorder.executeCommand(writeOf(100, 1)), DwError);
      await r.recorder.executeCommand(writeOf(150, 16));
      assert.deepEqual(await r.recorder.readBlocks(150, 16), pattern(16 * SECTOR));
    } finally {
      await r.recorder.close();
    }
    assert.equal((await sidecarOf(img)).disc.tracks[0]?.nwa, 166);
  });

  it('blocks within a closed track, and any on a random-writable disc, change nothing', async () => {
    for (const media of ['dvd+r', 'dvd-ram']) {
      const img = imagePath();
      const address = `virtual:${media}?image=${img}&maxTransfer=1m`;
      const first = await rig(address);
      // DVD+R: 20 blocks, closed: the track is 32 blocks (ECC blocks of 16), 20 in the image.
      await first.recorder.executeCommand(writeOf(0, 20));
      if (media === 'dvd+r') await closeTrack(first.recorder, 1);
      const nwa = (await writablePosition(first.recorder)).nextWritableAddress;
      await first.recorder.close();
      const before = await readFile(`${img}.json`, 'utf8');
      await appendFile(img, pattern(10 * SECTOR));
      const r = await rig(address);
      try {
        assert.equal((await writablePosition(r.recorder)).nextWritableAddress, nwa);
      } finally {
        await r.recorder.close();
      }
      assert.equal(await readFile(`${img}.json`, 'utf8'), before);
    }
  });
});

describe('FileStore: acknowledged bytes not yet in the image stay within the bound', () => {
  const LIMIT = 256 * KiB;
  function hold(): DataOutHold {
    return { release: () => undefined };
  }
  it('copied and held WRITEs, and a held WRITE larger than the bound', async () => {
    const img = imagePath();
    const store = await FileStore.open(img);
    store.limitUnwritten(LIMIT);
    const copied = pattern(6 * MiB);
    const sharedBuf = new Uint8Array(new SharedArrayBuffer(6 * MiB));
    sharedBuf.set(pattern(6 * MiB).map((v) => v ^ 0x5a));
    let most = 0;
    try {
      for (let at = 0; at < copied.length; at += 64 * KiB) {
        await store.write(at / SECTOR, SECTOR, copied.subarray(at, at + 64 * KiB));
        most = Math.max(most, store.cachedBytes);
      }
      const base = copied.length / SECTOR;
      for (let at = 0; at < 4 * MiB; at += 64 * KiB) {
        const keeper = { hold: hold(), kept: false };
        await store.write(
          base + at / SECTOR,
          SECTOR,
          sharedBuf.subarray(at, at + 64 * KiB),
          keeper,
        );
        most = Math.max(most, store.cachedBytes);
      }
      // 1 MiB in one WRITE, four times the bound: taken in parts, not held whole.
      const big = { hold: hold(), kept: false };
      await store.write(base + 2048, SECTOR, sharedBuf.subarray(4 * MiB, 5 * MiB), big);
      most = Math.max(most, store.cachedBytes);
      assert.equal(big.kept, false);
      assert.ok(most > 0 && most <= LIMIT, `${most} bytes not yet in the image`);
      await store.sync();
    } finally {
      await store.close();
    }
    const file = await fileBytes(img);
    assert.deepEqual(file.subarray(0, copied.length), copied);
    assert.deepEqual(file.subarray(copied.length), sharedBuf.subarray(0, 5 * MiB));
  });
});
