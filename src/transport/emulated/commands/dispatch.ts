// The virtual drive's command dispatch: which handler answers each opcode, and what comes before
// any handler runs (a pending unit attention, an injected busy fault, a drive opened read-only
// refusing what would record). Anything without a handler is 05/20/00, as on a drive.

import { Opcode } from '../../../scsi/opcodes.js';
import { opcodeName } from '../../../scsi/opcodes.js';
import { fail, Sense } from '../check.js';
import type { DriveCore } from '../core.js';
import { readOnlyRefusal } from '../image/damage.js';
import {
  read10,
  read12,
  readCapacity10,
  synchronizeCache10,
  write10,
  write12,
} from './block-io.js';
import { mechanismStatus, readCd, readSubChannel } from './cd.js';
import { sendCueSheet } from './cue.js';
import { getConfiguration, getEventStatusNotification } from './configuration.js';
import { readDiscStructure, sendDiscStructure } from './disc-structure.js';
import type { Exchange, Handler } from './exchange.js';
import { blankHandler, formatUnit, readFormatCapacities } from './format.js';
import { modeSelect10, modeSense10 } from './mode-pages.js';
import { getPerformance, readBufferCapacity, setCdSpeed, setStreaming } from './performance.js';
import { inquiry, preventAllow, requestSense, startStopUnit, testUnitReady } from './spc.js';
import { readTocPmaAtip } from './toc.js';
import {
  closeTrackSession,
  readDiscInformation,
  readTrackInformation,
  reserveTrack,
} from './tracks.js';

/** The handler for each opcode the virtual drive implements; anything else is 05/20/00. */
export const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [Opcode.TEST_UNIT_READY, testUnitReady],
  [Opcode.REQUEST_SENSE, requestSense],
  [Opcode.FORMAT_UNIT, formatUnit],
  [Opcode.INQUIRY, inquiry],
  [Opcode.START_STOP_UNIT, startStopUnit],
  [Opcode.PREVENT_ALLOW_MEDIUM_REMOVAL, preventAllow],
  [Opcode.READ_FORMAT_CAPACITIES, readFormatCapacities],
  [Opcode.READ_CAPACITY_10, readCapacity10],
  [Opcode.READ_10, read10],
  [Opcode.WRITE_10, write10],
  [Opcode.SYNCHRONIZE_CACHE_10, synchronizeCache10],
  [Opcode.READ_TOC_PMA_ATIP, readTocPmaAtip],
  [Opcode.GET_CONFIGURATION, getConfiguration],
  [Opcode.GET_EVENT_STATUS_NOTIFICATION, getEventStatusNotification],
  [Opcode.READ_DISC_INFORMATION, readDiscInformation],
  [Opcode.READ_TRACK_INFORMATION, readTrackInformation],
  [Opcode.RESERVE_TRACK, reserveTrack],
  [Opcode.MODE_SELECT_10, modeSelect10],
  [Opcode.MODE_SENSE_10, modeSense10],
  [Opcode.CLOSE_TRACK_SESSION, closeTrackSession],
  [Opcode.READ_BUFFER_CAPACITY, readBufferCapacity],
  [Opcode.BLANK, blankHandler],
  [Opcode.READ_12, read12],
  [Opcode.WRITE_12, write12],
  [Opcode.GET_PERFORMANCE, getPerformance],
  [Opcode.SET_STREAMING, setStreaming],
  [Opcode.SET_CD_SPEED, setCdSpeed],
  [Opcode.READ_DISC_STRUCTURE, readDiscStructure],
  [Opcode.SEND_DISC_STRUCTURE, sendDiscStructure],
  [Opcode.MECHANISM_STATUS, mechanismStatus],
  [Opcode.READ_CD, readCd],
  [Opcode.SEND_CUE_SHEET, sendCueSheet],
  [Opcode.READ_SUB_CHANNEL, readSubChannel],
]);

/** Commands that neither report nor clear a unit attention (SPC-4 5.14, MMC-6 GESN). */
export const UNIT_ATTENTION_EXEMPT: ReadonlySet<number> = new Set([
  Opcode.INQUIRY,
  Opcode.REQUEST_SENSE,
  Opcode.GET_EVENT_STATUS_NOTIFICATION,
]);

/** Commands that change the disc: refused by a drive opened read-only. */
export const RECORDING: ReadonlySet<number> = new Set([
  Opcode.FORMAT_UNIT,
  Opcode.WRITE_10,
  Opcode.WRITE_12,
  Opcode.RESERVE_TRACK,
  Opcode.CLOSE_TRACK_SESSION,
  Opcode.BLANK,
  Opcode.SEND_DISC_STRUCTURE,
  Opcode.SEND_CUE_SHEET,
]);

/** DATA PROTECT (07/27/xx) for a command that would record on a write-protected disc. */
function refuseWriteProtected(core: DriveCore): void {
  const p = core.writeProtection;
  if (core.disc === undefined || core.tray !== 'closed') return;
  if (p.cwp) fail(Sense.HARDWARE_WRITE_PROTECTED);
  if (p.swpp) fail(Sense.SOFTWARE_WRITE_PROTECTED);
  if (p.pwp) fail(Sense.PERSISTENT_WRITE_PROTECT);
  if (p.mswi) fail(Sense.WRITE_PROTECTED);
}

/** Runs the handler of `opcode`, after a pending unit attention or busy fault has had its say. */
export function dispatch(
  core: DriveCore,
  opcode: number,
  x: Exchange,
): Promise<Uint8Array | void> | Uint8Array | void {
  const faults = x.faults;
  if (!UNIT_ATTENTION_EXEMPT.has(opcode)) {
    const ua = faults.pendingAttention ?? core.attention;
    if (ua !== undefined) {
      if (faults.pendingAttention !== undefined) faults.pendingAttention = undefined;
      else core.attention = undefined;
      fail(ua);
    }
  }
  // FORMAT UNIT / BLANK / CLOSE with IMMED still running: NOT READY with progress (operation.ts).
  if (!UNIT_ATTENTION_EXEMPT.has(opcode) && opcode !== Opcode.GET_CONFIGURATION) {
    const running = core.operation.sense();
    if (running !== undefined) fail(running);
  }
  if (faults.busyCount > 0) {
    const isWrite = opcode === Opcode.WRITE_10 || opcode === Opcode.WRITE_12;
    const hit = faults.busyCommands === 'all' ? !UNIT_ATTENTION_EXEMPT.has(opcode) : isWrite;
    if (hit) {
      faults.busyCount--;
      fail(
        faults.busyAscq === 0x07
          ? Sense.NOT_READY_OPERATION_IN_PROGRESS
          : Sense.NOT_READY_LONG_WRITE_IN_PROGRESS,
      );
    }
  }
  // Not a CHECK CONDITION: the drive is fine, the host may not write its files (E_ACCESSDENIED).
  if (core.readOnly && RECORDING.has(opcode)) {
    throw readOnlyRefusal(core.options.image, opcodeName(opcode));
  }
  if (RECORDING.has(opcode)) refuseWriteProtected(core);
  const handler = HANDLERS.get(opcode);
  if (handler === undefined) fail(Sense.INVALID_COMMAND_OPERATION_CODE);
  return handler(core, x);
}
