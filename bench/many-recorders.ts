// Benchmark 8, many recorders from one process (issue #21, point 4): one process writes a section
// to 8 paced image-backed virtual BD-R drives at 16x (`virtual:bd-r?image=<file>&speed=16x`,
// 72 MB/s each) and to 4 tgt DVD+R LUNs over iSCSI (tgt does not pace: those write as fast as
// they can), all at once, one WriteEngine per recorder. Reported per recorder: MB/s, underruns
// and the lowest drive-buffer fill after the ramp-up (virtual drives; bench/fill-probe.ts); for
// the process: event-loop delay percentiles (perf_hooks.monitorEventLoopDelay, 1 ms resolution)
// and the CPU time of the whole run. Targets (issue #21): 0 underruns, p99 < 20 ms, lowest fill
// after the ramp ≥ 50 %. Each run starts on fresh images and freshly blanked LUNs.
//
// Where underruns come from (bench/fill-probe.ts): per virtual drive the longest time from a
// WRITE's completion to the next one's arrival, and for the WRITEs that found the buffer dry,
// that gap and the fill when the WRITE before them completed (full: the host was late; low: the
// drive was slow to answer, waiting for its image writer thread).
//
//   npm run build && node dist/bench/many-recorders.js [--drives 8] [--luns 4] [--size 512m]
//     [--lun-size 256m] [--speed 16x] [--drive-buffer 4M] [--runs 1] [--image-io direct|buffered]
//     [--source file|memory] [--before <other build's dist directory>]
//
// --before runs that build's bench (same drives, LUNs and sizes) in a child process before each
// run of this one, alternately, so a change is measured against its baseline in one invocation.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DiscRecorder } from '../src/device/index.js';
import { WriteEngine } from '../src/engine/index.js';
import { openVirtualDrive } from '../src/transport/emulated/index.js';
import { Tgt, tgtAvailability } from '../test/helpers/tgt.js';
import { FillProbe, type UnderrunTrace } from './fill-probe.js';
import {
  benchDir,
  GiB,
  median,
  parseSize,
  printResult,
  randomFile,
  remove,
  sizeText,
} from './lib.js';

const { values } = parseArgs({
  options: {
    drives: { type: 'string', default: '8' },
    luns: { type: 'string', default: '4' },
    size: { type: 'string', default: '512m' },
    'lun-size': { type: 'string', default: '256m' },
    speed: { type: 'string', default: '16x' },
    runs: { type: 'string', default: '1' },
    // The virtual drives' buffer (`buffer=`; 4 MiB, what the drive declares, when absent).
    'drive-buffer': { type: 'string' },
    // The image writer's I/O (`imageIo=`; direct when absent).
    'image-io': { type: 'string' },
    // Where the engines read the section from: the file (the thread pool's reads) or one copy
    // of it in memory, read before the clock starts (no source reads at all).
    source: { type: 'string', default: 'file' },
    before: { type: 'string' },
  },
});
const drives = Number(values.drives);
const lunCount = Number(values.luns);
const bytes = parseSize(String(values.size));
const lunBytes = parseSize(String(values['lun-size']));
const speed = String(values.speed);
const runs = Number(values.runs);
const driveBuffer = values['drive-buffer'] === undefined ? '' : `&buffer=${values['drive-buffer']}`;
const imageIo = values['image-io'] === undefined ? '' : `&imageIo=${values['image-io']}`;
/** The arguments another build's bench understands too (--before). */
const common = ['--drives', String(drives), '--luns', String(lunCount), '--size', String(values.size),
  '--lun-size', String(values['lun-size']), '--speed', speed, '--runs', '1',
  ...(values['drive-buffer'] === undefined ? [] : ['--drive-buffer', values['drive-buffer']])]; // prettier-ignore
const dir = benchDir();
const sourcePath = randomFile(
  join(dir, `random-${Math.max(bytes, lunBytes)}.bin`),
  Math.max(bytes, lunBytes),
);

const source = sourcePath;
const inMemory = values.source === 'memory' ? new Uint8Array(readFileSync(sourcePath)) : undefined;

interface Outcome {
  readonly name: string;
  readonly bytes: number;
  readonly ms: number;
  readonly underruns?: number;
  readonly minFillSteadyPct?: number;
  readonly maxGapMs?: number;
  readonly trace?: UnderrunTrace;
  readonly error?: string;
}

const pct = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');

const tgtOk: { run: boolean; message?: string } =
  lunCount > 0 ? tgtAvailability() : { run: false, message: 'no LUNs asked for' };
const tgt = tgtOk.run ? await Tgt.start() : undefined;
const notes: string[] = [];
if (lunCount > 0 && tgt === undefined)
  notes.push(`No tgt LUNs: ${tgtOk.message ?? 'tgt is missing'}.`);
try {
  if (tgt !== undefined) {
    for (let tid = 1; tid <= lunCount; tid++) {
      await tgt.addDvdTarget(tid);
      // WCE=1: tgt does not fdatasync after every WRITE (as in bench/iscsi.ts).
      await tgt.adm([
        '--mode', 'logicalunit', '--op', 'update', '--tid', String(tid), '--lun', '1',
        '--params', 'mode_page=8:0:10:4:0:0:0:0:0:0:0:0:0',
      ]); // prettier-ignore
    }
  }
  for (let run = 1; run <= runs; run++) {
    if (values.before !== undefined) {
      process.stdout.write(`(--before: ${values.before})\n`);
      spawnSync(process.execPath, [join(values.before, 'bench/many-recorders.js'), ...common], {
        stdio: 'inherit',
      });
    }
    if (tgt !== undefined) for (let tid = 1; tid <= lunCount; tid++) await tgt.blank(tid);
    const images = Array.from({ length: drives }, (_, i) => join(dir, `many-${i + 1}.img`));
    for (const img of images) remove(img, `${img}.json`, `${img}.lock`);

    // Open everything first: the clock starts when every recorder is ready.
    const jobs: { name: string; engine: WriteEngine; recorder: DiscRecorder; bytes: number; probe?: FillProbe }[] = []; // prettier-ignore
    for (let i = 0; i < drives; i++) {
      const drive = await openVirtualDrive(
        `virtual:bd-r?image=${images[i]!}&speed=${speed}${driveBuffer}${imageIo}`,
      );
      const probe = new FillProbe(drive);
      const recorder = await DiscRecorder.fromTransport(probe);
      jobs.push({ name: `virtual BD-R ${speed} #${i + 1}`, engine: new WriteEngine(), recorder, bytes, probe }); // prettier-ignore
    }
    for (let tid = 1; tgt !== undefined && tid <= lunCount; tid++) {
      const recorder = await DiscRecorder.open(tgt.url(tid));
      jobs.push({ name: `tgt DVD+R LUN, target ${tid}`, engine: new WriteEngine(), recorder, bytes: lunBytes }); // prettier-ignore
    }
    for (const j of jobs) {
      await j.engine.setRecorder(j.recorder);
      j.engine.bytesPerSector = 2048;
    }

    const eld = monitorEventLoopDelay({ resolution: 1 });
    eld.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const outcomes: Outcome[] = await Promise.all(
      jobs.map(async (j): Promise<Outcome> => {
        const started = performance.now();
        try {
          await j.engine.writeSection(inMemory ?? source, 0, j.bytes / 2048);
        } catch (e) {
          return {
            name: j.name,
            bytes: j.bytes,
            ms: performance.now() - started,
            error: String(e),
          };
        }
        const ms = performance.now() - started;
        if (j.probe === undefined) return { name: j.name, bytes: j.bytes, ms };
        const media = j.probe.drive.control.media;
        return {
          name: j.name,
          bytes: j.bytes,
          ms,
          underruns: media.underruns,
          minFillSteadyPct: (100 * j.probe.minFillSteady) / media.bufferSize,
          maxGapMs: j.probe.maxGapMs,
          trace: j.probe.underrunTrace,
        };
      }),
    );
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    eld.disable();
    for (const j of jobs) await j.recorder.close();
    for (const img of images) remove(img, `${img}.json`, `${img}.lock`);

    const cpuSec = (cpu.user + cpu.system) / 1e6;
    const total = outcomes.reduce((n, o) => n + o.bytes, 0);
    const bufferSize = jobs.find((j) => j.probe !== undefined)?.probe?.drive.control.media.bufferSize ?? NaN; // prettier-ignore
    const traced = (o: Outcome) =>
      o.trace === undefined || o.trace.gapMs.length === 0
        ? '– | –'
        : `${median(o.trace.gapMs).toFixed(1)} | ${pct((100 * median(o.trace.previousFill)) / bufferSize, 0)}`;
    const rows = outcomes.map(
      (o) =>
        `| ${o.name} | ${sizeText(o.bytes)} | ${(o.bytes / 1e6 / (o.ms / 1000)).toFixed(1)} | ` +
        `${o.underruns ?? '–'} | ${pct(o.minFillSteadyPct ?? NaN)} | ${pct(o.maxGapMs ?? NaN)} | ` +
        `${traced(o)} | ${o.error ?? ''} |`,
    );
    const virtual = outcomes.filter((o) => o.underruns !== undefined);
    const underruns = virtual.reduce((n, o) => n + (o.underruns ?? 0), 0);
    const lowest = Math.min(...virtual.map((o) => o.minFillSteadyPct ?? Infinity));
    const p99 = eld.percentile(99) / 1e6;
    printResult(
      `Many recorders from one process (run ${run}/${runs}: ${drives} × virtual BD-R ${speed}, ${lunCount} × tgt LUN)`,
      [
        '| recorder | section | MB/s | underruns | lowest fill after ramp % | longest gap between WRITEs ms | at underruns: median gap ms | at underruns: median fill when the WRITE before completed % | error |',
        '|---|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
        `All: ${sizeText(total)} in ${(wallMs / 1000).toFixed(2)} s; CPU ${cpuSec.toFixed(2)} s ` +
          `(${(cpuSec / (total / GiB)).toFixed(2)} CPU s/GiB, ${((100 * cpuSec) / (wallMs / 1000)).toFixed(0)} % of one core); ` +
          `event-loop delay p50 ${(eld.percentile(50) / 1e6).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ` +
          `max ${(eld.max / 1e6).toFixed(1)} ms.`,
        '',
        `Targets: underruns ${underruns} (0: ${underruns === 0 ? 'met' : 'missed'}); ` +
          `p99 ${p99.toFixed(2)} ms (< 20: ${p99 < 20 ? 'met' : 'missed'}); ` +
          `lowest fill after ramp ${pct(lowest)} % (≥ 50: ${lowest >= 50 ? 'met' : 'missed'}).`,
      ].join('\n'),
      notes,
    );
  }
} finally {
  await tgt?.stop();
}
