// The report's charts as plain SVG text (docs/decisions.md, "The report's charts are SVG we
// write"): write speed on the left axis (x of the media, or MB/s when the media is unknown), drive
// and host buffer fill in % on the right axis, against LBA or against time, with a vertical line
// per marker. Every drawn element names what it shows (`data-series`, `data-kind`, `data-lba`,
// `data-t`), so tests read the chart's content from the markup, not from pixels.

import type { ReportData, ReportMarker, ReportPoint } from './report-data.js';

export type ChartAxis = 'lba' | 'time';

const W = 960;
const H = 320;
const PAD = { left: 64, right: 56, top: 16, bottom: 40 } as const;
const PW = W - PAD.left - PAD.right;
const PH = H - PAD.top - PAD.bottom;

/** Text for an SVG text node or attribute. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** 1, 2, 5 × 10^n steps: about `count` ticks from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const f1 = (n: number) => (Math.round(n * 10) / 10).toString();

function timeLabel(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${f1(s)} s`;
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.round(s - m * 60)).padStart(2, '0')}`;
}

/** One chart: speed and both buffers against `axis`, with the markers. */
export function chartSvg(data: ReportData, axis: ChartAxis): string {
  const pts = data.points;
  const xOf = (p: { t: number; lba: number }) => (axis === 'lba' ? p.lba : p.t / 1000);
  const xs = pts.map(xOf);
  // The LBA axis spans the section, the time axis starts at the log's start.
  const sec = data.section;
  const xMin = axis === 'time' ? 0 : sec !== null ? sec.lba : Math.min(0, ...xs);
  const xMaxRaw =
    axis === 'lba' && sec !== null ? sec.lba + sec.blocks - 1 : Math.max(xMin + 1, ...xs);
  const xMax = xMaxRaw > xMin ? xMaxRaw : xMin + 1;
  const inX = data.oneXBytesPerSecond !== null;
  const speedOf = (p: ReportPoint) => (inX ? (p.speedX ?? 0) : p.speedBps / 1e6);
  const speedTicks = niceTicks(Math.max(0, ...pts.map(speedOf)));
  const sMax = speedTicks.at(-1) ?? 1;
  const px = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin)) * PW;
  const pyS = (v: number) => PAD.top + PH - (v / sMax) * PH;
  const pyB = (pct: number) => PAD.top + PH - (pct / 100) * PH;
  const r = (n: number) => n.toFixed(1);

  const parts: string[] = [];
  const label = axis === 'lba' ? 'LBA' : 'time';
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-axis="${axis}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="write speed and buffer fill against ${label}">`,
  );
  parts.push(`<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${PW}" height="${PH}"/>`);
  // Grid and axes.
  for (const v of speedTicks) {
    const y = r(pyS(v));
    const text = inX ? `${f1(v)}x` : `${f1(v)} MB/s`;
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${PAD.left + PW}" y1="${y}" y2="${y}"/>`);
    parts.push(
      `<text class="tick speed" x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${text}</text>`,
    );
  }
  for (const pct of [0, 25, 50, 75, 100]) {
    parts.push(
      `<text class="tick buffer" x="${PAD.left + PW + 6}" y="${r(pyB(pct))}" dominant-baseline="middle">${pct}%</text>`,
    );
  }
  for (const v of niceTicks(xMax - xMin, 8)) {
    const x = xMin + v;
    if (x > xMax) break;
    parts.push(
      `<text class="tick x" x="${r(px(x))}" y="${PAD.top + PH + 16}" text-anchor="middle">${axis === 'lba' ? String(Math.round(x)) : timeLabel(x * 1000)}</text>`,
    );
  }
  parts.push(
    `<text class="axis-title" x="${PAD.left + PW / 2}" y="${H - 4}" text-anchor="middle">${axis === 'lba' ? 'LBA' : 'time since start'}</text>`,
  );
  // Markers under the series, so the curves stay readable.
  parts.push('<g class="markers">');
  for (const m of data.markers)
    parts.push(markerSvg(m, axis === 'lba' ? m.lba : m.t / 1000, px, xMin, xMax));
  parts.push('</g>');
  const line = (
    name: string,
    value: (p: ReportPoint) => number | null,
    y: (v: number) => number,
  ) => {
    const coords: string[] = [];
    for (const p of pts) {
      const v = value(p);
      if (v !== null) coords.push(`${r(px(xOf(p)))},${r(y(v))}`);
    }
    parts.push(
      `<polyline class="series ${name}" data-series="${name}" data-count="${coords.length}" points="${coords.join(' ')}"/>`,
    );
  };
  line('host-buffer', (p) => p.hostBufferPct, pyB);
  line('drive-buffer', (p) => p.driveBufferPct, pyB);
  line('speed', speedOf, pyS);
  parts.push('</svg>');
  return parts.join('\n');
}

function markerSvg(
  m: ReportMarker,
  x: number,
  px: (x: number) => number,
  xMin: number,
  xMax: number,
): string {
  const cx = Math.min(Math.max(x, xMin), xMax);
  const X = px(cx).toFixed(1);
  return (
    `<line class="marker ${m.kind}" data-kind="${m.kind}" data-lba="${m.lba}" data-t="${Math.round(m.t)}" x1="${X}" x2="${X}" y1="${PAD.top}" y2="${PAD.top + PH}">` +
    `<title>${escapeXml(m.label)}</title></line>`
  );
}
