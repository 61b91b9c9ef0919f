// A DiscRecorder over the virtual drive on a virtual clock, for device and engine tests that work
// at the CDB level through drive.control.log.

import { DiscRecorder } from '../../src/device/recorder.js';
import { VirtualClock } from '../../src/transport/clock.js';
import {
  openVirtualDrive,
  type LogEntry,
  type VirtualDrive,
} from '../../src/transport/emulated/index.js';
import { DwError } from '../../src/errors.js';
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
