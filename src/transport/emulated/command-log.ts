// The virtual drive's command log (drive.control.log): one entry per executed command, newest
// last, at most `log=` entries (docs/virtual-drive.md). Entries have one fixed shape and decode
// their CDB copy only when asked, so a long write keeps few objects alive.

import type { DwError } from '../../errors.js';
import type { SenseCode } from './check.js';

/** One executed command, as the command log records it. */
export interface LogEntry {
  /** 1, 2, 3… in execution order. */
  readonly seq: number;
  /** The command's name (`WRITE(10)`). */
  readonly name: string;
  readonly opcode: number;
  /** A copy of the CDB. */
  readonly cdb: Uint8Array;
  /** The CDB as the codec decoded it; undefined when the command failed before decoding. */
  readonly decoded: unknown;
  /** SCSI status; undefined when the command rejected (transport failure). */
  readonly status: number | undefined;
  /** The sense data as sent: fixed format, or descriptor format with `sense=descriptor`
   *  (empty on GOOD). */
  readonly sense: Uint8Array;
  /** Sense key/ASC/ASCQ of a CHECK CONDITION. */
  readonly senseCode: SenseCode | undefined;
  readonly dataOutBytes: number;
  readonly dataInBytes: number;
  /** Clock times (ms) when the command arrived and completed. */
  readonly start: number;
  readonly end: number;
  /** The rejection, for commands that did not complete. */
  readonly error: DwError | undefined;
}

/**
 * Drops the oldest log entries beyond `limit`. shift() drops one in place, where splice(0, n)
 * moved every kept entry (docs/benchmarks-history.md, "Fixed: the virtual drive's command log
 * cost 9 µs per command").
 */
export function trimLog(log: LogEntry[], limit: number): void {
  while (log.length > limit) log.shift();
}
// The first shift comes long after V8 optimised the command path without it, and would throw that
// code away; a few dozen shifts here give the optimiser that feedback from the start
// (docs/benchmarks-history.md, "File-backed: zero-copy hand-off, the writer thread at open, fewer
// deoptimisations").
for (let i = 0; i < 64; i++) trimLog([{}, {}] as unknown as LogEntry[], 1);

/**
 * One entry of the command log. The decoded CDB is worked out from the CDB copy when it is read,
 * not kept: a long write keeps a thousand entries alive, and a decoded object in each is one
 * more object per command for the garbage collector to trace, for a field tests rarely read.
 */
export class LoggedCommand implements LogEntry {
  readonly #decoder: ((cdb: Uint8Array) => unknown) | undefined;

  constructor(
    readonly seq: number,
    readonly name: string,
    readonly opcode: number,
    readonly cdb: Uint8Array,
    decoder: ((cdb: Uint8Array) => unknown) | undefined,
    readonly status: number | undefined,
    readonly sense: Uint8Array,
    readonly senseCode: SenseCode | undefined,
    readonly dataOutBytes: number,
    readonly dataInBytes: number,
    readonly start: number,
    readonly end: number,
    readonly error: DwError | undefined,
  ) {
    this.#decoder = decoder;
  }

  get decoded(): unknown {
    return this.#decoder?.(this.cdb);
  }
}
