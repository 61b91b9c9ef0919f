// A DiscRecorder over the virtual drive on a virtual clock, for device and engine tests that work
// at the CDB level through drive.control.log; the CD-R tests' commands at the CDB level (a command
// that must succeed or must fail, SEND CUE SHEET built byte by byte, the stream of WRITEs).

import assert from 'node:assert/strict';
import { DiscRecorder } from '../../src/device/recorder.js';
import { VirtualClock } from '../../src/transport/clock.js';
import {
  openVirtualDrive,
  type LogEntry,
  type VirtualDrive,
} from '../../src/transport/emulated/index.js';
import { DwError } from '../../src/errors.js';
import { scsiCommand, ScsiStatus, type ScsiCommand } from '../../src/scsi/command.js';
import { decodeSense } from '../../src/scsi/sense.js';
import { write10 } from '../../src/scsi/block/write-10.js';
import { cat, h } from './bytes.js';
import {
  decodeWriteParametersPage,
  encodeWriteParametersPage,
} from '../../src/scsi/mmc/mode-pages/write-parameters.js';

export interface Rig {
  readonly clock: VirtualClock;
  readonly drive: VirtualDrive;
  readonly recorder: DiscRecorder;
  readonly log: LogEntry[];
}

export async function rig(address = 'virtual:dvd+r', clock = new VirtualClock()): Promise<Rig> {
  const drive = await openVirtualDrive(address, { clock });
  const recorder = await DiscRecorder.fromTransport(drive, { clock });
  return { clock, drive, recorder, log: drive.control.log };
}

/** The WRITE(10)/(12) commands of the log. */
export function writes(log: readonly LogEntry[]): LogEntry[] {
  return log.filter((e) => e.opcode === 0x2a || e.opcode === 0xaa);
}

/** Block count of a logged WRITE or READ (10 or 12), from its CDB bytes (not the codec). */
export function cdbBlocks(e: LogEntry): number {
  const c = e.cdb;
  return e.opcode === 0x2a || e.opcode === 0x28
    ? (c[7]! << 8) | c[8]!
    : ((c[6]! << 24) | (c[7]! << 16) | (c[8]! << 8) | c[9]!) >>> 0;
}

/** Signed LBA of a logged WRITE, from its CDB bytes. */
export function cdbLba(e: LogEntry): number {
  const c = e.cdb;
  return (c[2]! << 24) | (c[3]! << 16) | (c[4]! << 8) | c[5]!;
}

/** The HRESULT a promise rejects with (fails the test when it resolves or throws non-DwError). */
export async function rejectsWith(p: Promise<unknown>): Promise<DwError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DwError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

/** Synchronous version of rejectsWith. */
export function throwsWith(f: () => unknown): DwError {
  try {
    f();
  } catch (e) {
    if (e instanceof DwError) return e;
    throw e;
  }
  throw new Error('expected a throw');
}

/** Select a CD write type and data block type on the Write Parameters page (05h). */
export async function setCdWriteMode(
  recorder: DiscRecorder,
  writeType: number,
  dataBlockType: number,
): Promise<void> {
  const page = decodeWriteParametersPage(await recorder.getModePage(0x05, 0));
  await recorder.setModePage(0, encodeWriteParametersPage({ ...page, writeType, dataBlockType }));
}

/** Deterministic test pattern: byte i of the section is (i * 7 + i >> 11) & 0xff. */
export function pattern(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 7 + (i >> 11)) & 0xff;
  return out;
}

/** Executes `c` on the rig's drive and requires GOOD (the failure names key/ASC/ASCQ); its data. */
export async function ok(r: Rig, c: ScsiCommand): Promise<Uint8Array> {
  const res = await r.drive.execute(c);
  if (res.status !== ScsiStatus.GOOD) {
    const d = decodeSense(res.sense);
    assert.fail(`${c.name}: ${d.senseKey}/${d.asc.toString(16)}/${d.ascq.toString(16)}`);
  }
  return res.dataIn;
}

/** [key, ASC, ASCQ, C/D, field pointer] of a command that must fail. */
export async function refused(r: Rig, c: ScsiCommand): Promise<(number | boolean | undefined)[]> {
  const res = await r.drive.execute(c);
  assert.equal(res.status, ScsiStatus.CHECK_CONDITION, `${c.name} should fail`);
  const d = decodeSense(res.sense);
  const sks = d.senseKeySpecific?.kind === 'fieldPointer' ? d.senseKeySpecific : undefined;
  return [d.senseKey, d.asc, d.ascq, sks?.commandData, sks?.fieldPointer];
}

/**
 * SEND CUE SHEET (5Dh) with `cue` as its data, the CDB written byte by byte (MMC: bytes 6-8 the
 * cue sheet size, big-endian); `size` states another length than the data's, to be refused.
 */
export function sendCueSheet(cue: Uint8Array, size = cue.length): ScsiCommand {
  const cdb = Uint8Array.of(0x5d, 0, 0, 0, 0, 0, size >> 16, (size >> 8) & 0xff, size & 0xff, 0);
  return scsiCommand('SEND CUE SHEET', cdb, 'out', { dataOut: cue });
}

/**
 * A mixed-mode Session-at-Once cue sheet (MMC cue sheet entries, binary MSF): track 1 Mode 1
 * (pregap -150, index 1 at 0), track 2 audio (pause at 300, index 1 at 450), lead-out at 750
 * (00:12:00).
 */
export const MIXED_MODE_CUE: Uint8Array = h(`
  41 00 00 14 00 00 00 00
  41 01 00 10 00 00 00 00
  41 01 01 10 00 00 02 00
  01 02 00 01 00 00 06 00
  01 02 01 00 00 00 08 00
  01 AA 01 01 00 00 0C 00`);

/** WRITE(10)s of LBAs `from` up to `to`, `per` blocks each (the last one shorter), of sector(lba). */
export async function writeSectors(
  r: Rig,
  from: number,
  to: number,
  sector: (lba: number) => Uint8Array,
  per = 25,
): Promise<void> {
  for (let lba = from; lba < to; lba += per) {
    const n = Math.min(per, to - lba);
    const data = cat(...Array.from({ length: n }, (_, i) => sector(lba + i)));
    await ok(r, write10({ lba, transferLength: n, data }));
  }
}
