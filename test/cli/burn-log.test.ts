// The burn log and the report from a real run (issue #22): write-section on a paced virtual DVD+R
// (4x, 1 MiB drive buffer that holds WRITEs when full, so no busy answer comes unasked) from a
// source that stalls for 1.5 s once half of it is written, with a busy period injected at LBA 4500
// (02/04/08 three times, through DISCWRIGHT_TEST_VIRTUAL_FAULTS). The log must hold what happened
// (the updates --json printed, the three retries with their sense, one busy wait, the phases, the
// result) and the report's chart data must show the stall's dip and the retries.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import {
  MAIN,
  collectOpen,
  dvd,
  jsonLines,
  onJsonLines,
  run,
  start,
  type Run,
} from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { reportData, type ReportData } from '../../src/cli/report-data.js';
import { parseLog } from '../../src/cli/burn-log.js';
import type { DriveDescription, LogRecord, RunDescription } from '../../src/cli/burn-log.js';
import type { LoggedSense } from '../../src/cli/command-events.js';

interface Header extends DriveDescription {
  readonly event: string;
  readonly format: string;
  readonly discwright: string;
  readonly run: RunDescription;
  readonly host: { readonly hostname: string; readonly node: string };
}

interface Retry {
  readonly lba: number;
  readonly blocks: number;
  readonly attempt: number;
  readonly busy: boolean;
  readonly sense: LoggedSense;
  readonly status: string;
}

const { imagePath, filePath } = scratchImages('discwright-burn-log-');

const BLOCKS = 6144; // 12 MiB
const HALF = BLOCKS / 2;
const BUSY_LBA = 4500;

function source(): Buffer {
  const b = Buffer.alloc(BLOCKS * 2048);
  for (let k = 0; k < BLOCKS; k++) b.writeUInt32BE(k, k * 2048);
  return b;
}

/** The embedded model of a report page. */
function embedded(html: string): ReportData {
  const m = /<script type="application\/json" id="report-data">(.*)<\/script>/s.exec(html);
  assert.ok(m?.[1] !== undefined, 'no embedded report data');
  return JSON.parse(m[1]) as ReportData;
}

/** The markup of the chart against `axis`. */
function chart(html: string, axis: 'lba' | 'time'): string {
  const m = new RegExp(`<svg [^>]*data-axis="${axis}"[\\s\\S]*?</svg>`).exec(html);
  assert.ok(m !== null, `no ${axis} chart`);
  return m[0];
}

describe('write-section --log / --report: a stalled, busy run on a paced virtual drive', () => {
  let out: Run;
  let records: LogRecord[];
  let html: string;
  const log = () => filePath('run.ndjson');
  const report = () => filePath('run.html');

  before(async () => {
    const data = source();
    const faults = {
      failAt: [{ lba: BUSY_LBA, senseKey: 2, asc: 4, ascq: 8, times: 3 }],
    };
    const child = start(
      [
        'write-section',
        dvd(imagePath(), '&speed=4x&buffer=1M&full=block'),
        '-',
        '--lba',
        '0',
        '--blocks',
        String(BLOCKS),
        '--buffer',
        '256k',
        '--json',
        '--log',
        log(),
        '--report',
        report(),
      ],
      { ...process.env, DISCWRIGHT_TEST_VIRTUAL_FAULTS: JSON.stringify(faults) },
    );
    const ended = collectOpen(child);
    child.stdin?.write(data.subarray(0, HALF * 2048));
    // The stall: the rest comes 1.5 s after the first half is written.
    let resumed = false;
    const stop = onJsonLines(child, (line) => {
      const u = line as { event?: string; blocksWritten?: number };
      if (!resumed && u.event === 'update' && u.blocksWritten === HALF) {
        resumed = true;
        setTimeout(() => child.stdin?.end(data.subarray(HALF * 2048)), 1500);
      }
    });
    out = await ended;
    stop();
    assert.equal(out.code, 0, out.stderr);
    assert.ok(resumed, 'the first half was never reported written');
    records = parseLog(await readFile(log(), 'utf8'));
    html = await readFile(report(), 'utf8');
  });

  it('the header names the drive, the media, the speeds, the version and the host', () => {
    const h = records[0] as unknown as Header;
    assert.equal(h.event, 'header');
    assert.equal(h.format, 'discwright-burn-log');
    assert.equal(h.discwright, '0.1.0');
    assert.deepEqual(h.drive, {
      vendorId: 'DISCWRT',
      productId: 'VIRTUAL DVD+R',
      productRevision: '1.00',
    });
    assert.equal(h.media.profile, 0x1b);
    assert.equal(h.media.profileName, 'DVD+R');
    assert.equal(h.media.family, 'DVD');
    assert.equal(h.media.oneXBytesPerSecond, 1_385_000);
    assert.equal(h.media.manufacturerId, null); // the virtual drive has no ADIP
    assert.deepEqual(h.run.section, { lba: 0, blocks: BLOCKS, bytesPerSector: 2048 });
    assert.deepEqual(h.run.requested, { startSectorsPerSecond: null, endSectorsPerSecond: null });
    assert.ok(Array.isArray(h.writeSpeedsKBps) && h.writeSpeedsKBps.length > 0);
    assert.equal(h.currentWriteSpeedKBps, 5540); // 4x DVD, in MMC's kB/s (1000 bytes)
    assert.equal(typeof h.host.hostname, 'string');
    assert.equal(h.host.node, process.version);
  });

  it('holds every update --json printed, in order, and the same result', () => {
    const printed = jsonLines(out.stdout);
    const printedUpdates = printed.filter((l) => l.event === 'update');
    const logged = records.filter((r) => r.event === 'update');
    assert.ok(printedUpdates.length >= 4);
    assert.equal(logged.length, printedUpdates.length);
    logged.forEach((r, i) => {
      const { t, ...rest } = r;
      assert.equal(typeof t, 'number');
      assert.deepEqual(rest, printedUpdates[i]);
    });
    const result = records.at(-1) as LogRecord;
    assert.equal(result.event, 'result');
    const { t: _t, event: _e, ...fields } = result;
    assert.deepEqual(fields, printed.at(-1));
    assert.equal(fields.blocksWritten, BLOCKS);
  });

  it('logs the three busy answers as retries with their sense, and one busy wait', () => {
    const retries = records.filter((r) => r.event === 'retry') as unknown as Retry[];
    assert.equal(retries.length, 3);
    const lba = retries[0]?.lba ?? -1;
    assert.ok(lba <= BUSY_LBA && BUSY_LBA < lba + (retries[0]?.blocks ?? 0));
    assert.deepEqual(
      retries.map((r) => [r.lba, r.attempt, r.busy, r.sense.code, r.status]),
      [2, 3, 4].map((a) => [lba, a, true, '02/04/08', 'CHECK CONDITION']),
    );
    const busy = records.filter((r) => r.event === 'busy');
    assert.equal(busy.length, 1);
    assert.equal(busy[0]?.lba, lba);
    assert.equal(busy[0]?.answers, 3);
    // Nothing else failed.
    assert.equal(records.filter((r) => r.event === 'check-condition').length, 0);
  });

  it('logs the phases in order, with times that only go forward', () => {
    assert.deepEqual(
      records.filter((r) => r.event === 'phase').map((r) => r.phase),
      ['open', 'write', 'finish'],
    );
    const ts = records.slice(1).map((r) => r.t);
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => a - b),
    );
  });

  it("the report's speed series dips at the stall; its drive buffer runs low after it", () => {
    const d = reportData(records);
    const writing = d.points.filter((p) => p.speedBps > 0);
    const max = Math.max(...writing.map((p) => p.speedBps));
    const dip = d.points.filter((p) => p.lba >= HALF - 1 && p.lba < HALF + 1024);
    assert.ok(dip.length > 0, 'no point at the stall');
    const low = Math.min(...dip.map((p) => p.speedBps));
    assert.ok(low < max / 2, `the stall's lowest speed ${low} is not below half of ${max}`);
    assert.ok(
      d.points.every((p) => p.speedX !== null && Math.abs(p.speedX * 1_385_000 - p.speedBps) < 1),
    );
    const slowest = d.markers.filter((m) => m.kind === 'slowest');
    assert.ok(slowest.some((m) => m.lba >= HALF - 1 && m.lba < HALF + 1024));
    const lowDrive = d.summary.lowestDriveBuffer;
    assert.ok(lowDrive !== null && lowDrive.pct < 50 && lowDrive.lba >= HALF - 1);
    assert.equal(d.summary.driveSpeed, '4.0x (5.54 MB/s)');
    assert.equal(d.summary.retries, 3);
    assert.equal(d.summary.busyWaits, 1);
    assert.equal(d.summary.result, 'ok S_OK');
    assert.equal(d.summary.blocksWritten, BLOCKS);
    assert.deepEqual(
      d.summary.phases.map((p) => p.phase),
      ['open', 'write', 'finish'],
    );
  });

  it('--report wrote the page of the log: both charts with the series and the retry markers', async () => {
    const d = reportData(records);
    assert.deepEqual(embedded(html), JSON.parse(JSON.stringify(d)));
    const retryLba = String(records.find((r) => r.event === 'retry')?.lba);
    for (const axis of ['lba', 'time'] as const) {
      const svg = chart(html, axis);
      for (const series of ['speed', 'drive-buffer', 'host-buffer']) {
        assert.match(
          svg,
          new RegExp(
            `<polyline class="series ${series}" data-series="${series}" data-count="\\d+"`,
          ),
        );
      }
      assert.match(svg, new RegExp(`data-series="speed" data-count="${d.points.length}"`));
      const retries = [
        ...svg.matchAll(/<line class="marker retry" data-kind="retry" data-lba="(\d+)"/g),
      ];
      assert.deepEqual(
        retries.map((m) => m[1]),
        [retryLba, retryLba, retryLba],
      );
      assert.match(svg, /data-kind="busy"/);
      assert.equal([...svg.matchAll(/data-kind="phase"/g)].length, 3);
    }
    assert.match(html, /<tr data-field="retries"><th>retries<\/th><td class="num">3<\/td><\/tr>/);
    assert.match(
      html,
      /<tr data-field="drive"><th>drive<\/th><td class="num">DISCWRT VIRTUAL DVD\+R 1\.00<\/td>/,
    );
    // Self-contained: nothing is fetched from anywhere.
    assert.doesNotMatch(html, /\b(src|href)=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('`discwright report` renders the same page from the log file', async () => {
    const again = filePath('again.html');
    const r = await run(['report', log(), '-o', again]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /updates, 3 retries/);
    assert.equal(await readFile(again, 'utf8'), html);
  });
});

describe('--log: a WRITE the drive fails and the engine does not retry', () => {
  it('is logged with its sense before the finish phase, and marked in the report', async () => {
    const src = filePath('medium.bin');
    await writeFile(src, Buffer.alloc(512 * 2048, 0x44));
    const log = filePath('medium.ndjson');
    const faults = { failAt: [{ lba: 100, senseKey: 3, asc: 0x0c, ascq: 0 }] };
    const child = start(['write-section', dvd(imagePath()), src, '--lba', '0', '--log', log], {
      ...process.env,
      DISCWRIGHT_TEST_VIRTUAL_FAULTS: JSON.stringify(faults),
    });
    const r = await collectOpen(child);
    child.stdin?.end();
    assert.equal(r.code, 1);
    const records = parseLog(await readFile(log, 'utf8'));
    assert.equal(records.filter((x) => x.event === 'retry').length, 0);
    const failures = records.filter((x) => x.event === 'check-condition');
    assert.equal(failures.length, 1);
    const f = failures[0] as LogRecord & { lba: number; sense: LoggedSense; command: string };
    assert.equal(f.command, 'WRITE(10)');
    assert.equal(f.sense.code, '03/0C/00');
    assert.ok(f.lba <= 100 && 100 < f.lba + 32);
    const kinds = records.map((x) => (x.event === 'phase' ? `phase:${String(x.phase)}` : x.event));
    assert.ok(kinds.indexOf('check-condition') < kinds.indexOf('phase:finish'));
    assert.equal(records.at(-1)?.event, 'result');
    assert.equal(records.at(-1)?.result, 'error');
    const d = reportData(records);
    assert.deepEqual(
      d.markers.filter((m) => m.kind === 'check-condition').map((m) => m.lba),
      [f.lba],
    );
    assert.match(d.summary.result, /^error E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE$/);
  });
});

describe('--log and report refusals', () => {
  it('a log that cannot be created is refused before the drive is opened', async () => {
    const img = imagePath();
    const src = filePath('small.bin');
    await writeFile(src, Buffer.alloc(64 * 2048));
    const r = await run([
      'write-section',
      dvd(img),
      src,
      '--lba',
      '0',
      '--log',
      filePath('no/such/dir/run.ndjson'),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot write .*run\.ndjson/);
    await assert.rejects(stat(img), { code: 'ENOENT' }); // the drive was never opened
  });

  it('report refuses a file that is not a burn log (usage error, nothing written)', async () => {
    const notLog = filePath('not-a-log.ndjson');
    await writeFile(notLog, '{"event":"update","t":1}\n');
    const outFile = filePath('never.html');
    const r = await run(['report', notLog, '-o', outFile]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a discwright burn log/);
    await assert.rejects(stat(outFile), { code: 'ENOENT' });
    const bad = filePath('bad.ndjson');
    await writeFile(bad, '{"event":"header"\n');
    const r2 = await run(['report', bad, '-o', outFile]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /line 1: not JSON/);
  });
});

describe('the end-of-run sparkline', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0;

  it(
    'ends a run on a terminal, and only there',
    { skip: hasScript ? false : 'script(1) is not installed: no terminal to run under' },
    async () => {
      const src = filePath('spark.bin');
      await writeFile(src, Buffer.alloc(1024 * 2048, 0x33));
      const address = 'virtual:dvd+r?speed=4x&buffer=1M';
      // script(1) gives the command a pseudo-terminal as stdout.
      const command = [process.execPath, MAIN, 'write-section', address, src, '--lba', '0']
        .map((a) => `'${a}'`)
        .join(' ');
      const tty = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
      assert.equal(tty.status, 0, tty.stderr);
      assert.match(
        tty.stdout,
        /\nspeed [▁▂▃▄▅▆▇█]{40} \d+\.\dx\.\.\d+\.\dx; (lowest drive buffer \d+% at LBA \d+|drive buffer not reported)\r?\n/,
      );
      const piped = await run(['write-section', address, src, '--lba', '0']);
      assert.equal(piped.code, 0, piped.stderr);
      assert.doesNotMatch(piped.stdout.toString(), /speed [▁▂▃▄▅▆▇█]/);
    },
  );
});
