// The report page (`discwright report`, `--report`; issue #22): one self-contained HTML file,
// inline CSS and inline SVG, no script and no network access, so it opens anywhere and from an
// archive years later. Its parts: the title, the legend, the charts against LBA and against time
// (report-svg.ts), the summary table (each row's `data-field` names the figure) and the list of
// events. The model is embedded as JSON (`<script type="application/json" id="report-data">`,
// not executed) for anyone who wants the numbers.

import { chartSvg, escapeXml } from './report-svg.js';
import type { ReportData } from './report-data.js';
import { formatDuration } from './format.js';

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.sub{color:#5b6577;margin:0 0 16px}
.legend span{margin-right:18px;white-space:nowrap}
.legend i{display:inline-block;width:22px;height:3px;vertical-align:middle;margin-right:6px}
.chart{display:block;max-width:100%;height:auto;border:1px solid #d8dde6;margin:8px 0}
.chart .plot{fill:#fbfcfe}.chart .grid{stroke:#e3e7ee;stroke-width:1}
.chart text{font-size:11px;fill:#5b6577}.chart .axis-title{font-size:12px}
.series{fill:none;stroke-width:1.6;stroke-linejoin:round}
.series.speed,.legend .speed{stroke:#1f6feb;background:#1f6feb}
.series.drive-buffer,.legend .drive-buffer{stroke:#2da44e;background:#2da44e}
.series.host-buffer,.legend .host-buffer{stroke:#bf8700;background:#bf8700}
.marker{stroke-width:1.5;stroke-dasharray:4 3}
.marker.retry,.legend .retry{stroke:#cf222e;background:#cf222e}
.marker.busy,.legend .busy{stroke:#e16f24;background:#e16f24}
.marker.check-condition{stroke:#8250df}
.marker.phase,.legend .phase{stroke:#57606a;background:#57606a;stroke-dasharray:2 4}
.marker.slowest,.legend .slowest{stroke:#6e40c9;background:#6e40c9}
table{border-collapse:collapse;margin:8px 0}th,td{text-align:left;padding:3px 12px 3px 0;vertical-align:top}
th{font-weight:600;color:#3a4353}td.num{font-variant-numeric:tabular-nums}
.events td{font-size:13px}
`;

const esc = escapeXml;
/** Seconds with a tenth under a minute (phases of a few hundred ms stay visible), else m:ss. */
const dur = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms));
const pct = (n: number) => `${n.toFixed(1)}%`;

function speed(bps: number | null, oneX: number | null): string {
  if (bps === null) return 'n/a';
  const mb = `${(bps / 1e6).toFixed(2)} MB/s`;
  return oneX === null ? mb : `${(bps / oneX).toFixed(1)}x (${mb})`;
}

function row(field: string, label: string, value: string): string {
  return `<tr data-field="${field}"><th>${esc(label)}</th><td class="num">${esc(value)}</td></tr>`;
}

function summaryTable(d: ReportData): string {
  const s = d.summary;
  const rows = [
    row('drive', 'drive', s.drive),
    row('media', 'media', s.media),
    row('speed-asked', 'speed asked', s.speedAsked),
    row('drive-speed', "drive's speed at the start", s.driveSpeed),
    row('speed-achieved', 'speed achieved', s.speedAchieved),
    row('average-speed', 'average speed', speed(s.averageSpeedBps, d.oneXBytesPerSecond)),
    row('min-speed', 'lowest speed', speed(s.minSpeedBps, d.oneXBytesPerSecond)),
    row('max-speed', 'highest speed', speed(s.maxSpeedBps, d.oneXBytesPerSecond)),
    row(
      'lowest-drive-buffer',
      'lowest drive buffer fill',
      s.lowestDriveBuffer === null
        ? 'not reported by the drive'
        : `${pct(s.lowestDriveBuffer.pct)} at LBA ${s.lowestDriveBuffer.lba}`,
    ),
    row(
      'lowest-host-buffer',
      'lowest host buffer fill',
      s.lowestHostBuffer === null
        ? 'n/a'
        : `${pct(s.lowestHostBuffer.pct)} at LBA ${s.lowestHostBuffer.lba}`,
    ),
    row('retries', 'retries', String(s.retries)),
    row('busy-waits', 'busy waits', `${s.busyWaits} (${s.busyMs} ms)`),
    ...s.phases.map((p) => row(`phase-${p.phase}`, `phase ${p.phase}`, dur(p.ms))),
    row('elapsed', 'whole run', dur(s.elapsedMs)),
    row(
      'blocks-written',
      'blocks written',
      s.blocksWritten === null ? 'unknown' : String(s.blocksWritten),
    ),
    row('verify', 'verify', s.verify),
    row('result', 'result', s.result),
    row('updates', 'updates logged', String(d.updates)),
  ];
  return `<table class="summary" id="summary">${rows.join('')}</table>`;
}

function eventsTable(d: ReportData): string {
  if (d.markers.length === 0) return '<p>No events.</p>';
  const rows = d.markers.map(
    (m) =>
      `<tr data-kind="${m.kind}"><td class="num">${esc(dur(m.t))}</td><td class="num">${m.lba}</td><td>${esc(m.kind)}</td><td>${esc(m.label)}</td></tr>`,
  );
  return `<table class="events"><tr><th>time</th><th>LBA</th><th>kind</th><th>what</th></tr>${rows.join('')}</table>`;
}

/** The whole page. */
export function reportHtml(d: ReportData): string {
  const legend = [
    ['speed', d.oneXBytesPerSecond === null ? 'write speed (MB/s)' : 'write speed (x)'],
    ['drive-buffer', 'drive buffer %'],
    ['host-buffer', 'host buffer %'],
    ['retry', 'retry'],
    ['busy', 'busy wait'],
    ['phase', 'phase change'],
    ['slowest', 'slowest moments'],
  ]
    .map(([k, t]) => `<span><i class="${k}"></i>${esc(t ?? '')}</span>`)
    .join('');
  // `<` is escaped so the JSON cannot close the script element.
  const json = JSON.stringify(d).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>discwright report: ${esc(d.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(d.title)}</h1>
<p class="sub">discwright burn report · started ${esc(d.startedAt)}</p>
<div class="legend">${legend}</div>
<h2>Against the position on the disc</h2>
${chartSvg(d, 'lba')}
<h2>Against time</h2>
${chartSvg(d, 'time')}
<h2>Summary</h2>
${summaryTable(d)}
<h2>Events</h2>
${eventsTable(d)}
<script type="application/json" id="report-data">${json}</script>
</body>
</html>
`;
}
