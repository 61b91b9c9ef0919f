// Command tracing: every command the recorder sends, published on node:diagnostics_channel at
// the recorder's one execute point (CommandRunner.execute and, for held writes, executeHeld;
// docs/tracing.md): `discwright:command:start` before the command goes to the transport,
// `discwright:command:finish` when the transport settled, both with the same message object.
// Nothing is built while neither channel has a subscriber, so the WRITE path pays two
// `hasSubscribers` reads per command. Also
// the one-line text of a traced command (the CLI's --trace) and DISCWRIGHT_TRACE, which prints
// those lines on stderr from the moment this module loads.

import diagnosticsChannel from 'node:diagnostics_channel';
import { DwError, formatHr, hrName, type SenseSummary } from '../errors.js';
import { decodeRead10Cdb } from '../scsi/block/read-10.js';
import { decodeRead12Cdb } from '../scsi/block/read-12.js';
import { decodeWrite10Cdb } from '../scsi/block/write-10.js';
import { decodeWrite12Cdb } from '../scsi/block/write-12.js';
import {
  ScsiStatus,
  type DataDirection,
  type ScsiCommand,
  type ScsiResult,
} from '../scsi/command.js';
import { Opcode } from '../scsi/opcodes.js';
import { decodeSense, summarizeSense } from '../scsi/sense.js';
import type {
  DataOutHold,
  ExecuteOptions,
  HeldWriteCapability,
  HeldWriteResult,
  QueuedWriteCapability,
  Transport,
} from '../transport/transport.js';
import { addressKind } from './address.js';

/** Published before a command goes to the transport. */
export const COMMAND_START_CHANNEL = 'discwright:command:start';
/** Published when the transport resolved or rejected the command (the same message object). */
export const COMMAND_FINISH_CHANNEL = 'discwright:command:finish';

// Held by the module, so `hasSubscribers` sees subscriptions made by name elsewhere.
const startChannel = diagnosticsChannel.channel(COMMAND_START_CHANNEL);
const finishChannel = diagnosticsChannel.channel(COMMAND_FINISH_CHANNEL);

/**
 * What both channels carry: one object per command, the start fields set at `start`, the outcome
 * fields filled in before `finish` (undefined until then). Subscribers must not modify it, nor
 * the command and result it refers to.
 */
export interface CommandTraceMessage {
  /** 1, 2, 3… over the commands traced in this process. */
  readonly seq: number;
  /** The command's name (`WRITE(10)`, `GET CONFIGURATION`, `OPCODE 0xDF` for unknown raw ones). */
  readonly name: string;
  readonly opcode: number;
  /** A copy of the CDB. */
  readonly cdb: Uint8Array;
  readonly direction: DataDirection;
  /** Bytes sent (direction `out`), bytes the initiator accepts (`in`), or 0. */
  readonly dataLength: number;
  /** The per-command timeout passed to the transport, when there is one. */
  readonly timeoutMs: number | undefined;
  /** Which transport: `virtual`, `iscsi`, `sgio`, `spti`, or `other` for one handed in directly. */
  readonly transport: string;
  /** The transport's address (iSCSI addresses without passwords, as the transport gives them). */
  readonly address: string;
  /** The command as the recorder sent it (its `dataOut` included). */
  readonly command: ScsiCommand;

  /** SCSI status; undefined when the transport rejected the command. */
  readonly status: number | undefined;
  /** Sense bytes as the device sent them (fixed or descriptor format); empty when none. */
  readonly sense: Uint8Array | undefined;
  /** The decoded sense of a CHECK CONDITION; undefined without status or with unusable sense. */
  readonly senseInfo: SenseSummary | undefined;
  /** Data-in bytes received. */
  readonly dataInLength: number | undefined;
  readonly residual: number | undefined;
  /** Wall-clock time the transport took, in microseconds (queueing in the recorder excluded). */
  readonly durationUs: number | undefined;
  /** What the transport rejected with (a DwError by the Transport contract); undefined otherwise. */
  readonly error: unknown;
  /** The transport's result; undefined when it rejected. */
  readonly result: ScsiResult | undefined;
}

let seq = 0;

/** Built only while a channel has a subscriber. One class, every field set, one object shape. */
class CommandTrace implements CommandTraceMessage {
  readonly seq: number;
  readonly name: string;
  readonly opcode: number;
  readonly cdb: Uint8Array;
  readonly direction: DataDirection;
  readonly dataLength: number;
  readonly timeoutMs: number | undefined;
  readonly transport: string;
  readonly address: string;
  readonly command: ScsiCommand;
  status: number | undefined = undefined;
  sense: Uint8Array | undefined = undefined;
  senseInfo: SenseSummary | undefined = undefined;
  dataInLength: number | undefined = undefined;
  residual: number | undefined = undefined;
  durationUs: number | undefined = undefined;
  error: unknown = undefined;
  result: ScsiResult | undefined = undefined;
  readonly #startMs: number;

  constructor(t: Transport, command: ScsiCommand, options: ExecuteOptions) {
    this.seq = ++seq;
    this.name = command.name;
    this.opcode = command.cdb[0] ?? 0;
    this.cdb = command.cdb.slice();
    this.direction = command.direction;
    this.dataLength =
      command.direction === 'out'
        ? (command.dataOut?.length ?? 0)
        : command.direction === 'in'
          ? (command.allocationLength ?? 0)
          : 0;
    this.timeoutMs = options.timeoutMs;
    const address = t.address;
    this.transport = addressKind(address) ?? 'other';
    this.address = address;
    this.command = command;
    this.#startMs = performance.now();
  }

  completed(result: ScsiResult): void {
    this.durationUs = Math.round((performance.now() - this.#startMs) * 1000);
    this.result = result;
    this.status = result.status;
    this.sense = result.sense;
    this.dataInLength = result.dataIn.length;
    this.residual = result.residual;
    if (result.status === ScsiStatus.CHECK_CONDITION && result.sense.length > 0) {
      try {
        this.senseInfo = summarizeSense(decodeSense(result.sense));
      } catch {
        // Unusable sense stays undefined here; the recorder reports it as a malformed reply.
      }
    }
  }

  rejected(error: unknown): void {
    this.durationUs = Math.round((performance.now() - this.#startMs) * 1000);
    this.error = error;
  }
}

const resultItself = (result: ScsiResult): ScsiResult => result;
const heldResult = (outcome: HeldWriteResult): ScsiResult => outcome.result;

/** Runs `send`, publishing `command` before and `resultOf` its outcome after. */
function traced<R>(
  t: Transport,
  command: ScsiCommand,
  options: ExecuteOptions,
  send: () => Promise<R>,
  resultOf: (outcome: R) => ScsiResult,
): Promise<R> {
  const m = new CommandTrace(t, command, options);
  startChannel.publish(m);
  let run: Promise<R>;
  try {
    run = send();
  } catch (e) {
    m.rejected(e);
    finishChannel.publish(m);
    throw e;
  }
  return run.then(
    (outcome) => {
      m.completed(resultOf(outcome));
      finishChannel.publish(m);
      return outcome;
    },
    (e: unknown) => {
      m.rejected(e);
      finishChannel.publish(m);
      throw e;
    },
  );
}

/**
 * `t.execute(command, options)`, traced when someone listens. Without a subscriber on either
 * channel it is exactly that call and returns the transport's own promise: no message, no copy,
 * no extra promise.
 */
export function executeTraced(
  t: Transport,
  command: ScsiCommand,
  options: ExecuteOptions,
): Promise<ScsiResult> {
  if (!startChannel.hasSubscribers && !finishChannel.hasSubscribers) {
    return t.execute(command, options);
  }
  return traced(t, command, options, () => t.execute(command, options), resultItself);
}

/**
 * `writes.executeHeld(command, hold, options)` (t's held writes), traced as executeTraced
 * traces: without a subscriber it is exactly that call.
 */
export function executeHeldTraced(
  t: Transport,
  writes: HeldWriteCapability,
  command: ScsiCommand,
  hold: DataOutHold,
  options: ExecuteOptions,
): Promise<HeldWriteResult> {
  if (!startChannel.hasSubscribers && !finishChannel.hasSubscribers) {
    return writes.executeHeld(command, hold, options);
  }
  return traced(t, command, options, () => writes.executeHeld(command, hold, options), heldResult);
}

/** `writes.executeQueued(command, options)` (t's queued writes), traced as executeTraced. */
export function executeQueuedTraced(
  t: Transport,
  writes: QueuedWriteCapability,
  command: ScsiCommand,
  options: ExecuteOptions,
): Promise<ScsiResult> {
  if (!startChannel.hasSubscribers && !finishChannel.hasSubscribers) {
    return writes.executeQueued(command, options);
  }
  return traced(t, command, options, () => writes.executeQueued(command, options), resultItself);
}

// ---- the one-line text (CLI --trace, DISCWRIGHT_TRACE) ----

const statusNames = new Map<number, string>(
  Object.entries(ScsiStatus).map(([k, v]) => [v, k.replace(/_/g, ' ')]),
);

/** `GOOD`, `CHECK CONDITION`, … or `STATUS 0xNN`. */
export function statusName(status: number): string {
  return (
    statusNames.get(status) ?? `STATUS 0x${status.toString(16).toUpperCase().padStart(2, '0')}`
  );
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

function cdbHex(cdb: Uint8Array): string {
  let s = '';
  for (let i = 0; i < cdb.length; i++) s += (i === 0 ? '' : ' ') + hex2(cdb[i] ?? 0);
  return s;
}

/** LBA and block count of a READ or WRITE CDB, through the codecs; undefined for other commands. */
function blockRange(cdb: Uint8Array): { lba: number; blocks: number } | undefined {
  try {
    switch (cdb[0] ?? -1) {
      case Opcode.READ_10: {
        const d = decodeRead10Cdb(cdb);
        return { lba: d.lba, blocks: d.transferLength };
      }
      case Opcode.READ_12: {
        const d = decodeRead12Cdb(cdb);
        return { lba: d.lba, blocks: d.transferLength };
      }
      case Opcode.WRITE_10: {
        const d = decodeWrite10Cdb(cdb);
        return { lba: d.lba, blocks: d.transferLength };
      }
      case Opcode.WRITE_12: {
        const d = decodeWrite12Cdb(cdb);
        return { lba: d.lba, blocks: d.transferLength };
      }
      default:
        return undefined;
    }
  } catch {
    return undefined; // a raw CDB too short for its opcode: shown as hex only
  }
}

/**
 * One line for a finished command (no newline), e.g.
 * `trace #7 WRITE(10) 2A 00 00 00 00 20 00 00 20 00 lba=32 blocks=32 out=65536 GOOD 412µs`
 * `trace #9 WRITE(10) 2A … lba=64 blocks=32 out=65536 CHECK CONDITION 02/04/08 NOT READY: LOGICAL
 * UNIT NOT READY, LONG WRITE IN PROGRESS 35µs` (one line). Format in docs/tracing.md.
 */
export function traceLine(m: CommandTraceMessage): string {
  let line = `trace #${m.seq} ${m.name} ${cdbHex(m.cdb)}`;
  const range = blockRange(m.cdb);
  if (range !== undefined) line += ` lba=${range.lba} blocks=${range.blocks}`;
  if (m.direction === 'out') line += ` out=${m.dataLength}`;
  else if (m.direction === 'in') line += ` in=${m.dataInLength ?? 0}/${m.dataLength}`;
  if (m.status === undefined) {
    const e = m.error;
    const text = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
    line +=
      e instanceof DwError
        ? ` REJECTED ${hrName(e.hr)} (${formatHr(e.hr)}) ${text}`
        : ` REJECTED ${text}`;
  } else {
    line += ` ${statusName(m.status)}`;
    const s = m.senseInfo;
    if (s !== undefined) {
      line += ` ${hex2(s.key)}/${hex2(s.asc)}/${hex2(s.ascq)} ${s.keyName}: ${s.text}`;
      if (s.information !== undefined) line += ` info=${s.information}`;
      if (s.deferred) line += ' deferred';
    } else if (m.status === ScsiStatus.CHECK_CONDITION) {
      line += ' (no usable sense)';
    }
  }
  return `${line} ${m.durationUs ?? 0}µs`;
}

// ---- printing lines ----

/** Where trace lines go: anything with `write(text)` (process.stderr, a CLI stream). */
export interface TraceSink {
  write(text: string): unknown;
}

export interface TracePrinterOptions {
  /**
   * The sink shares a terminal with a live progress line (cli-progress on stdout): each trace
   * line first erases the terminal's current line (`\r`, erase line), where the progress line is,
   * and ends by saving the cursor position (ESC 7) at the start of the fresh line below. The
   * progress line redraws there on its next tick, and when it stops it restores the cursor to
   * that saved position, not to where it started, which trace lines have scrolled away.
   */
  readonly sharedTerminal?: boolean;
}

const printers = new Map<TraceSink, (message: unknown) => void>();

/**
 * Print one line per finished command to `sink`, each with one `write` call. One printer per
 * sink: a second call for the same sink replaces the first (so DISCWRIGHT_TRACE and --trace do
 * not print every line twice). Returns the function that stops it.
 */
export function printTrace(sink: TraceSink, options: TracePrinterOptions = {}): () => void {
  const [before, after] =
    options.sharedTerminal === true ? ['\r\u001b[2K', '\n\u001b7'] : ['', '\n'];
  const print = (message: unknown): void => {
    sink.write(`${before}${traceLine(message as CommandTraceMessage)}${after}`);
  };
  stopPrinter(sink);
  printers.set(sink, print);
  diagnosticsChannel.subscribe(COMMAND_FINISH_CHANNEL, print);
  return () => {
    if (printers.get(sink) === print) stopPrinter(sink);
  };
}

function stopPrinter(sink: TraceSink): void {
  const old = printers.get(sink);
  if (old === undefined) return;
  printers.delete(sink);
  diagnosticsChannel.unsubscribe(COMMAND_FINISH_CHANNEL, old);
}

/** The environment variable that turns the stderr printer on for library users. */
export const TRACE_ENV = 'DISCWRIGHT_TRACE';

/** Whether DISCWRIGHT_TRACE asks for tracing: set, not empty, not `0`. */
export function traceFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[TRACE_ENV];
  return v !== undefined && v !== '' && v !== '0';
}

// Read once, when the recorder (which imports this module) is first loaded.
if (traceFromEnv()) printTrace(process.stderr);
