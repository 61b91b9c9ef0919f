// `discwright burn <recorder> <image> --also <recorder>…`: one image to several recorders at once
// (the duplicator; docs/burning.md). Each drive gets its own DiscFormat2Data, its own read of the
// image and its own exclusive access, and reports its own progress and result; one failing drive
// does not stop the others. Output lines carry the drive's number ([1], [2] …) or, with --json,
// its address. Standard input cannot be read several times, so `-` takes one recorder only.

import { invalidArgument } from '../errors.js';
import { openRecorder } from '../device/open.js';
import type { DiscRecorder } from '../device/recorder.js';
import type { BurnResult, DiscFormat2DataEventArgs } from '../format/index.js';
import {
  BURN_CLIENT,
  checkBurnOptions,
  dataWriterFor,
  mediaStateNames,
  type BurnOptions,
} from './burn.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { errorReport, jsonResult } from './format.js';
import { println, type CliIo } from './io.js';
import { Interrupt, mediaFamily } from './section.js';

const PHASES = [
  'validating',
  'formatting',
  'initializing',
  'calibrating',
  'writing',
  'finalizing',
  'completed',
  'verifying',
] as const;

interface DriveOutcome {
  readonly address: string;
  readonly result?: BurnResult;
  readonly error?: unknown;
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
  try {
    recorder = await openRecorder(address, {
      exclusive: { clientName: BURN_CLIENT, force: o.force === true },
    });
    const data = await dataWriterFor(recorder, o, await mediaFamily(recorder));
    let phase: string | undefined;
    let shown = -1;
    data.on('update', (_s, a: DiscFormat2DataEventArgs) => {
      const now = PHASES[a.currentAction] ?? `action ${a.currentAction}`;
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
    const result = await data.write(image);
    if (o.eject === true) await recorder.ejectMedia();
    return { address, result };
  } catch (error) {
    return { address, error };
  } finally {
    await recorder?.close().catch(() => undefined);
  }
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
    outcomes.forEach((out, i) => {
      const tag = `[${i + 1}]`;
      if (out.result !== undefined) {
        const r = out.result;
        const figures = {
          recorder: out.address,
          startLba: r.startLba,
          blocks: r.blocks,
          sha256: r.sha256,
          closing: r.closing,
          mediaState: mediaStateNames(r.mediaStateAfter),
        };
        if (json) println(io.stdout, JSON.stringify(jsonResult(undefined, figures)));
        else {
          println(
            io.stdout,
            `${tag} burned ${r.blocks} blocks at LBA ${r.startLba}, ${r.closing}, sha256 ${r.sha256}`,
          );
        }
        return;
      }
      failed++;
      if (json)
        println(io.stdout, JSON.stringify(jsonResult(out.error, { recorder: out.address })));
      println(io.stderr, `${tag} ${out.address}: ${errorReport(out.error)}`);
    });
    if (!json)
      println(io.stdout, `${addresses.length - failed} of ${addresses.length} drives burned`);
    if (failed === 0) return ExitCode.OK;
    const codes = outcomes.filter((x) => x.error !== undefined).map((x) => exitCodeFor(x.error));
    return codes.every((c) => c === ExitCode.CANCELLED) ? ExitCode.CANCELLED : ExitCode.FAILED;
  } catch (e) {
    if (json) println(io.stdout, JSON.stringify(jsonResult(e, {})));
    println(io.stderr, errorReport(e));
    return exitCodeFor(e);
  } finally {
    interrupt.dispose();
  }
}
