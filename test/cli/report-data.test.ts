// The report's model (src/cli/report-data.ts), the chart markup (report-svg.ts) and the terminal
// sparkline (sparkline.ts) from hand-written logs: a 4x DVD run with a one-second stall, a retry
// and a phase change, whose figures are known in advance.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bucketPoints, reportData, type ReportPoint } from '../../src/cli/report-data.js';
import { parseLog } from '../../src/cli/burn-log.js';
import { chartSvg, niceTicks } from '../../src/cli/report-svg.js';
import { reportHtml } from '../../src/cli/report-html.js';
import { sparkline, speedSlices } from '../../src/cli/sparkline.js';

const ONE_X = 1_385_000;
const BUF = 1_048_576;

function header(): Record<string, unknown> {
  return {
    event: 'header',
    t: 0,
    format: 'discwright-burn-log',
    formatVersion: 1,
    discwright: '0.1.0',
    startedAt: '2026-12-08T00:00:00.000Z',
    run: {
      command: 'write-section',
      address: 'virtual:dvd+r',
      section: { lba: 0, blocks: 20_000, bytesPerSector: 2048 },
      requested: { startSectorsPerSecond: -1, endSectorsPerSecond: null },
    },
    drive: { vendorId: 'DISCWRT', productId: 'VIRTUAL DVD+R', productRevision: '1.00' },
    media: {
      profile: 0x1b,
      profileName: 'DVD+R',
      family: 'DVD',
      oneXBytesPerSecond: ONE_X,
      manufacturerId: 'RICOHJPN',
      mediaTypeId: 'R03',
    },
    writeSpeedsKBps: [5540],
  };
}

function update(
  t: number,
  written: number,
  drivePct: number,
  final = false,
): Record<string, unknown> {
  return {
    event: 'update',
    t,
    startLba: 0,
    sectorCount: 20_000,
    lastReadLba: written,
    lastWrittenLba: written === 0 ? 0 : written - 1,
    totalSystemBuffer: 262_144,
    usedSystemBuffer: 131_072,
    freeSystemBuffer: 131_072,
    totalDeviceBuffer: BUF,
    usedDeviceBuffer: Math.round((drivePct / 100) * BUF),
    blocksRead: written,
    blocksWritten: written,
    elapsedMs: t,
    bytesPerSecond: 0,
    averageBytesPerSecond: 0,
    etaMs: null,
    final,
  };
}

// 4x = 2705 blocks/s: 1352 blocks every 500 ms; a stall from 2000 to 3000 ms.
function stalledRun(): string {
  const lines: Record<string, unknown>[] = [header(), { event: 'phase', phase: 'write', t: 1 }];
  let written = 0;
  for (let t = 0; t <= 6000; t += 500) {
    const stalled = t > 2000 && t <= 3000;
    if (t > 0 && !stalled) written += 1352;
    lines.push(update(t, written, stalled ? 0 : 90));
    if (t === 4000) {
      lines.push({
        event: 'retry',
        t: 4100,
        command: 'WRITE(10)',
        lba: 8000,
        blocks: 32,
        attempt: 2,
        busy: false,
        sense: { code: '03/0C/00', keyName: 'MEDIUM ERROR', text: 'WRITE ERROR' },
        status: 'CHECK CONDITION',
      });
    }
  }
  lines.push({ event: 'phase', phase: 'finish', t: 6100 });
  lines.push({
    event: 'result',
    t: 6300,
    result: 'ok',
    code: 'S_OK',
    blocksWritten: written,
    averageBytesPerSecond: 4_000_000,
  });
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

describe('report data from a log', () => {
  it('speed per 500 ms interval: 4x while writing, 0 in the stall; the slowest moments there', () => {
    const d = reportData(parseLog(stalledRun()));
    assert.equal(d.updates, 13);
    const x = d.points.map((p) => Math.round((p.speedX ?? -1) * 10) / 10);
    // 1352 blocks × 2048 B in 0.5 s = 5.54 MB/s = 4.0x.
    assert.deepEqual(x, [4, 4, 4, 4, 0, 0, 4, 4, 4, 4, 4, 4]);
    const slowest = d.markers.filter((m) => m.kind === 'slowest');
    assert.ok(slowest.length >= 1 && slowest.every((m) => m.t > 2000 && m.t <= 3000));
    assert.equal(d.summary.minSpeedBps, 0);
    assert.equal(Math.round(d.summary.maxSpeedBps ?? 0), Math.round((1352 * 2048) / 0.5));
    assert.deepEqual(d.summary.lowestDriveBuffer, { pct: 0, lba: 4 * 1352 - 1, t: 2500 });
    assert.equal(d.summary.retries, 1);
    assert.deepEqual(
      d.markers.filter((m) => m.kind === 'retry').map((m) => [m.lba, m.label]),
      [[8000, 'retry 2 at LBA 8000: 03/0C/00 WRITE ERROR']],
    );
    assert.deepEqual(d.summary.phases, [
      { phase: 'write', ms: 6099 },
      { phase: 'finish', ms: 200 },
    ]);
    assert.equal(d.summary.media, 'DVD+R (media ID RICOHJPN/R03)');
    assert.match(d.summary.speedAsked, /^start maximum; end not given$/);
    assert.equal(d.summary.averageSpeedBps, 4_000_000);
  });

  it('the charts draw the series over the points and a marker per event', () => {
    const d = reportData(parseLog(stalledRun()));
    const svg = chartSvg(d, 'time');
    const speed = /data-series="speed" data-count="(\d+)" points="([^"]*)"/.exec(svg);
    assert.equal(Number(speed?.[1]), d.points.length);
    const ys = (speed?.[2] ?? '').split(' ').map((p) => Number(p.split(',')[1]));
    // The stall's two points sit on the zero line (the plot's bottom, y = 16 + 264).
    assert.deepEqual(ys.slice(4, 6), [280, 280]);
    assert.ok(ys.filter((y) => y === 280).length === 2);
    assert.equal([...svg.matchAll(/data-kind="retry"/g)].length, 1);
    assert.equal([...svg.matchAll(/data-kind="phase"/g)].length, 2);
    assert.match(svg, /data-kind="retry" data-lba="8000" data-t="4100"/);
  });

  it('bucketing keeps each bucket at its minimum, so a one-point dip survives', () => {
    const points: ReportPoint[] = Array.from({ length: 10_000 }, (_, i) => ({
      t: i,
      lba: i,
      speedBps: i === 5_123 ? 1 : 1000,
      speedX: null,
      driveBufferPct: i === 7_777 ? 3 : 90,
      hostBufferPct: 50,
    }));
    const b = bucketPoints(points, 100);
    assert.equal(b.length, 100);
    assert.equal(Math.min(...b.map((p) => p.speedBps)), 1);
    assert.equal(b.find((p) => p.speedBps === 1)?.lba, 5_123);
    assert.equal(Math.min(...b.map((p) => p.driveBufferPct ?? 100)), 3);
  });

  it('refuses what is not a burn log, naming the line', () => {
    assert.throws(() => parseLog(''), /not a discwright burn log/);
    assert.throws(() => parseLog('{"event":"update","t":0}\n'), /not a discwright burn log/);
    assert.throws(
      () => parseLog(`${JSON.stringify(header())}\n[1]\n`),
      /line 2: not a JSON object/,
    );
    assert.throws(
      () => parseLog(`${JSON.stringify(header())}\n{"event":"x"}\n`),
      /line 2: a record needs/,
    );
    assert.throws(
      () => parseLog(JSON.stringify({ ...header(), formatVersion: 2 })),
      /format version 2/,
    );
  });

  it('a log cut short (no result) still renders, and says so', () => {
    const text = stalledRun().split('\n').slice(0, 8).join('\n');
    const d = reportData(parseLog(text));
    assert.equal(d.summary.result, 'no result (the run did not finish)');
    assert.match(reportHtml(d), /no result \(the run did not finish\)/);
  });

  it('text from the log is escaped in the page', () => {
    const h = {
      ...header(),
      drive: { vendorId: '<script>', productId: 'a&b', productRevision: '"' },
    };
    const d = reportData(parseLog(JSON.stringify(h)));
    const html = reportHtml(d);
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /&lt;script&gt; a&amp;b &quot;/);
  });

  it('axis ticks step by 1, 2 or 5 × 10^n', () => {
    assert.deepEqual(niceTicks(4.2), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(niceTicks(17), [0, 5, 10, 15, 20]);
    assert.deepEqual(niceTicks(0), [0, 1]);
  });
});

describe('the end-of-run sparkline', () => {
  it('speed per time slice, the stall as the lowest bars', () => {
    const samples = [];
    let written = 0;
    for (let t = 0; t <= 4000; t += 100) {
      if (t > 0 && !(t > 1000 && t <= 2000)) written += 100;
      samples.push({ t, written });
    }
    const slices = speedSlices(samples, 2048, 4);
    // Slices of 1 s: 1000 blocks, 0 (the stall), 1000, 1000.
    assert.deepEqual(slices, [1000 * 2048, 0, 1000 * 2048, 1000 * 2048]);
    assert.equal(sparkline(slices), '█▁██');
    assert.equal(sparkline([0, 0]), '▁▁');
    assert.deepEqual(speedSlices([{ t: 0, written: 0 }], 2048), []);
  });
});
