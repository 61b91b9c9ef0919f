// Fault injection for the virtual drive (drive.control.faults): what a test needs to provoke
// every error path of a writer without hardware. Faults act on the next commands in order and
// are cleared with clear().

import type { SenseCode } from './check.js';

export interface LbaFault {
  readonly lba: number;
  readonly sense: SenseCode;
  /** Which commands the fault hits. */
  readonly on: 'write' | 'read' | 'any';
  /** Remaining hits; Infinity = until cleared. */
  remaining: number;
}

export interface FailAtOptions {
  /** Commands the fault applies to (default `write`). */
  readonly on?: 'write' | 'read' | 'any';
  /** How many commands fail (default: every one until clear()). */
  readonly times?: number;
}

export interface BusyOptions {
  /** `write` (default): only WRITE(10)/(12) are answered busy; `all`: every media command. */
  readonly commands?: 'write' | 'all';
}

/** The fault control surface. */
export class Faults {
  /** @internal */ lbaFaults: LbaFault[] = [];
  /** @internal */ busyCount = 0;
  /** @internal */ busyAscq = 0x08;
  /** @internal */ busyCommands: 'write' | 'all' = 'write';
  /** @internal */ vanishIn: number | undefined;
  /** @internal */ vanished = false;
  /** @internal */ latencyMs = 0;
  /** @internal */ pendingAttention: SenseCode | undefined;

  /** Fail every command touching `lba` with this sense (information field = lba). Blocks before
   *  it in the same WRITE are recorded when the sense is a medium or hardware error (key 3/4). */
  failAt(
    lba: number,
    sense: { senseKey: number; asc: number; ascq: number },
    options: FailAtOptions = {},
  ): this {
    this.lbaFaults.push({
      lba,
      sense: { senseKey: sense.senseKey, asc: sense.asc, ascq: sense.ascq },
      on: options.on ?? 'write',
      remaining: options.times ?? Infinity,
    });
    return this;
  }

  /** Answer the next `count` commands with 02/04/`ascq` (7 operation in progress, 8 long write). */
  busy(count: number, ascq: 7 | 8 = 8, options: BusyOptions = {}): this {
    this.busyCount = count;
    this.busyAscq = ascq;
    this.busyCommands = options.commands ?? 'write';
    return this;
  }

  /** After `commands` more commands, the device is gone: every later execute rejects 0x80070037. */
  vanishAfter(commands: number): this {
    this.vanishIn = commands;
    if (commands <= 0) this.vanished = true;
    return this;
  }

  /** Add `ms` (on the drive's clock) to every command. */
  latency(ms: number): this {
    this.latencyMs = Math.max(0, ms);
    return this;
  }

  /** Raise a unit attention (sense key 6) reported by the next command. */
  unitAttention(asc: number, ascq: number): this {
    this.pendingAttention = { senseKey: 0x6, asc, ascq };
    return this;
  }

  /** Remove every fault (a vanished device stays gone). */
  clear(): this {
    this.lbaFaults = [];
    this.busyCount = 0;
    this.vanishIn = undefined;
    this.latencyMs = 0;
    this.pendingAttention = undefined;
    return this;
  }

  /** @internal The fault hitting [lba, lba+count) for this kind of command, if any. */
  hit(kind: 'write' | 'read', lba: number, count: number): LbaFault | undefined {
    let found: LbaFault | undefined;
    for (const f of this.lbaFaults) {
      if (f.remaining <= 0 || (f.on !== 'any' && f.on !== kind)) continue;
      if (
        f.lba >= lba &&
        f.lba < lba + Math.max(1, count) &&
        (found === undefined || f.lba < found.lba)
      ) {
        found = f;
      }
    }
    if (found !== undefined) found.remaining--;
    return found;
  }
}
