// The HTML report in a real browser (issue #22): headless Chromium (Debian's `chromium`, installed
// by .ci/run) opens a report made by `write-section --report` and, through a check script added
// to a copy of the page, says whether anything failed to load or logged an error, how large each
// chart is drawn and what the summary table holds. Skipped, with one line, where chromium is not
// installed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';

const CHROMIUM = process.env.DISCWRIGHT_TEST_CHROMIUM ?? 'chromium';
const present = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).status === 0;

const { filePath } = scratchImages('discwright-report-browser-');

// Before anything else on the page: collect load failures, script errors and console.error.
const CAPTURE = `<script>window.__errors=[];addEventListener('error',function(e){__errors.push(String(e.message||(e.target&&e.target.outerHTML)))},true);var ce=console.error;console.error=function(){__errors.push([].join.call(arguments,' '));ce.apply(console,arguments)};</script>`;
// Once the page has loaded (images failed or not): what the browser drew, as JSON in <pre id="check"> (read back with --dump-dom).
const MEASURE = `<script>addEventListener('load',function(){var r={charts:[].map.call(document.querySelectorAll('svg.chart'),function(s){var b=s.getBoundingClientRect();return {axis:s.getAttribute('data-axis'),width:b.width,height:b.height}}),rows:{}};[].forEach.call(document.querySelectorAll('table.summary tr'),function(tr){r.rows[tr.getAttribute('data-field')]=tr.cells[1].textContent});r.errors=__errors;var p=document.createElement('pre');p.id='check';p.textContent=JSON.stringify(r);document.body.appendChild(p)})</script>`;

interface Check {
  readonly charts: readonly { axis: string; width: number; height: number }[];
  readonly rows: Readonly<Record<string, string>>;
  readonly errors: readonly string[];
}

/** Opens `html` (with the check scripts) in headless Chromium and returns what it measured. */
async function openInChromium(html: string, name: string): Promise<Check> {
  const page = filePath(name);
  await writeFile(
    page,
    html.replace('<head>', `<head>${CAPTURE}`).replace('</body>', `${MEASURE}</body>`),
  );
  const r = spawnSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox', // CI runs as root
      '--disable-gpu',
      `--user-data-dir=${filePath(`profile-${name}`)}`,
      '--window-size=1200,900',
      '--virtual-time-budget=5000', // dump the DOM only after the load event's handlers ran
      '--dump-dom',
      pathToFileURL(page).href,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const m = /<pre id="check">(.*?)<\/pre>/s.exec(r.stdout);
  assert.ok(m?.[1] !== undefined, 'the check script did not run');
  return JSON.parse(
    m[1]
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  ) as Check;
}

describe(
  'the HTML report in headless Chromium',
  { skip: present ? false : `${CHROMIUM} is not installed: the report is not opened in a browser` },
  () => {
    it('opens without errors, draws both charts, and its table holds the log figures', async () => {
      const src = filePath('src.bin');
      await writeFile(src, Buffer.alloc(256 * 2048, 0x5a));
      const log = filePath('run.ndjson');
      const report = filePath('run.html');
      const w = await run([
        'write-section',
        'virtual:dvd+r',
        src,
        '--lba',
        '0',
        '--log',
        log,
        '--report',
        report,
      ]);
      assert.equal(w.code, 0, w.stderr);
      const updates = (await readFile(log, 'utf8'))
        .split('\n')
        .filter((l) => l.includes('"event":"update"')).length;

      const c = await openInChromium(await readFile(report, 'utf8'), 'report.html');
      assert.deepEqual(c.errors, []);
      assert.deepEqual(
        c.charts.map((x) => x.axis),
        ['lba', 'time'],
      );
      for (const chart of c.charts)
        assert.ok(chart.width > 300 && chart.height > 80, JSON.stringify(chart));
      assert.equal(c.rows.drive, 'DISCWRT VIRTUAL DVD+R 1.00');
      assert.equal(c.rows.media, 'DVD+R (media ID not reported)');
      assert.equal(c.rows['blocks-written'], '256');
      assert.equal(c.rows.retries, '0');
      assert.equal(c.rows.result, 'ok S_OK');
      assert.equal(c.rows.updates, String(updates));
    });

    it('the check itself sees a resource that fails to load', async () => {
      const c = await openInChromium(
        '<!DOCTYPE html><html><head></head><body><img src="missing.png"></body></html>',
        'broken.html',
      );
      assert.equal(c.errors.length, 1);
      assert.match(c.errors[0] ?? '', /missing\.png/);
    });
  },
);
