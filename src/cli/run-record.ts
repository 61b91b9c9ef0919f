// What a writing command keeps of its run besides the result (issue #22): the burn log
// (`--log`), the HTML report written at the end (`--report`) and the sparkline line on a
// terminal. One object per run, so write-section and burn wire it the same way:
//
//   const record = await RunRecord.open({ log, report, sparkline }); // before the recorder
//   await record.started(recorder, run);                             // header, then commands
//   record.phase('write'); … record.update(args) from the engine's listener …
//   await record.finish(io, resultObject, run);                      // result, files, line
//
// A log or report that cannot be created is refused before the drive is touched; one that fails
// later is reported on stderr and does not change the exit status, which says what happened to
// the disc (docs/decisions.md, "The burn log and the report"; docs/burn-log.md).

import { writeFile } from 'node:fs/promises';
import type { DiscRecorder } from '../device/recorder.js';
import type { WriteEngineEventArgs } from '../engine/index.js';
import {
  BurnLog,
  describeDrive,
  outputFileError,
  type DriveDescription,
  type RunDescription,
} from './burn-log.js';
import { errorReport } from './format.js';
import { println, type CliIo } from './io.js';
import { SparkCollector, sparkSummary } from './sparkline.js';

export interface RunRecordOptions {
  /** `--log <file>`. */
  readonly log?: string | undefined;
  /** `--report <file.html>`. */
  readonly report?: string | undefined;
  /** Print the sparkline at the end (stdout is a terminal and not --json). */
  readonly sparkline: boolean;
}

export class RunRecord {
  readonly #o: RunRecordOptions;
  readonly #log: BurnLog | undefined;
  readonly #spark: SparkCollector | undefined;
  #run: RunDescription | undefined;
  #drive: DriveDescription | null = null;
  #headerWritten = false;

  private constructor(o: RunRecordOptions, log: BurnLog | undefined) {
    this.#o = o;
    this.#log = log;
    this.#spark = o.sparkline ? new SparkCollector() : undefined;
  }

  /** Creates the log file (refused before any device is touched when it cannot be). */
  static async open(o: RunRecordOptions): Promise<RunRecord> {
    const wanted = o.log !== undefined || o.report !== undefined;
    const log = wanted ? await BurnLog.open(o.log, { keep: o.report !== undefined }) : undefined;
    // Created now, so a report that cannot be written is refused before the drive is touched.
    if (o.report !== undefined) {
      try {
        await writeFile(o.report, '');
      } catch (e) {
        await log?.close().catch(() => undefined);
        throw outputFileError(o.report, e);
      }
    }
    return new RunRecord(o, log);
  }

  /** The header, once the recorder is open; from here on retries and busy waits are logged. */
  async started(recorder: DiscRecorder, run: RunDescription): Promise<void> {
    this.#run = run;
    if (this.#log === undefined && this.#spark === undefined) return;
    // Asked before the trace is watched: a structure the media lacks is not an event of the run.
    this.#drive = await describeDrive(recorder, run.section?.bytesPerSector ?? 2048);
    this.#header();
    this.#log?.watchCommands();
  }

  #header(): void {
    if (this.#headerWritten || this.#run === undefined) return;
    this.#headerWritten = true;
    this.#log?.header(this.#run, this.#drive);
  }

  phase(name: string, detail: Record<string, unknown> = {}): void {
    this.#log?.phase(name, detail);
  }

  event(record: { readonly event: string } & Record<string, unknown>): void {
    this.#log?.event(record);
  }

  update(args: WriteEngineEventArgs): void {
    this.#log?.update(args);
    this.#spark?.add(args);
  }

  /**
   * The result record, then the files and the terminal line. `run` is for a run that failed
   * before started() (its header is written without the drive's facts).
   */
  async finish(io: CliIo, result: Record<string, unknown>, run?: RunDescription): Promise<void> {
    if (run !== undefined) this.#run ??= run;
    this.#header();
    const log = this.#log;
    if (log !== undefined) {
      log.result(result);
      try {
        await log.close();
      } catch (e) {
        println(io.stderr, `the log was not written completely: ${errorReport(e)}`);
      }
      if (this.#o.report !== undefined) {
        try {
          // Loaded only when a report is asked for: not part of every command's start-up.
          const [{ reportData }, { reportHtml }] = await Promise.all([
            import('./report-data.js'),
            import('./report-html.js'),
          ]);
          await writeFile(this.#o.report, reportHtml(reportData(log.records)));
        } catch (e) {
          println(io.stderr, `the report was not written: ${errorReport(e)}`);
        }
      }
    }
    if (this.#spark !== undefined) {
      const line = sparkSummary(
        this.#spark,
        this.#run?.section?.bytesPerSector ?? 2048,
        this.#drive?.media.oneXBytesPerSecond ?? null,
      );
      if (line !== undefined) println(io.stdout, line);
    }
  }
}
