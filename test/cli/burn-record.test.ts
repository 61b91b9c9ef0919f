// `burn --log / --report` (issue #22; docs/burn-log.md, "For burn"): a whole-disc burn with FULL
// verification on a paced virtual DVD+R (4x) with a busy period injected at LBA 2000 (02/04/08
// three times, through DISCWRIGHT_TEST_VIRTUAL_FAULTS). The log must hold the header, the burn's
// phases in order (verifying included), the engine updates --json printed while writing, the three
// retries and the busy wait, the read-back's progress, the verification's result and the result;
// the report's summary must hold the time per phase and the verify result. Also: a failed close
// is the log's result, and --also refuses --log.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { collect, dvd, jsonLines, run, start, type Run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { reportData, type ReportData } from '../../src/cli/report-data.js';
import { parseLog, type LogRecord } from '../../src/cli/burn-log.js';

const { imagePath, filePath } = scratchImages('discwright-burn-record-');

const BLOCKS = 4096; // 8 MiB
const BUSY_LBA = 2000;

async function isoFile(name: string, blocks: number): Promise<string> {
  const b = Buffer.alloc(blocks * 2048);
  for (let k = 0; k < blocks; k++) b.writeUInt32BE(k ^ 0x5a5a, k * 2048);
  const path = filePath(name);
  await writeFile(path, b);
  return path;
}

function faults(f: unknown): NodeJS.ProcessEnv {
  return { ...process.env, DISCWRIGHT_TEST_VIRTUAL_FAULTS: JSON.stringify(f) };
}

function embedded(html: string): ReportData {
  const m = /<script type="application\/json" id="report-data">(.*)<\/script>/s.exec(html);
  assert.ok(m?.[1] !== undefined, 'no embedded report data');
  return JSON.parse(m[1]) as ReportData;
}

describe('burn --log / --report: a FULL-verified burn with a busy period on a paced DVD+R', () => {
  let out: Run;
  let records: LogRecord[];
  let html: string;
  const log = () => filePath('burn.ndjson');
  const report = () => filePath('burn.html');

  before(async () => {
    const iso = await isoFile('burn.iso', BLOCKS);
    out = await collect(
      start(
        [
          'burn',
          dvd(imagePath(), '&speed=4x'),
          iso,
          '--verify',
          'full',
          '--json',
          '--log',
          log(),
          '--report',
          report(),
        ],
        faults({ failAt: [{ lba: BUSY_LBA, senseKey: 2, asc: 4, ascq: 8, times: 3 }] }),
      ),
    );
    assert.equal(out.code, 0, out.stderr);
    records = parseLog(await readFile(log(), 'utf8'));
    html = await readFile(report(), 'utf8');
  });

  it('the header names the drive, the media and what the burn was asked to do', () => {
    const h = records[0] as LogRecord & Record<string, Record<string, unknown>>;
    assert.equal(h.event, 'header');
    assert.equal(h.format, 'discwright-burn-log');
    assert.equal(h.drive?.productId, 'VIRTUAL DVD+R');
    assert.equal(h.media?.profileName, 'DVD+R');
    assert.equal(h.media?.oneXBytesPerSecond, 1_385_000);
    assert.equal(h.currentWriteSpeedKBps, 5540);
    assert.equal(h.run?.command, 'burn');
    assert.deepEqual(h.run?.burn, {
      image: filePath('burn.iso'),
      verify: 'full',
      finalize: false,
      multisession: false,
      simulate: false,
      speed: null,
    });
  });

  it('logs the phases in order, verifying included, with times that only go forward', () => {
    assert.deepEqual(
      records.filter((r) => r.event === 'phase').map((r) => r.phase),
      [
        'open',
        'validating',
        'initializing',
        'writing',
        'finalizing',
        'verifying',
        'completed',
        'finish',
      ],
    );
    const ts = records.slice(1).map((r) => r.t);
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => a - b),
    );
  });

  it('holds exactly the engine updates --json printed, in order, and the same result', () => {
    const printed = jsonLines(out.stdout);
    const engine = printed.filter(
      (l) => l.event === 'update' && l.sectorCount !== undefined && l.blocksWritten !== undefined,
    );
    const logged = records.filter((r) => r.event === 'update');
    assert.ok(logged.length >= 2, `only ${logged.length} updates`);
    assert.equal(logged.length, engine.length);
    logged.forEach((r, i) => {
      const { t: _t, ...rest } = r;
      assert.deepEqual(rest, engine[i]);
      assert.equal(r.phase, 'writing');
    });
    // Updates sit between the writing and the finalizing phase records.
    const at = (p: string) => records.findIndex((r) => r.event === 'phase' && r.phase === p);
    const idx = records.flatMap((r, i) => (r.event === 'update' ? [i] : []));
    assert.ok(idx.every((i) => i > at('writing') && i < at('finalizing')));
    const result = records.at(-1) as LogRecord;
    assert.equal(result.event, 'result');
    const { t: _t, event: _e, ...fields } = result;
    assert.deepEqual(fields, printed.at(-1));
    assert.equal(fields.blocks, BLOCKS);
    assert.equal(fields.verification, 'full');
  });

  it('logs the three busy answers as retries with their sense, and one busy wait', () => {
    const retries = records.filter((r) => r.event === 'retry');
    assert.equal(retries.length, 3);
    const lba = retries[0]?.lba as number;
    const blocks = retries[0]?.blocks as number;
    assert.ok(lba <= BUSY_LBA && BUSY_LBA < lba + blocks);
    assert.deepEqual(
      retries.map((r) => [r.lba, r.attempt, r.busy, (r.sense as { code: string }).code]),
      [2, 3, 4].map((a) => [lba, a, true, '02/04/08']),
    );
    const busy = records.filter((r) => r.event === 'busy');
    assert.deepEqual(
      busy.map((b) => [b.lba, b.answers]),
      [[lba, 3]],
    );
    // The only other CHECK CONDITIONs: TEST UNIT READY polls answered NOT READY (02/04/07, with
    // progress) while the paced drive closes the disc sent with IMMED.
    const others = records.filter((r) => r.event === 'check-condition');
    assert.ok(others.length >= 1, 'the close was polled');
    for (const r of others) {
      assert.equal(r.command, 'TEST UNIT READY');
      assert.equal((r.sense as { code: string }).code, '02/04/07');
    }
  });

  it('logs the read-back inside the verifying phase, then the verification passed', () => {
    const at = (p: string) => records.findIndex((r) => r.event === 'phase' && r.phase === p);
    const progress = records.flatMap((r, i) => (r.event === 'verify-progress' ? [i] : []));
    assert.ok(progress.length >= 2 && progress.length <= 101, `${progress.length} records`);
    assert.ok(progress.every((i) => i > at('verifying') && i < at('completed')));
    const done = progress.map((i) => records[i]?.blocksVerified as number);
    assert.deepEqual(
      done,
      [...done].sort((a, b) => a - b),
    );
    assert.equal(done.at(-1), BLOCKS);
    const verify = records.filter((r) => r.event === 'verify');
    assert.deepEqual(
      verify.map((v) => [v.result, v.level]),
      [['passed (full)', 'full']],
    );
  });

  it("--report's summary holds the time per phase, the verify result and the retries", () => {
    const d = reportData(records);
    assert.deepEqual(embedded(html), JSON.parse(JSON.stringify(d)));
    const phases = d.summary.phases.map((p) => p.phase);
    assert.deepEqual(phases, [
      'open',
      'validating',
      'initializing',
      'writing',
      'finalizing',
      'verifying',
      'completed',
      'finish',
    ]);
    const ms = (p: string) => d.summary.phases.find((x) => x.phase === p)?.ms ?? -1;
    assert.ok(ms('writing') > 0 && ms('verifying') > 0, JSON.stringify(d.summary.phases));
    assert.equal(d.summary.verify, 'passed (full)');
    assert.equal(d.summary.retries, 3);
    assert.equal(d.summary.busyWaits, 1);
    assert.equal(d.summary.result, 'ok S_OK');
    assert.match(html, /<tr data-field="phase-verifying"><th>phase verifying<\/th>/);
    assert.match(html, /<tr data-field="verify"><th>verify<\/th><td class="num">passed \(full\)</);
    assert.equal(d.points.length > 0, true);
  });
});

describe('burn --log: what else ends up in the log', () => {
  it('a failed close is the result: exit 1, closeError in the log as in --json', async () => {
    const iso = await isoFile('close.iso', 512);
    const log = filePath('close.ndjson');
    const r = await collect(
      start(
        ['burn', dvd(imagePath()), iso, '--verify', 'none', '--json', '--log', log],
        faults({ imageCloseFault: 'EIO' }),
      ),
    );
    assert.equal(r.code, 1, r.stderr);
    const records = parseLog(await readFile(log, 'utf8'));
    const { t: _t, event, ...fields } = records.at(-1) as LogRecord;
    assert.equal(event, 'result');
    assert.deepEqual(fields, jsonLines(r.stdout).at(-1));
    assert.equal(
      (fields.closeError as { code: string }).code,
      'HRESULT_FROM_WIN32(ERROR_IO_DEVICE)',
    );
    assert.deepEqual(
      records.filter((x) => x.event === 'verify').map((x) => x.result),
      ['not run (none)'],
    );
    assert.match(reportData(records).summary.result, /^error /);
  });

  it('a burn refused before verifying has no verify record; its error is the result', async () => {
    const img = imagePath();
    const iso = await isoFile('twice.iso', 256);
    const first = await run(['burn', dvd(img), iso, '--finalize', '--verify', 'none']);
    assert.equal(first.code, 0, first.stderr);
    const log = filePath('twice.ndjson');
    const again = await run(['burn', dvd(img), iso, '--log', log]);
    assert.equal(again.code, 1);
    const records = parseLog(await readFile(log, 'utf8'));
    assert.equal(records.filter((x) => x.event === 'verify').length, 0);
    assert.deepEqual(
      records.filter((x) => x.event === 'phase').map((x) => x.phase),
      ['open', 'validating', 'finish'],
    );
    assert.equal(records.at(-1)?.code, 'E_IMAPI_DF2DATA_MEDIA_NOT_BLANK');
    assert.equal(reportData(records).summary.verify, 'not run');
  });

  it('--also refuses --log and --report (exit 2) before any drive is opened', async () => {
    const iso = await isoFile('also.iso', 64);
    const a = imagePath();
    const b = imagePath();
    for (const flag of ['--log', '--report']) {
      const r = await run(['burn', dvd(a), iso, '--also', dvd(b), flag, filePath('also.out')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /--log and --report record one drive: they cannot be combined with --also/,
      );
    }
    await assert.rejects(stat(a), { code: 'ENOENT' });
    await assert.rejects(stat(filePath('also.out')), { code: 'ENOENT' });
  });

  it('a usage error stays exit 2 with --log, and creates no log', async () => {
    const iso = await isoFile('usage.iso', 64);
    const log = filePath('usage.ndjson');
    const r = await run(['burn', dvd(imagePath()), iso, '--speed', 'fast', '--log', log]);
    assert.equal(r.code, 2, r.stderr);
    await assert.rejects(stat(log), { code: 'ENOENT' });
  });
});
