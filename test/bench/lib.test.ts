// The benchmark plumbing's pure parts: medians, sizes, figures per sample and the result table.
// No timings here: samples are made up.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Columns,
  cpuPerGiB,
  GiB,
  mbps,
  median,
  parseSize,
  sizeText,
  table,
  type Sample,
  type Series,
} from '../../bench/lib.js';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('does not reorder its input and lies between min and max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1 }),
        (xs) => {
          const copy = [...xs];
          const m = median(xs);
          assert.deepEqual(xs, copy);
          assert.ok(m >= Math.min(...xs) && m <= Math.max(...xs));
        },
      ),
    );
  });
});

describe('parseSize / sizeText', () => {
  it('reads k, m, g suffixes as binary units', () => {
    assert.equal(parseSize('64m'), 64 * 1024 * 1024);
    assert.equal(parseSize('1G'), GiB);
    assert.equal(parseSize('4g'), 4 * GiB);
    assert.equal(parseSize('512MiB'), 512 * 1024 * 1024);
    assert.equal(parseSize('64k'), 65536);
    assert.equal(parseSize('1048576'), 1048576);
  });

  it('refuses sizes that are not whole 2048-byte blocks, and garbage', () => {
    assert.throws(() => parseSize('1000'));
    assert.throws(() => parseSize('1t'));
    assert.throws(() => parseSize('lots'));
  });

  it('names sizes in the largest whole unit', () => {
    assert.equal(sizeText(GiB), '1 GiB');
    assert.equal(sizeText(512 * 1024 * 1024), '512 MiB');
    assert.equal(sizeText(2048), '2048 bytes');
  });
});

describe('figures per sample', () => {
  it('MB/s is decimal megabytes per second; CPU s/GiB scales by the bytes moved', () => {
    const s: Sample = { ms: 500, bytes: 2 * GiB, cpuSec: 1 };
    assert.equal(mbps(s), (2 * GiB) / 1e6 / 0.5);
    assert.equal(cpuPerGiB(s), 0.5);
    assert.ok(Number.isNaN(cpuPerGiB({ ms: 1, bytes: GiB })));
  });
});

describe('table', () => {
  const series: Series[] = [
    {
      name: 'base',
      samples: [
        { ms: 1000, bytes: 100e6, maxRssBytes: 2e6 },
        { ms: 1000, bytes: 300e6, maxRssBytes: 2e6 },
        { ms: 1000, bytes: 200e6, maxRssBytes: 2e6 },
      ],
    },
    {
      name: 'ours',
      samples: [
        { ms: 1000, bytes: 400e6 },
        { ms: 1000, bytes: 600e6 },
      ],
    },
  ];

  it('shows median, min–max and the ratio of medians to the first series', () => {
    const lines = table(series, [Columns.mbps]).split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /^\| contender \| runs \| MB\/s \(median\) \| min–max \| ratio/);
    assert.equal(lines[2], '| base | 3 | 200 | 100–300 | 1.00 |');
    assert.equal(lines[3], '| ours | 2 | 500 | 400–600 | 2.50 |');
  });

  it('shows a dash where a figure is unknown', () => {
    const lines = table(series, [Columns.rssMB], null).split('\n');
    assert.equal(lines[2], '| base | 3 | 2 | 2–2 |');
    assert.equal(lines[3], '| ours | 2 | – | – |');
  });
});
