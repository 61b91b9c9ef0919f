// The data behind `discwright report` (issue #22; docs/burn-log.md): a burn log's records turned
// (parseLog in burn-log.ts) into chart series (write speed, drive and host buffer fill, each against LBA and time), markers
// (retries, busy waits, phases, the slowest moments) and the summary table. Pure: records in,
// model out, so the report's content is tested without a browser.
//
// Speed is measured, not taken from the engine's 5-second window: between each update and the
// last one at least SPEED_WINDOW_MS before it, blocks written over elapsed time on the log's
// clock. A pause shows as the drop it was instead of being smoothed over five seconds.

import type { LogRecord } from './burn-log.js';

export const SPEED_WINDOW_MS = 500;
/** A moment is marked slow below this fraction of the run's median speed (at most 3 marked). */
export const SLOW_FRACTION = 0.75;
/** The drive buffer counts as filled (dips are looked for from then on) at this fill, %. */
export const FILLED_PCT = 50;
/** Points per series at most; longer runs are bucketed keeping each bucket's minimum. */
export const MAX_POINTS = 1200;

export interface ReportPoint {
  /** ms since the log started. */
  readonly t: number;
  /** The last LBA written at that moment. */
  readonly lba: number;
  readonly speedBps: number;
  /** Speed in x of the media; null when the media's 1x is unknown. */
  readonly speedX: number | null;
  /** Drive buffer fill, % (null while the drive did not report it). */
  readonly driveBufferPct: number | null;
  readonly hostBufferPct: number;
}

export type MarkerKind = 'retry' | 'busy' | 'phase' | 'slowest' | 'check-condition';

export interface ReportMarker {
  readonly kind: MarkerKind;
  readonly t: number;
  readonly lba: number;
  readonly label: string;
}

export interface ReportSummary {
  readonly drive: string;
  readonly media: string;
  readonly speedAsked: string;
  readonly speedAchieved: string;
  /** The speed the drive said it was set to at the start (page 2Ah). */
  readonly driveSpeed: string;
  readonly averageSpeedBps: number;
  readonly minSpeedBps: number | null;
  readonly maxSpeedBps: number | null;
  readonly phases: readonly { readonly phase: string; readonly ms: number }[];
  readonly lowestDriveBuffer: {
    readonly pct: number;
    readonly lba: number;
    readonly t: number;
  } | null;
  readonly lowestHostBuffer: {
    readonly pct: number;
    readonly lba: number;
    readonly t: number;
  } | null;
  readonly retries: number;
  readonly busyWaits: number;
  readonly busyMs: number;
  readonly verify: string;
  readonly result: string;
  readonly blocksWritten: number | null;
  readonly elapsedMs: number;
}

export interface ReportData {
  readonly title: string;
  readonly startedAt: string;
  readonly oneXBytesPerSecond: number | null;
  readonly bytesPerSector: number;
  /** The section written (the LBA axis runs over it), when the header names one. */
  readonly section: { readonly lba: number; readonly blocks: number } | null;
  readonly points: readonly ReportPoint[];
  readonly markers: readonly ReportMarker[];
  readonly summary: ReportSummary;
  readonly updates: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

interface Update {
  readonly t: number;
  readonly lba: number;
  readonly written: number;
  readonly drivePct: number | null;
  readonly hostPct: number;
  readonly final: boolean;
}

function updateOf(r: LogRecord): Update | null {
  const written = num(r.blocksWritten);
  const lba = num(r.lastWrittenLba);
  const hostTotal = num(r.totalSystemBuffer);
  const hostUsed = num(r.usedSystemBuffer);
  if (written === null || lba === null || hostTotal === null || hostUsed === null) return null;
  const dTotal = num(r.totalDeviceBuffer);
  const dUsed = num(r.usedDeviceBuffer);
  const pct = (used: number, total: number) => Math.max(0, Math.min(100, (used / total) * 100));
  return {
    t: r.t,
    lba,
    written,
    drivePct: dTotal !== null && dTotal > 0 && dUsed !== null ? pct(dUsed, dTotal) : null,
    hostPct: hostTotal > 0 ? pct(hostUsed, hostTotal) : 0,
    final: r.final === true,
  };
}

function speedPoints(u: readonly Update[], bps: number, oneX: number | null): ReportPoint[] {
  const points: ReportPoint[] = [];
  let j = 0;
  for (let i = 1; i < u.length; i++) {
    const cur = u[i] as Update;
    while (j + 1 < i && (u[j + 1] as Update).t <= cur.t - SPEED_WINDOW_MS) j++;
    const from = u[j] as Update;
    const dt = cur.t - from.t;
    if (dt <= 0) continue;
    const speedBps = ((cur.written - from.written) * bps * 1000) / dt;
    points.push({
      t: cur.t,
      lba: cur.lba,
      speedBps,
      speedX: oneX === null ? null : speedBps / oneX,
      driveBufferPct: cur.drivePct,
      hostBufferPct: cur.hostPct,
    });
  }
  return points;
}

/** At most `max` points: one per bucket, each series at its bucket minimum (dips survive). */
export function bucketPoints(points: readonly ReportPoint[], max = MAX_POINTS): ReportPoint[] {
  if (points.length <= max) return [...points];
  const out: ReportPoint[] = [];
  const size = points.length / max;
  for (let b = 0; b < max; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    const first = slice[0];
    if (first === undefined) continue;
    let slow = first;
    let drive: number | null = null;
    let host = Number.POSITIVE_INFINITY;
    for (const p of slice) {
      if (p.speedBps < slow.speedBps) slow = p;
      if (p.driveBufferPct !== null) drive = Math.min(drive ?? 100, p.driveBufferPct);
      host = Math.min(host, p.hostBufferPct);
    }
    out.push({ ...slow, driveBufferPct: drive, hostBufferPct: host });
  }
  return out;
}

function lbaAt(updates: readonly Update[], t: number, fallback: number): number {
  let lba = fallback;
  for (const u of updates) {
    if (u.t > t) break;
    lba = u.lba;
  }
  return lba;
}

/** The lowest points of `points` by `value`, at least `gap` ms apart, lowest first. */
function lowest(
  points: readonly ReportPoint[],
  value: (p: ReportPoint) => number,
  n: number,
  gap: number,
) {
  const sorted = [...points].sort((a, b) => value(a) - value(b));
  const picked: ReportPoint[] = [];
  for (const p of sorted) {
    if (picked.length === n) break;
    if (picked.every((q) => Math.abs(q.t - p.t) >= gap)) picked.push(p);
  }
  return picked;
}

const mbps = (bps: number) => `${(bps / 1e6).toFixed(2)} MB/s`;

function speedText(bps: number, oneX: number | null): string {
  return oneX === null ? mbps(bps) : `${(bps / oneX).toFixed(1)}x (${mbps(bps)})`;
}

function hintText(v: unknown, bps: number, oneX: number | null): string {
  const n = num(v);
  if (n === null) return 'not given';
  if (n === -1) return 'maximum';
  return `${n} sectors/s = ${speedText(n * bps, oneX)}`;
}

/** Builds the report's model from a log's records (parseLog's output). */
export function reportData(records: readonly LogRecord[]): ReportData {
  const header = records[0] as LogRecord;
  const run = obj(header.run);
  const section = obj(run.section);
  const media = obj(header.media);
  const drive = obj(header.drive);
  const bps = num(section.bytesPerSector) ?? 2048;
  const oneX = num(media.oneXBytesPerSecond);
  const updates = records.flatMap((r) => {
    const u = r.event === 'update' ? updateOf(r) : null;
    return u === null ? [] : [u];
  });
  const all = speedPoints(updates, bps, oneX);
  // The last update comes after the drive's cache was flushed; its interval says nothing of speed.
  const steady = all.filter((p, i) => i < all.length - 1 || updates.at(-1)?.final !== true);
  const startT = updates[0]?.t ?? 0;
  const endT = updates.at(-1)?.t ?? startT;
  const firstLba = num(section.lba) ?? 0;

  const markers: ReportMarker[] = [];
  let retries = 0;
  let busyWaits = 0;
  let busyMs = 0;
  let verify = 'not run';
  const phaseStarts: { phase: string; t: number }[] = [];
  let result: LogRecord | undefined;
  for (const r of records) {
    switch (r.event) {
      case 'retry': {
        retries++;
        const sense = obj(r.sense);
        const why = str(sense.code) ?? str(r.status) ?? '';
        markers.push({
          kind: 'retry',
          t: r.t,
          lba: num(r.lba) ?? firstLba,
          label:
            `retry ${String(num(r.attempt) ?? '')} at LBA ${String(num(r.lba))}: ${why} ${str(sense.text) ?? ''}`.trim(),
        });
        break;
      }
      case 'busy':
        busyWaits++;
        busyMs += num(r.durationMs) ?? 0;
        markers.push({
          kind: 'busy',
          t: r.t,
          lba: num(r.lba) ?? firstLba,
          label: `drive busy ${String(num(r.durationMs))} ms (${String(num(r.answers))} answers) at LBA ${String(num(r.lba))}`,
        });
        break;
      case 'check-condition': {
        const sense = obj(r.sense);
        markers.push({
          kind: 'check-condition',
          t: r.t,
          lba: num(r.lba) ?? lbaAt(updates, r.t, firstLba),
          label:
            `${str(r.command) ?? ''}: ${str(sense.code) ?? ''} ${str(sense.text) ?? ''}`.trim(),
        });
        break;
      }
      case 'phase': {
        const phase = str(r.phase) ?? '?';
        phaseStarts.push({ phase, t: r.t });
        markers.push({ kind: 'phase', t: r.t, lba: lbaAt(updates, r.t, firstLba), label: phase });
        break;
      }
      case 'verify':
        verify = str(r.result) ?? 'reported';
        break;
      case 'result':
        result = r;
        break;
      default:
        break;
    }
  }
  const endOfRun = result?.t ?? records.at(-1)?.t ?? endT;
  const phases = phaseStarts.map((p, i) => ({
    phase: p.phase,
    ms: Math.round((phaseStarts[i + 1]?.t ?? endOfRun) - p.t),
  }));

  const span = Math.max(1, endT - startT);
  // Before the first WRITE completes (the host buffer's prefill) nothing can be slow yet.
  const writingFrom = steady.find((p) => p.speedBps > 0)?.t ?? Number.POSITIVE_INFINITY;
  const slowCandidates = steady.filter((p) => p.t >= writingFrom);
  // Only real dips are marked: points below SLOW_FRACTION of the run's median speed.
  const sortedSpeeds = slowCandidates.map((p) => p.speedBps).sort((a, b) => a - b);
  const median = sortedSpeeds[Math.floor(sortedSpeeds.length / 2)] ?? 0;
  const dips = slowCandidates.filter((p) => p.speedBps < median * SLOW_FRACTION);
  for (const p of lowest(dips, (q) => q.speedBps, 3, span / 20)) {
    markers.push({
      kind: 'slowest',
      t: p.t,
      lba: p.lba,
      label: `slowest: ${speedText(p.speedBps, oneX)} at LBA ${p.lba}`,
    });
  }
  markers.sort((a, b) => a.t - b.t);

  // Until the first WRITEs have filled it the drive buffer is low: that is the start, not a dip.
  const filledAt =
    all.find((p) => (p.driveBufferPct ?? 0) >= FILLED_PCT)?.t ??
    all.find((p) => p.driveBufferPct !== null)?.t ??
    Number.POSITIVE_INFINITY;
  const writing = all.filter((p) => p.driveBufferPct !== null && p.t >= filledAt);
  const lowDrive = lowest(
    writing.filter((p) => !isFinalPoint(p, updates)),
    (p) => p.driveBufferPct ?? 100,
    1,
    0,
  )[0];
  const lowHost = lowest(steady, (p) => p.hostBufferPct, 1, 0)[0];
  const speeds = slowCandidates.map((p) => p.speedBps);
  const lastWritten = updates.at(-1)?.written ?? 0;
  const average =
    num(result?.averageBytesPerSecond) ?? (span > 0 ? (lastWritten * bps * 1000) / span : 0);
  const vendor =
    `${str(drive.vendorId) ?? ''} ${str(drive.productId) ?? ''} ${str(drive.productRevision) ?? ''}`.trim();
  const mediaId = [str(media.manufacturerId), str(media.mediaTypeId)]
    .filter((s) => s !== null)
    .join('/');
  const requested = obj(run.requested);
  const driveKBps = num(header.currentWriteSpeedKBps);
  return {
    title: `${vendor === '' ? 'unknown drive' : vendor} · ${str(media.profileName) ?? 'unknown media'}`,
    startedAt: str(header.startedAt) ?? '',
    oneXBytesPerSecond: oneX,
    bytesPerSector: bps,
    section:
      num(section.lba) !== null && (num(section.blocks) ?? 0) > 0
        ? { lba: num(section.lba) ?? 0, blocks: num(section.blocks) ?? 0 }
        : null,
    points: bucketPoints(all),
    markers,
    updates: updates.length,
    summary: {
      drive: vendor === '' ? 'unknown' : vendor,
      media: `${str(media.profileName) ?? 'unknown'}${mediaId === '' ? ' (media ID not reported)' : ` (media ID ${mediaId})`}`,
      speedAsked: `start ${hintText(requested.startSectorsPerSecond, bps, oneX)}; end ${hintText(requested.endSectorsPerSecond, bps, oneX)}`,
      speedAchieved: `average ${speedText(average, oneX)}`,
      driveSpeed: driveKBps === null ? 'not reported' : speedText(driveKBps * 1000, oneX),
      averageSpeedBps: average,
      minSpeedBps: speeds.length === 0 ? null : Math.min(...speeds),
      maxSpeedBps: speeds.length === 0 ? null : Math.max(...speeds),
      phases,
      lowestDriveBuffer:
        lowDrive === undefined
          ? null
          : { pct: lowDrive.driveBufferPct ?? 0, lba: lowDrive.lba, t: lowDrive.t },
      lowestHostBuffer:
        lowHost === undefined
          ? null
          : { pct: lowHost.hostBufferPct, lba: lowHost.lba, t: lowHost.t },
      retries,
      busyWaits,
      busyMs,
      verify,
      result:
        result === undefined
          ? 'no result (the run did not finish)'
          : `${str(result.result) ?? '?'} ${str(result.code) ?? ''}`.trim(),
      blocksWritten: result === undefined ? null : num(result.blocksWritten),
      elapsedMs: Math.round(endOfRun - (records[0]?.t ?? 0)),
    },
  };
}

/** The point of the final update (after the cache flush: the drive buffer is empty by then). */
function isFinalPoint(p: ReportPoint, updates: readonly Update[]): boolean {
  const last = updates.at(-1);
  return last?.final === true && last.t === p.t;
}
