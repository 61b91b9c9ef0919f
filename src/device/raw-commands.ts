// IDiscRecorder2Ex's raw commands (spec §4.3–§4.5): a caller's CDB, checked (§4.4) and sent as
// it is. A device failure is a result, S_IMAPI_COMMAND_HAS_SENSE_DATA with 18-byte fixed sense;
// only argument errors, transport failures and outcomes without usable sense reject (the sense
// policy's statusOutcome). The engine's WRITE stream comes through here once per chunk.

import { DwError, HR, invalidArgument } from '../errors.js';
import { scsiCommand, type ScsiCommand, type ScsiResult } from '../scsi/command.js';
import { opcodeName } from '../scsi/opcodes.js';
import { SenseKey } from '../scsi/sense.js';
import { checkInt, checkTimeout } from './arguments.js';
import { checkCdb } from './cdb-check.js';
import type { CommandRunner } from './command-runner.js';
import { failureError, incompleteWrite, statusOutcome } from './sense-policy.js';
import type { DataOutHold } from '../transport/transport.js';
import type {
  HeldSendCapability,
  HeldSenseResult,
  QueuedSendCapability,
  SenseResult,
} from './types.js';

const FIXED_SENSE_LENGTH = 18;

/** The command for a caller's raw CDB: it runs a copy, since the caller may change its array
 *  while the command is in flight. */
function rawCommand(
  cdb: Uint8Array,
  direction: 'none' | 'in' | 'out',
  data: { dataOut?: Uint8Array; allocationLength?: number },
): ScsiCommand {
  return scsiCommand(opcodeName(cdb[0] ?? 0), cdb.slice(), direction, data);
}

/** A raw command's outcome as IMAPI2 reports it: S_OK, or its sense with HAS_SENSE_DATA. */
function senseResult(command: ScsiCommand, result: ScsiResult): SenseResult {
  const s = statusOutcome(command, result);
  switch (s.kind) {
    case 'good': {
      // Counted, not believed: GOOD with data left over is no completed write.
      const short = incompleteWrite(command, result);
      if (short !== undefined) throw short;
      return { hr: HR.S_OK, sense: new Uint8Array(FIXED_SENSE_LENGTH) };
    }
    case 'sense': {
      // RECOVERED ERROR says the command took effect, which with data left over it did not: the
      // WRITE path would otherwise count the bytes the residual says were never taken.
      if ((s.sense[2]! & 0x0f) === SenseKey.RECOVERED_ERROR) {
        const short = incompleteWrite(command, result, 'RECOVERED ERROR');
        if (short !== undefined) throw short;
      }
      return { hr: HR.S_IMAPI_COMMAND_HAS_SENSE_DATA, sense: s.sense };
    }
    case 'failure':
      throw failureError(command, s.failure);
  }
}

/** A raw command without data-in: only its sense result, one object per command. */
async function sendForSense(
  runner: CommandRunner,
  cdb: Uint8Array,
  timeoutSec: number,
  direction: 'none' | 'out',
  data: { dataOut?: Uint8Array },
): Promise<SenseResult> {
  const command = rawCommand(cdb, direction, data);
  return senseResult(command, await runner.execute(command, timeoutSec));
}

/** IDiscRecorder2Ex::SendCommandNoData. */
export function sendCommandNoData(
  runner: CommandRunner,
  cdb: Uint8Array,
  timeoutSec: number,
): Promise<SenseResult> {
  checkCdb(cdb);
  const t = checkTimeout(timeoutSec);
  return sendForSense(runner, cdb, t, 'none', {});
}

/** IDiscRecorder2Ex::SendCommandSendDataToDevice. */
export function sendCommandSendDataToDevice(
  runner: CommandRunner,
  cdb: Uint8Array,
  timeoutSec: number,
  data: Uint8Array,
): Promise<SenseResult> {
  const t = checkSendData(runner, cdb, timeoutSec, data);
  return sendForSense(runner, cdb, t, 'out', { dataOut: data });
}

/** SendCommandSendDataToDevice with a hold on `data`, for held writes (HeldSendCapability). */
export async function sendCommandSendDataToDeviceHeld(
  runner: CommandRunner,
  cdb: Uint8Array,
  timeoutSec: number,
  data: Uint8Array,
  hold: DataOutHold,
): Promise<HeldSenseResult> {
  const t = checkSendData(runner, cdb, timeoutSec, data);
  const command = rawCommand(cdb, 'out', { dataOut: data });
  const { result, held } = await runner.executeHeld(command, hold, t);
  const r = senseResult(command, result);
  return { hr: r.hr, sense: r.sense, held: held && r.hr === HR.S_OK };
}

/** SendCommandSendDataToDevice as a queued write (QueuedSendCapability). */
export async function sendCommandSendDataToDeviceQueued(
  runner: CommandRunner,
  cdb: Uint8Array,
  timeoutSec: number,
  data: Uint8Array,
): Promise<SenseResult> {
  const t = checkSendData(runner, cdb, timeoutSec, data);
  const command = rawCommand(cdb, 'out', { dataOut: data });
  return senseResult(command, await runner.executeQueued(command, t));
}

/** A recorder's held and queued sends, over whatever runner `runner()` gives at the time. */
export function sendCapabilities(runner: () => CommandRunner): {
  readonly held: HeldSendCapability;
  readonly queued: QueuedSendCapability;
} {
  return {
    held: {
      sendCommandSendDataToDevice: (cdb, timeoutSec, data, hold) =>
        sendCommandSendDataToDeviceHeld(runner(), cdb, timeoutSec, data, hold),
    },
    queued: {
      get depth() {
        return runner().transport.queuedWrites?.depth ?? 1;
      },
      sendCommandSendDataToDevice: (cdb, timeoutSec, data) =>
        sendCommandSendDataToDeviceQueued(runner(), cdb, timeoutSec, data),
      abortQueued: () => runner().transport.queuedWrites?.abortQueued() ?? Promise.resolve(),
    },
  };
}

/** SendCommandSendDataToDevice's argument checks (spec §4.4); returns the checked timeout. */
function checkSendData(
  runner: CommandRunner,
  cdb: Uint8Array,
  timeoutSec: number,
  data: Uint8Array,
): number {
  checkCdb(cdb);
  if (data === null || data === undefined)
    throw new DwError(HR.E_POINTER, { message: 'data is required' });
  const t = checkTimeout(timeoutSec);
  if (!(data instanceof Uint8Array) || data.length === 0)
    throw invalidArgument('data must be a non-empty Uint8Array');
  const max = runner.maxTransfer();
  if (data.length > max) {
    throw invalidArgument(`data of ${data.length} bytes exceeds the maximum transfer of ${max}`);
  }
  return t;
}

/** IDiscRecorder2Ex::SendCommandGetDataFromDevice. `data` holds the bytes actually received. */
export async function sendCommandGetDataFromDevice(
  runner: CommandRunner,
  cdb: Uint8Array,
  timeoutSec: number,
  length: number,
): Promise<SenseResult & { readonly data: Uint8Array }> {
  checkCdb(cdb);
  const t = checkTimeout(timeoutSec);
  checkInt(length, 1, runner.maxTransfer(), 'length');
  const command = rawCommand(cdb, 'in', { allocationLength: length });
  const result = await runner.execute(command, t);
  return { ...senseResult(command, result), data: result.dataIn };
}
