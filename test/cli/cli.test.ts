// The built discwright command, spawned as a user runs it: output, files and exit status over
// image-backed virtual drives.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  SECTOR,
  blocksOf,
  collectOpen,
  dvd,
  jsonLines,
  run,
  runPacedWriteInterrupted,
  start,
} from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';

const { imagePath: image, filePath, directory } = scratchImages('discwright-cli-');

describe('discwright write-section', () => {
  it('writes a file to the image byte for byte and exits 0', async () => {
    const img = image();
    const src = filePath('src-300.bin');
    const data = blocksOf(300);
    await writeFile(src, data);
    const r = await run(['write-section', dvd(img), src, '--lba', '0']);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    assert.match(text, /100% 0\.6 MB of 0\.6 MB .* MB\/s \(\d+\.\dx\) \| host \d+% drive/);
    assert.match(text, /wrote 300 blocks \(0\.6 MB\) to LBA 0\.\.299/);
    const written = await readFile(img);
    assert.ok(written.length >= data.length);
    assert.ok(written.subarray(0, data.length).equals(data), 'image differs from the source');
  });

  it('--json prints one object per update, then the result object', async () => {
    const img = image();
    const src = filePath('src-json.bin');
    await writeFile(src, blocksOf(100, 3));
    const r = await run(['write-section', dvd(img), src, '--lba', '0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.ok(lines.length >= 3, 'update #1, the final update and the result');
    const updates = lines.slice(0, -1);
    for (const u of updates) {
      assert.equal(u.event, 'update');
      for (const k of [
        'startLba',
        'sectorCount',
        'lastReadLba',
        'lastWrittenLba',
        'totalSystemBuffer',
        'usedSystemBuffer',
        'freeSystemBuffer',
        'blocksWritten',
        'elapsedMs',
        'etaMs',
      ]) {
        assert.ok(k in u, `update lacks ${k}`);
      }
      assert.equal(u.sectorCount, 100);
    }
    assert.equal(updates[0]?.blocksWritten, 0);
    assert.equal(updates[0]?.final, false);
    assert.equal(updates.at(-1)?.final, true);
    assert.equal(updates.at(-1)?.blocksWritten, 100);
    const result = lines.at(-1);
    assert.deepEqual(
      {
        result: result?.result,
        hresult: result?.hresult,
        code: result?.code,
        lastWrittenLba: result?.lastWrittenLba,
        blocksWritten: result?.blocksWritten,
      },
      { result: 'ok', hresult: '0x00000000', code: 'S_OK', lastWrittenLba: 99, blocksWritten: 100 },
    );
  });

  it('takes the data from standard input with -', async () => {
    const img = image();
    const data = blocksOf(64, 5);
    const r = await run(['write-section', dvd(img), '-', '--lba', '0', '--blocks', '64'], data);
    assert.equal(r.code, 0, r.stderr);
    const written = await readFile(img);
    assert.ok(written.subarray(0, data.length).equals(data));
  });

  it('rejects bad arguments with exit 2 before touching the recorder', async () => {
    const src = filePath('src-usage.bin');
    await writeFile(src, blocksOf(10));
    const odd = filePath('odd.bin');
    await writeFile(odd, Buffer.alloc(SECTOR + 5));
    const cases: [string[], RegExp][] = [
      [['--lba', '12x'], /'12x' is not an integer/],
      [['--lba', '1.5'], /not an integer/],
      [['--lba', '0x10'], /not an integer/],
      [['--lba', '2147483648'], /outside -2147483648\.\.2147483647/],
      [['--lba', '0', '--blocks', '0'], /outside 1\.\.2147483647/],
      [['--lba', '0', '--blocks', '-3'], /outside 1\.\.2147483647/],
      [['--lba', '0', '--sector-size', '70000'], /outside 1\.\.65536/],
      [['--lba', '0', '--start-speed', '0'], /0 is not a speed/],
      [['--lba', '0', '--buffer', '1000'], /multiple of 4096/],
      [['--lba', '0', '--bogus'], /unknown option '--bogus'/],
      [[], /required option '--lba <n>' not specified/],
      [['--lba', '0', '--blocks', '11'], /needs 22528 bytes but .* has only 20480/],
      [['--lba', '2147483640'], /runs past LBA 2147483647/],
      [['--lba', '0', '--sector-size', '2352'], /not a multiple of the 2352-byte sector size/],
    ];
    await Promise.all(
      cases.map(async ([args, expected]) => {
        const img = image();
        const r = await run(['write-section', dvd(img), src, ...args]);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, expected, args.join(' '));
        assert.equal(existsSync(img), false, `${args.join(' ')} opened the recorder`);
      }),
    );
    const more: [string[], RegExp][] = [
      [
        ['write-section', dvd(image()), '-', '--lba', '0'],
        /--blocks is required .* standard input/,
      ],
      [
        ['write-section', dvd(image()), odd, '--lba', '0'],
        /2053 bytes, not a multiple of the 2048/,
      ],
      [['write-section', dvd(image()), directory(), '--lba', '0'], /is a directory/],
      [['write-section', dvd(image()), '--lba', '0'], /missing required argument 'source'/],
      [['write-section', 'virtual:dvd+r?speed=fast', src, '--lba', '0'], /bad speed=fast/],
      [['write-section', 'nowhere', src, '--lba', '0'], /unknown recorder address/],
    ];
    await Promise.all(
      more.map(async ([args, expected]) => {
        const r = await run(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, expected);
      }),
    );
  });

  it('a missing source is a source error (exit 1) and opens nothing', async () => {
    const img = image();
    const r = await run(['write-section', dvd(img), filePath('absent.bin'), '--lba', '0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /STG_E_FILENOTFOUND \(0x80030002\)/);
    assert.equal(existsSync(img), false);
  });

  it('a write away from the NWA of a DVD+R fails with the mapped HRESULT and sense (exit 1)', async () => {
    const img = image();
    const src = filePath('src-nwa.bin');
    await writeFile(src, blocksOf(40));
    const r = await run(['write-section', dvd(img), src, '--lba', '5']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /HRESULT_FROM_WIN32\(ERROR_INVALID_ADDRESS\) \(0x800701E7\)/);
    assert.match(r.stderr, /sense: 05\/21\/02 ILLEGAL REQUEST: INVALID ADDRESS FOR WRITE/);
    assert.match(r.stderr, /lba: 5 \(32 blocks\)/);
    assert.match(r.stderr, /what to do: .*next writable address/);
    assert.match(r.stderr, /last written LBA none \(0 of 40 blocks written\)/);

    const j = await run(['write-section', dvd(img), src, '--lba', '5', '--json']);
    assert.equal(j.code, 1);
    const result = jsonLines(j.stdout).at(-1);
    assert.equal(result?.result, 'error');
    assert.equal(result?.hresult, '0x800701E7');
    assert.equal(result?.lastWrittenLba, 4);
    assert.equal(result?.blocksWritten, 0);
    assert.deepEqual(result?.sense, {
      key: 5,
      asc: 0x21,
      ascq: 2,
      keyName: 'ILLEGAL REQUEST',
      text: 'INVALID ADDRESS FOR WRITE',
    });
  });

  it('Ctrl-C cancels a paced write, reports the last written LBA and exits 130', async () => {
    const img = image();
    const src = filePath('src-paced.bin');
    // 4 MiB, paced: about three seconds.
    await writeFile(src, blocksOf(2048, 9));
    const { run: r, interrupted } = await runPacedWriteInterrupted(img, src);
    assert.ok(interrupted, 'no progress before the end');
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /cancelling at the next command boundary/);
    const m = /cancelled: last written LBA (\d+) \((\d+) of 2048 blocks written\)/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const lastLba = Number(m[1]);
    assert.ok(lastLba > 0 && lastLba < 2047);
    const result = jsonLines(r.stdout).at(-1);
    assert.equal(result?.code, 'E_IMAPI_REQUEST_CANCELLED');
    assert.equal(result?.hresult, '0xC0AA0002');
    assert.equal(result?.lastWrittenLba, lastLba);
    // What the drive accepted stays: the next writable address follows the last written block.
    const info = await run(['info', dvd(img), '--json']);
    assert.equal(info.code, 0, info.stderr);
    const report = JSON.parse(info.stdout.toString()) as { nextWritableAddress: number };
    assert.equal(report.nextWritableAddress, lastLba + 1);
  });

  it('a second Ctrl-C while the first winds down still closes the drive: exit 130, the result last', async () => {
    const img = image();
    const child = start([
      'write-section',
      dvd(img),
      '-',
      '--lba',
      '0',
      '--blocks',
      '1000',
      '--json',
    ]);
    let stage = 0;
    child.stdout?.on('data', () => {
      if (stage === 0) {
        stage = 1;
        child.kill('SIGINT');
      }
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (stage === 1 && b.toString().includes('cancelling')) {
        stage = 2;
        child.kill('SIGINT');
      }
    });
    // Standard input stays open and empty: the reader waits for data that never comes.
    child.stdin?.write(blocksOf(10));
    const r = await collectOpen(child);
    assert.equal(stage, 2);
    assert.equal(r.code, 130);
    // Whether the second came before or after the cancel settled, the result object ends stdout.
    assert.equal(jsonLines(r.stdout).at(-1)?.code, 'E_IMAPI_REQUEST_CANCELLED', r.stderr);
  });
});

describe('repeated options', () => {
  it('write-section --lba given twice exits 2 naming --lba, and writes nothing', async () => {
    const img = image();
    const src = filePath('src-repeat.bin');
    await writeFile(src, blocksOf(10));
    const r = await run(['write-section', dvd(img), src, '--lba', '0', '--lba', '5']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--lba is given more than once/);
    assert.equal(existsSync(img), false, 'the image was created');
  });

  it('read -o given twice exits 2 naming --output, and creates neither file', async () => {
    const img = image();
    const a = filePath('repeat-a.bin');
    const b = filePath('repeat-b.bin');
    const r = await run(['read', dvd(img), '--lba', '0', '--blocks', '1', '-o', a, '-o', b]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--output is given more than once/);
    assert.equal(existsSync(a) || existsSync(b) || existsSync(img), false);
  });
});

describe('discwright read', () => {
  it('reads blocks back to a file with -o and to a pipe', async () => {
    const img = image();
    const src = filePath('src-read.bin');
    const data = blocksOf(200, 11);
    await writeFile(src, data);
    assert.equal((await run(['write-section', dvd(img), src, '--lba', '0'])).code, 0);
    const out = filePath('read.bin');
    const r = await run(['read', dvd(img), '--lba', '50', '--blocks', '100', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /read 100 blocks .* from LBA 50/);
    const back = await readFile(out);
    assert.ok(back.equals(data.subarray(50 * SECTOR, 150 * SECTOR)));
    const piped = await run(['read', dvd(img), '--lba', '0', '--blocks', '40']);
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(piped.stdout.equals(data.subarray(0, 40 * SECTOR)));
  });

  it('refuses -o naming the image it reads from (exit 2), the image untouched', async () => {
    const img = image();
    const src = filePath('src-self.bin');
    const data = blocksOf(20, 5);
    await writeFile(src, data);
    assert.equal((await run(['write-section', dvd(img), src, '--lba', '0'])).code, 0);
    const before = await readFile(img);
    const link = filePath('self-link.img');
    await symlink(img, link);
    for (const out of [img, link]) {
      const r = await run(['read', dvd(img), '--lba', '0', '--blocks', '20', '-o', out]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /refusing to write the output over .*, which the blocks are read from/,
      );
      assert.ok((await readFile(img)).equals(before), 'the image changed');
    }
  });

  it('validates its arguments (exit 2)', async () => {
    const img = image();
    for (const args of [
      ['--lba', '0'],
      ['--lba', 'x', '--blocks', '1'],
      ['--lba', '0', '--blocks', '0'],
    ]) {
      const r = await run(['read', dvd(img), ...args]);
      assert.equal(r.code, 2, args.join(' '));
    }
    assert.equal(existsSync(img), false);
  });
});

describe('discwright info', () => {
  it('--json reports identity, profiles, media, NWA, free blocks, speeds and buffer', async () => {
    const img = image();
    const src = filePath('src-info.bin');
    await writeFile(src, blocksOf(64));
    assert.equal((await run(['write-section', dvd(img), src, '--lba', '0'])).code, 0);
    const r = await run(['info', dvd(img), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as {
      vendorId: string;
      productId: string;
      profiles: { code: number; name: string; current: boolean }[];
      currentProfile: { code: number; name: string };
      media: { status: string; capacityBlocks: number };
      recorded: { blocks: number; blockLength: number };
      nextWritableAddress: number;
      freeBlocks: number;
      writeSpeeds: { kBps: number; x: number }[];
      buffer: { sizeBytes: number };
    };
    assert.equal(report.vendorId, 'DISCWRT');
    assert.match(report.productId, /DVD\+R/);
    assert.deepEqual(report.currentProfile, { code: 0x1b, name: 'DVD+R' });
    assert.deepEqual(
      report.profiles.filter((p) => p.current).map((p) => p.code),
      [0x1b],
    );
    assert.equal(report.media.status, 'appendable');
    assert.deepEqual(report.recorded, { blocks: 64, blockLength: 2048 });
    assert.equal(report.nextWritableAddress, 64);
    assert.equal(report.freeBlocks, report.media.capacityBlocks - 64);
    assert.ok(report.writeSpeeds.length > 0);
    assert.ok(report.buffer.sizeBytes > 0);

    const text = await run(['info', dvd(img)]);
    assert.equal(text.code, 0);
    assert.match(text.stdout.toString(), /\*DVD\+R.*\(\* current\)/);
    assert.match(text.stdout.toString(), /NWA: +64\n/);
  });

  it('shows an empty drive without failing', async () => {
    const r = await run(['info', 'virtual:none']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /media: +none/);
  });
});

describe('discwright devices and demo', () => {
  it('devices --json lists local drives and the virtual presets', async () => {
    const r = await run(['devices', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as { local: unknown[]; virtual: string[] };
    assert.ok(Array.isArray(report.local));
    assert.ok(report.virtual.includes('virtual:dvd+r'));
  });

  it('demo writes, closes, verifies and shows the disc', async () => {
    const demoDir = filePath('demo');
    const r = await run(['demo', '--size', '2', '--speed', 'max', '--dir', demoDir]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    assert.match(text, /wrote 1024 blocks/);
    assert.match(text, /closed track 1 and the session/);
    assert.match(text, /verified: read back 1024 blocks/);
    assert.match(text, /status: +appendable, last session empty, 2 session/);
    const img = join(demoDir, 'disc.img');
    assert.match(text, new RegExp(`the disc image is ${img.replace(/[.+]/g, '\\$&')}`));
    assert.ok((await stat(img)).size >= 2 * 1024 * 1024);
  });
});
