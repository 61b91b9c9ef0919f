// `discwright burn <recorder> <image> --also <recorder>…`: one image to several recorders at once
// (the duplicator; docs/burning.md). Each drive gets its own DiscFormat2Data, its own read of the
// image and its own exclusive access, and reports its own progress and result; one failing drive
// does not stop the others. Output lines carry the drive's number ([1], [2] …) or, with --json,
// its address. Standard input cannot be read several times, so `-` takes one recorder only, and
// --log/--report are refused (one log is one drive's run). Each drive is closed before the results are printed; a failed close fails that drive. A second
// Ctrl-C stops waiting for the burns, and every drive is still closed (README, "Ctrl-C").

import { invalidArgument } from '../errors.js';
import type { DiscRecorder } from '../device/recorder.js';
import type { BurnResult, DiscFormat2DataEventArgs } from '../format/index.js';
import {
  BURN_CLIENT,
  checkBurnOptions,
  dataWriterFor,
  mediaStateNames,
  stoppedWaiting,
  type BurnOptions,
} from './burn.js';
import { phaseOf } from './burn-record.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { errorReport, jsonResult } from './format.js';
import { println, type CliIo } from './io.js';
import { openCliRecorder } from './open-recorder.js';
import { Interrupt, mediaFamily } from './section.js';
import { afterClose, closeFields, closeRecorder } from './section-report.js';

interface DriveOutcome {
  readonly address: string;
  readonly result?: BurnResult;
  readonly error?: unknown;
  /** What closing the drive failed with (its cache or layout may be lost). */
  readonly closeError?: unknown;
}

/** One drive's burn; never throws: the outcome carries the error. */
async function burnOne(
  io: CliIo,
  index: number,
  address: string,
  image: string,
  o: BurnOptions,
  interrupt: Interrupt,
): Promise<DriveOutcome> {
  const json = o.json === true;
  const tag = `[${index + 1}]`;
  let recorder: DiscRecorder | undefined;
  let outcome: { result?: BurnResult; error?: unknown };
  // Set once the burn is over or no longer waited for: nothing follows the result.
  let over = false;
  try {
    recorder = await openCliRecorder(
      address,
      { exclusive: { clientName: BURN_CLIENT, force: o.force === true } },
      io.virtualFaults,
    );
    const data = await dataWriterFor(recorder, o, await mediaFamily(recorder));
    let phase: string | undefined;
    let shown = -1;
    data.on('update', (_s, a: DiscFormat2DataEventArgs) => {
      if (over) return;
      const now = phaseOf(a);
      const written = a.sectorCount !== undefined && a.blocksWritten !== undefined;
      if (json) {
        if (now !== phase || written) {
          println(
            io.stdout,
            JSON.stringify({ event: 'update', recorder: address, phase: now, ...a }),
          );
        }
      } else if (now !== phase) {
        if (now !== 'completed') println(io.stdout, `${tag} ${now}…`);
        shown = -1;
      } else if (written) {
        const pct = Math.floor((a.blocksWritten * 100) / Math.max(1, a.sectorCount));
        if (pct >= shown + 25) {
          shown = pct;
          println(io.stdout, `${tag} written ${pct}%`);
        }
      }
      phase = now;
    });
    interrupt.signal.addEventListener('abort', () => data.cancelWrite(), { once: true });
    interrupt.check();
    // From here the drive may hold acknowledged blocks: a second Ctrl-C stops the wait, and the
    // drive is still closed so they stay (README, "Ctrl-C").
    interrupt.guard();
    const result = await interrupt.unlessAbandoned(data.write(image));
    over = true;
    if (result === undefined) throw stoppedWaiting();
    if (o.eject === true) await recorder.ejectMedia();
    outcome = { result };
  } catch (error) {
    over = true;
    outcome = { error };
  }
  const closeError = await closeRecorder(recorder);
  return { address, ...outcome, ...(closeError === undefined ? {} : { closeError }) };
}

export async function duplicateCommand(
  io: CliIo,
  addresses: readonly string[],
  image: string,
  o: BurnOptions,
): Promise<number> {
  const json = o.json === true;
  const interrupt = new Interrupt(io);
  try {
    checkBurnOptions(o);
    if (o.log !== undefined || o.report !== undefined) {
      // One log is one drive's run (docs/burn-log.md, "For burn"): burn each drive on its own.
      throw invalidArgument(
        '--log and --report record one drive: they cannot be combined with --also',
      );
    }
    if (image === '-') {
      throw invalidArgument('standard input can be burned to one recorder only (no --also)');
    }
    if (new Set(addresses).size !== addresses.length) {
      throw invalidArgument('a recorder is named more than once');
    }
    if (!json) {
      addresses.forEach((a, i) => println(io.stdout, `[${i + 1}] ${a}`));
    }
    const outcomes = await Promise.all(
      addresses.map((a, i) => burnOne(io, i, a, image, o, interrupt)),
    );
    let failed = 0;
    const codes = outcomes.map((out, i) => {
      const tag = `[${i + 1}] `;
      const closed = closeFields(out.closeError);
      if (out.result !== undefined) {
        const r = out.result;
        const figures = {
          recorder: out.address,
          startLba: r.startLba,
          blocks: r.blocks,
          sha256: r.sha256,
          closing: r.closing,
          mediaState: mediaStateNames(r.mediaStateAfter),
          ...closed,
        };
        if (json) println(io.stdout, JSON.stringify(jsonResult(out.closeError, figures)));
        else {
          println(
            io.stdout,
            `${tag}burned ${r.blocks} blocks at LBA ${r.startLba}, ${r.closing}, sha256 ${r.sha256}`,
          );
        }
      } else {
        if (json) {
          const fields = { recorder: out.address, ...closed };
          println(io.stdout, JSON.stringify(jsonResult(out.error, fields)));
        }
        println(io.stderr, `${tag}${out.address}: ${errorReport(out.error)}`);
      }
      const code = afterClose(io, exitCodeFor(out.error), out.closeError, tag);
      if (code !== ExitCode.OK) failed++;
      return code;
    });
    if (!json)
      println(io.stdout, `${addresses.length - failed} of ${addresses.length} drives burned`);
    if (failed === 0) return ExitCode.OK;
    const bad = codes.filter((c) => c !== ExitCode.OK);
    return bad.every((c) => c === ExitCode.CANCELLED) ? ExitCode.CANCELLED : ExitCode.FAILED;
  } catch (e) {
    if (json) println(io.stdout, JSON.stringify(jsonResult(e, {})));
    println(io.stderr, errorReport(e));
    return exitCodeFor(e);
  } finally {
    interrupt.dispose();
  }
}
