// How a recorder runs its commands on one transport: in queue order (command-queue.ts), traced at
// the one execute point (trace.ts, docs/tracing.md), with a rejection reported as the sense policy
// says (spec §4.7), and, for the typed helpers, the outcome judged by it (§4.5): GOOD and
// RECOVERED ERROR resolve, a first unit attention is sent again, anything else rejects with the
// mapped DwError. Also the read of a variable-length reply: the header first, then the whole
// structure.

import { DwError, HR } from '../errors.js';
import { ByteReader } from '../scsi/bytes.js';
import type { ScsiCommand, ScsiResult } from '../scsi/command.js';
import type { DataOutHold, HeldWriteResult, Transport } from '../transport/transport.js';
import { CommandQueue } from './command-queue.js';
import {
  completionVerdict,
  failureError,
  incompleteWrite,
  rejectionError,
} from './sense-policy.js';
import { executeHeldTraced, executeQueuedTraced, executeTraced } from './trace.js';
import { IMAPI2_DEFAULT_COMMAND_TIMEOUT } from './types.js';

/** Transfer size assumed when the transport reports no page-aligned maximum. */
const DEFAULT_MAX_TRANSFER = 65536;

const notHeld = (result: ScsiResult): HeldWriteResult => ({ result, held: false });

/** The drive's reply to `command` does not decode. */
export function malformed(command: ScsiCommand, e: unknown): DwError {
  return new DwError(HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, {
    message: `${command.name}: the drive's reply is malformed (${e instanceof Error ? e.message : String(e)})`,
    cause: e,
    command: command.name,
    cdb: command.cdb,
  });
}

export class CommandRunner {
  readonly #queue = new CommandQueue();

  constructor(readonly transport: Transport) {}

  /**
   * Sends `command` once, in queue order: every command of the recorder goes to the transport
   * here. Resolves with what the device answered, CHECK CONDITION included; rejects with the
   * transport's DwError (anything else as an I/O error).
   */
  execute(command: ScsiCommand, timeoutSec: number): Promise<ScsiResult> {
    const t = this.transport;
    return this.#queue.run(
      () => executeTraced(t, command, { timeoutMs: timeoutSec * 1000 }),
      (e) => rejectionError(command, e),
    );
  }

  /**
   * `execute` with the transport's held writes (Transport.heldWrites): `hold` lets the transport
   * keep `command.dataOut` past completion, and `held` says it did. A transport without held
   * writes runs the command as `execute` does, never held.
   */
  executeHeld(
    command: ScsiCommand,
    hold: DataOutHold,
    timeoutSec: number,
  ): Promise<HeldWriteResult> {
    const t = this.transport;
    const writes = t.heldWrites;
    if (writes === undefined) return this.execute(command, timeoutSec).then(notHeld);
    return this.#queue.run(
      () => executeHeldTraced(t, writes, command, hold, { timeoutMs: timeoutSec * 1000 }),
      (e) => rejectionError(command, e),
    );
  }

  /**
   * A queued write (Transport.queuedWrites): sent at once beside the queue, not in it, so that
   * several are in flight; a transport without queued writes runs it as `execute` does.
   */
  executeQueued(command: ScsiCommand, timeoutSec: number): Promise<ScsiResult> {
    const t = this.transport;
    const writes = t.queuedWrites;
    if (writes === undefined) return this.execute(command, timeoutSec);
    let run: Promise<ScsiResult>;
    try {
      run = executeQueuedTraced(t, writes, command, { timeoutMs: timeoutSec * 1000 });
    } catch (e) {
      return Promise.reject(rejectionError(command, e));
    }
    return run.then(undefined, (e: unknown) => {
      throw rejectionError(command, e);
    });
  }

  /**
   * A typed helper's command: resolves on GOOD or RECOVERED ERROR, sends it again once after a
   * first unit attention (6/28, 6/29), and rejects with the mapped DwError otherwise.
   */
  async run(
    command: ScsiCommand,
    timeoutSec = IMAPI2_DEFAULT_COMMAND_TIMEOUT,
  ): Promise<ScsiResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.execute(command, timeoutSec);
      const verdict = completionVerdict(command, result, 'helper', attempt);
      switch (verdict.action) {
        case 'success': {
          // Sense + residual is no success: RECOVERED ERROR does not cover data never taken.
          const short = verdict.recovered
            ? incompleteWrite(command, result, 'RECOVERED ERROR')
            : undefined;
          if (short !== undefined) throw short;
          return result;
        }
        case 'retry-once':
          continue;
        case 'retry-backoff':
        case 'fail':
          throw failureError(command, verdict.failure);
      }
    }
  }

  /**
   * Reads a variable-length reply: the header first, then the whole structure as its own length
   * field gives it (clamped to `max`). Drives pad or truncate to the allocation length, so the
   * reply is cut to the structure's length where the bytes are present. Other queued commands
   * may run between the two (docs/decisions.md, "Recorder").
   */
  async readFull(
    make: (allocationLength: number) => ScsiCommand,
    headerLength: number,
    totalLength: (header: ByteReader) => number,
    max: number,
  ): Promise<Uint8Array> {
    const first = make(headerLength);
    const head = await this.run(first);
    const total = this.decode(first, () => totalLength(new ByteReader(head.dataIn)));
    const want = Math.min(total, max);
    if (want <= head.dataIn.length) return head.dataIn.slice(0, want);
    const full = await this.run(make(want));
    return full.dataIn.slice(0, Math.min(want, full.dataIn.length));
  }

  /** `decode()`'s value; a failure to decode is the drive's malformed reply to `command`. */
  decode<T>(command: ScsiCommand, decode: () => T): T {
    try {
      return decode();
    } catch (e) {
      throw malformed(command, e);
    }
  }

  /** Largest transfer of one command: the page-aligned maximum, or 64 KiB when unknown. */
  maxTransfer(): number {
    const max = this.transport.limits().maxPageAlignedTransferBytes;
    return max > 0 ? max : DEFAULT_MAX_TRANSFER;
  }

  /** Resolves once every command queued so far has settled. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }
}
