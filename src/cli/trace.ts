// --trace (and DISCWRIGHT_TRACE) for the discwright command: one line per SCSI command on stderr
// (docs/tracing.md). Progress stays on stdout; when both are a terminal, each trace line takes
// the live progress line's place, and the progress line redraws itself below it on its next tick.

import { printTrace, traceFromEnv } from '../device/trace.js';
import type { CliIo } from './io.js';

/**
 * With `--trace` or DISCWRIGHT_TRACE in `env`, prints trace lines to `io.stderr` and returns the
 * function that stops it. The printer replaces the plain one DISCWRIGHT_TRACE started when the
 * recorder module loaded, so every command is printed once.
 */
export function startTrace(
  io: CliIo,
  flag: boolean,
  env: NodeJS.ProcessEnv,
): (() => void) | undefined {
  if (!flag && !traceFromEnv(env)) return undefined;
  return printTrace(io.stderr, {
    sharedTerminal: io.stderr.isTTY === true && io.stdout.isTTY === true,
  });
}
