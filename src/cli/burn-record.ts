// What `burn --log/--report` keeps of a burn (issue #22; docs/burn-log.md, "For burn"): the
// DiscFormat2Data updates turned into the burn log's records through the RunRecord every writing
// command uses. A change of IMAPI_FORMAT2_DATA_WRITE_ACTION is a `phase` record (validating,
// formatting, initializing, calibrating, writing, finalizing, verifying, completed; around them
// `open` and `finish`, as write-section's); an update carrying the engine's args (WRITING_DATA) is
// an `update` record, exactly the line `--json` prints for it; FULL verification's read-back is
// `verify-progress` (at most one per percent); the verification's outcome is one `verify` record.
// Retries and busy waits come from the command trace, watched by RunRecord.started().

import { DwError, HR } from '../errors.js';
import type { WriteEngineEventArgs } from '../engine/index.js';
import type { BurnResult, DiscFormat2DataEventArgs } from '../format/index.js';
import type { RunRecord } from './run-record.js';

/** IMAPI_FORMAT2_DATA_WRITE_ACTION values by name, in their order. */
export const PHASES = [
  'validating',
  'formatting',
  'initializing',
  'calibrating',
  'writing',
  'finalizing',
  'completed',
  'verifying',
] as const;

/** The phase name of an update. */
export function phaseOf(a: DiscFormat2DataEventArgs): string {
  return PHASES[a.currentAction] ?? `action ${a.currentAction}`;
}

/** Whether an update carries the write engine's args (WRITING_DATA). */
export function isEngineUpdate(a: DiscFormat2DataEventArgs): boolean {
  return a.sectorCount !== undefined && a.blocksWritten !== undefined;
}

const LEVELS = ['none', 'quick', 'full'] as const;

/** Feeds one burn's updates and outcome to a RunRecord. */
export class BurnRecord {
  readonly #record: RunRecord;
  #phase: string | undefined;
  #total = 0;
  #verifiedPct = -1;
  #verifyLevel: string;
  #finished = false;

  constructor(record: RunRecord, verifyLevel: number) {
    this.#record = record;
    this.#verifyLevel = LEVELS[verifyLevel] ?? 'none';
  }

  /** The last phase the burn reached (undefined: it never started). */
  get phase(): string | undefined {
    return this.#phase;
  }

  update(a: DiscFormat2DataEventArgs): void {
    const phase = phaseOf(a);
    if (phase !== this.#phase) {
      this.#phase = phase;
      this.#record.phase(phase);
    }
    if (a.sectorCount !== undefined) this.#total = a.sectorCount;
    if (isEngineUpdate(a)) {
      // The log's update is the --json line (the phase first), so both count the same.
      this.#record.update({ phase, ...a } as unknown as WriteEngineEventArgs);
    } else if (a.blocksVerified !== undefined) {
      const pct = Math.floor((a.blocksVerified * 100) / Math.max(1, this.#total));
      if (pct > this.#verifiedPct || a.blocksVerified === this.#total) {
        this.#verifiedPct = pct;
        this.#record.event({
          event: 'verify-progress',
          blocksVerified: a.blocksVerified,
          sectorCount: this.#total,
          elapsedTime: a.elapsedTime,
        });
      }
    }
  }

  /** The `finish` phase and the verification's outcome, once (`error`: the burn failed). */
  finished(result: BurnResult | undefined, error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#record.phase('finish');
    if (result !== undefined) {
      const level = LEVELS[result.verificationLevel] ?? 'none';
      this.#record.event({
        event: 'verify',
        result: level === 'none' ? 'not run (none)' : `passed (${level})`,
        level,
      });
      return;
    }
    // A burn that failed before verifying has no verification to report.
    if (this.#phase !== 'verifying') return;
    const failed = error instanceof DwError && error.hr === HR.E_IMAPI_BURN_VERIFICATION_FAILED;
    const code = error instanceof DwError ? error.code : 'E_FAIL';
    this.#record.event({
      event: 'verify',
      result: `${failed ? 'failed' : 'not completed'} (${this.#verifyLevel}): ${code}`,
      level: this.#verifyLevel,
      ...(error instanceof DwError ? { message: error.message } : {}),
    });
  }
}
