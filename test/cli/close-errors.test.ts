// Errors from closing the drive are reported (issue #15) by the commands besides write-section
// and demo: burn (and --also), blank, info and read print the failed close with its HRESULT,
// exit 1 (or keep an earlier failure's status), and with --json the result object, printed after
// the close, carries `closeError`. And burn's second Ctrl-C stops waiting but still closes the
// drive: what it acknowledged is on the reopened image, and the result is the drive's. Faults
// reach the spawned CLI through DISCWRIGHT_TEST_VIRTUAL_FAULTS (src/cli/open-recorder.ts):
// imageCloseFault makes closing the image file fail (as close(2) on a network file system whose
// write-back failed), imageWriteFault fills the file system under the image.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import {
  SECTOR,
  blocksOf,
  collect,
  dvd,
  jsonLines,
  onJsonLines,
  start,
  run,
  type Run,
} from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';

const { imagePath: image, filePath } = scratchImages('discwright-close-errors-');

interface ErrorFields {
  readonly hresult: string;
  readonly code: string;
  readonly message: string;
}

interface Result {
  readonly result?: string;
  readonly hresult?: string;
  readonly code?: string;
  readonly recorder?: string;
  readonly closeError?: ErrorFields;
  readonly discNow?: { mediaState: string[]; nextWritableAddress: number; freeSectors: number };
}

/** EIO, as the virtual drive reports a failed close of its image file. */
const EIO_HR = '0x8007045D';
const EIO_CODE = 'HRESULT_FROM_WIN32(ERROR_IO_DEVICE)';

function withFaults(faults: unknown): NodeJS.ProcessEnv {
  return { ...process.env, DISCWRIGHT_TEST_VIRTUAL_FAULTS: JSON.stringify(faults) };
}

const closeFails = withFaults({ imageCloseFault: 'EIO' });

function runWith(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return collect(start(args, env));
}

/** The last line of a --json run: the result object, after every update. */
function resultOf(r: Run): Result {
  const last = jsonLines(r.stdout).at(-1) as (Result & { event?: string }) | undefined;
  assert.ok(last !== undefined && last.event === undefined, `no result at the end: ${r.stderr}`);
  return last;
}

function assertCloseReported(r: Run, closeError: ErrorFields | undefined): void {
  assert.equal(closeError?.hresult, EIO_HR, JSON.stringify(closeError));
  assert.equal(closeError?.code, EIO_CODE);
  assert.match(closeError?.message ?? '', /closing .*\.img failed.*EIO/);
  assert.match(r.stderr, /closing the drive failed: error: HRESULT_FROM_WIN32\(ERROR_IO_DEVICE\)/);
  assert.match(r.stderr, /0x8007045D/);
}

async function imageFile(name: string, blocks: number, seed: number): Promise<string> {
  const path = filePath(name);
  await writeFile(path, blocksOf(blocks, seed));
  return path;
}

describe('a failed close is reported', () => {
  it('burn: a burn that went well fails with exit 1, and its JSON result carries closeError', async () => {
    const iso = await imageFile('burn-ok.iso', 512, 31);
    const r = await runWith(['burn', dvd(image()), iso, '--json'], closeFails);
    assert.equal(r.code, 1, r.stderr);
    const result = resultOf(r);
    assert.equal(result.result, 'error');
    assert.equal(result.hresult, EIO_HR);
    assertCloseReported(r, result.closeError);
    // The burn's own figures are still there: the close failed, not the write.
    assert.equal((result as { blocks?: number }).blocks, 512);

    const text = await runWith(['burn', dvd(image()), iso], closeFails);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout.toString(), /burned 512 blocks/);
    assertCloseReported(text, {
      hresult: EIO_HR,
      code: EIO_CODE,
      message: 'closing x.img failed EIO',
    });
  });

  it('burn onto a full file system: the write error first, the close error too, the disc state from the drive', async () => {
    const iso = await imageFile('burn-full.iso', 2048, 32);
    const env = withFaults({ imageWriteFault: { afterBytes: 1024 * 1024, code: 'ENOSPC' } });
    const r = await runWith(['burn', dvd(image()), iso, '--json'], env);
    assert.equal(r.code, 1, r.stderr);
    const result = resultOf(r);
    assert.equal(result.hresult, '0x80070070', JSON.stringify(result));
    assert.equal(result.closeError?.hresult, '0x80070070', JSON.stringify(result));
    assert.match(r.stderr, /ENOSPC/);
    assert.match(
      r.stderr,
      /closing the drive failed: error: HRESULT_FROM_WIN32\(ERROR_DISK_FULL\)/,
    );
    assert.equal(typeof result.discNow?.nextWritableAddress, 'number', JSON.stringify(result));
  });

  it('burn --also: each drive whose close failed is a failed drive (exit 1)', async () => {
    const iso = await imageFile('also.iso', 256, 33);
    const [a, b] = [dvd(image()), dvd(image())];
    const r = await runWith(['burn', a, iso, '--also', b, '--json'], closeFails);
    assert.equal(r.code, 1, r.stderr);
    const results = jsonLines(r.stdout).filter((l) => l.result !== undefined) as Result[];
    assert.deepEqual(
      results.map((x) => [x.recorder, x.result, x.hresult, x.closeError?.hresult]),
      [
        [a, 'error', EIO_HR, EIO_HR],
        [b, 'error', EIO_HR, EIO_HR],
      ],
    );
    assert.match(r.stderr, /\[1\] closing the drive failed: error: .*0x8007045D/);
    assert.match(r.stderr, /\[2\] closing the drive failed: error: .*0x8007045D/);
  });

  it('blank: exit 1, the HRESULT on stderr and closeError in the JSON result', async () => {
    const address = `virtual:cd-rw?image=${image()}`;
    const iso = await imageFile('blank.iso', 64, 34);
    assert.equal((await run(['burn', address, iso, '--multisession'])).code, 0);
    const r = await runWith(['blank', address, '--json'], closeFails);
    assert.equal(r.code, 1, r.stderr);
    const result = resultOf(r);
    assert.equal(result.hresult, EIO_HR);
    assert.equal((result as { full?: boolean }).full, false, 'the blank itself is reported');
    assertCloseReported(r, result.closeError);
  });

  it('info (read-only): exit 1, the HRESULT on stderr and closeError in the JSON report', async () => {
    const img = image();
    const iso = await imageFile('info.iso', 64, 35);
    assert.equal((await run(['burn', dvd(img), iso])).code, 0);
    const r = await runWith(['info', dvd(img), '--json'], closeFails);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as { closeError?: ErrorFields; media?: unknown };
    assert.notEqual(report.media, null, 'the report itself is there');
    assertCloseReported(r, report.closeError);
    // --map: the map is shown, then the failed close makes the status 1.
    const map = await runWith(['info', dvd(img), '--map'], closeFails);
    assert.equal(map.code, 1, map.stderr);
    assert.notEqual(map.stdout.length, 0);
    assert.match(map.stderr, /closing the drive failed: error: .*0x8007045D/);
    // Read-only: the fault changed nothing on the image.
    assert.equal((await run(['info', dvd(img)])).code, 0);
  });

  it('read (read-only): the blocks are read, then the failed close makes the status 1', async () => {
    const img = image();
    const data = blocksOf(64, 36);
    const iso = filePath('read.iso');
    await writeFile(iso, data);
    assert.equal((await run(['burn', dvd(img), iso])).code, 0);
    const out = filePath('read-out.bin');
    const args = ['read', dvd(img), '--lba', '0', '--blocks', '64', '-o', out];
    const r = await runWith(args, closeFails);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /read 64 blocks/);
    assertCloseReported(r, {
      hresult: EIO_HR,
      code: EIO_CODE,
      message: 'closing x.img failed EIO',
    });
    assert.ok((await readFile(out)).equals(data));
  });
});

describe('burn: a second Ctrl-C', () => {
  it('two Ctrl-C 10 ms apart: the drive is still closed, what it acknowledged is on the reopened image, exit 130', async () => {
    const img = image();
    const data = blocksOf(2048, 37);
    const iso = filePath('two-sigint.iso');
    await writeFile(iso, data);
    // 4 MiB at 1x through a 64 KiB drive buffer: seconds, so the interrupts land mid-write.
    const child = start([
      'burn',
      dvd(img, '&speed=1x&buffer=64k'),
      iso,
      '--verify',
      'none',
      '--json',
    ]);
    let sent = false;
    let acknowledged = 0;
    onJsonLines(child, (line) => {
      const u = line as { event?: string; phase?: string; blocksWritten?: number };
      if (u.event !== 'update' || u.phase !== 'writing') return;
      acknowledged = Math.max(acknowledged, u.blocksWritten ?? 0);
      if (!sent && acknowledged > 0) {
        sent = true;
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGINT'), 10);
      }
    });
    const r = await collect(child);
    assert.ok(sent, 'no progress before the end');
    assert.equal(r.code, 130, r.stderr);
    const result = resultOf(r);
    assert.equal(result.code, 'E_IMAPI_REQUEST_CANCELLED', JSON.stringify(result));
    assert.equal(result.closeError, undefined);
    const nwa = result.discNow?.nextWritableAddress;
    assert.equal(typeof nwa, 'number', JSON.stringify(result));
    assert.ok(
      (nwa as number) >= acknowledged && (nwa as number) < 2048,
      `NWA ${nwa}, ${acknowledged} blocks acknowledged`,
    );
    // The drive was closed before the exit: its cache and layout are in the image.
    const info = await run(['info', dvd(img), '--json']);
    assert.equal(info.code, 0, info.stderr);
    const reopened = JSON.parse(info.stdout.toString()) as { nextWritableAddress: number };
    assert.equal(reopened.nextWritableAddress, nwa);
    const out = filePath('two-sigint-back.bin');
    const back = await run(['read', dvd(img), '--lba', '0', '--blocks', String(nwa), '-o', out]);
    assert.equal(back.code, 0, back.stderr);
    assert.ok(
      (await readFile(out)).equals(data.subarray(0, (nwa as number) * SECTOR)),
      'read-back differs from the image burned',
    );
  });
});

describe('burn: a cancel whose close fails', () => {
  it('Ctrl-C mid-write, then the close fails: exit 1, the cancel first and closeError beside it', async () => {
    const iso = await imageFile('cancel-close.iso', 2048, 39);
    const paced = dvd(image(), '&speed=1x&buffer=64k');
    const child = start(['burn', paced, iso, '--verify', 'none', '--json'], closeFails);
    let sent = false;
    onJsonLines(child, (line) => {
      const u = line as { event?: string; phase?: string; blocksWritten?: number };
      if (!sent && u.event === 'update' && u.phase === 'writing' && (u.blocksWritten ?? 0) > 0) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const r = await collect(child);
    assert.ok(sent, 'no progress before the end');
    // 130 would say what was reported stays; the failed close may have lost it.
    assert.equal(r.code, 1, r.stderr);
    const result = resultOf(r);
    assert.equal(result.code, 'E_IMAPI_REQUEST_CANCELLED', JSON.stringify(result));
    assertCloseReported(r, result.closeError);
  });
});

describe('burn --also: a second Ctrl-C', () => {
  it('two Ctrl-C 10 ms apart: every drive is closed and keeps what it acknowledged, exit 130', async () => {
    const data = blocksOf(2048, 38);
    const iso = filePath('also-two-sigint.iso');
    await writeFile(iso, data);
    const imgs = [image(), image()];
    const addresses = imgs.map((img) => dvd(img, '&speed=1x&buffer=64k'));
    const child = start([
      'burn',
      addresses[0] as string,
      iso,
      '--also',
      addresses[1] as string,
      '--verify',
      'none',
      '--json',
    ]);
    let sent = false;
    const acknowledged = new Map<string, number>();
    onJsonLines(child, (line) => {
      const u = line as {
        event?: string;
        recorder?: string;
        phase?: string;
        blocksWritten?: number;
      };
      if (u.event !== 'update' || u.phase !== 'writing' || u.recorder === undefined) return;
      const n = Math.max(acknowledged.get(u.recorder) ?? 0, u.blocksWritten ?? 0);
      acknowledged.set(u.recorder, n);
      if (!sent && n > 0) {
        sent = true;
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGINT'), 10);
      }
    });
    const r = await collect(child);
    assert.ok(sent, 'no progress before the end');
    assert.equal(r.code, 130, r.stderr);
    const results = jsonLines(r.stdout).filter((l) => l.result !== undefined) as Result[];
    assert.deepEqual(
      results.map((x) => [x.recorder, x.code]),
      addresses.map((a) => [a, 'E_IMAPI_REQUEST_CANCELLED']),
    );
    for (const [i, img] of imgs.entries()) {
      const info = await run(['info', dvd(img), '--json']);
      assert.equal(info.code, 0, info.stderr);
      const nwa = (JSON.parse(info.stdout.toString()) as { nextWritableAddress: number })
        .nextWritableAddress;
      const acked = acknowledged.get(addresses[i] as string) ?? 0;
      assert.ok(nwa >= acked && nwa < 2048, `drive ${i + 1}: NWA ${nwa}, ${acked} acknowledged`);
      if (nwa === 0) continue;
      const out = filePath(`also-two-sigint-back-${i}.bin`);
      const back = await run(['read', dvd(img), '--lba', '0', '--blocks', String(nwa), '-o', out]);
      assert.equal(back.code, 0, back.stderr);
      assert.ok((await readFile(out)).equals(data.subarray(0, nwa * SECTOR)), `drive ${i + 1}`);
    }
  });
});
