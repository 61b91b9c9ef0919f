// Replaying another burner's commands against a Transport: raw CDBs written in hex as the burner
// sends them (no encoder of ours in between), the status and sense checked the way the burner
// checks them, and TEST UNIT READY polling where the burner waits for an IMMED step.

import assert from 'node:assert/strict';
import { scsiCommand, ScsiStatus, type ScsiResult } from '../../src/scsi/command.js';
import { decodeSense } from '../../src/scsi/sense.js';
import type { Transport } from '../../src/transport/transport.js';
import { h } from './bytes.js';

/** One command as a burner sends it: the CDB in hex, and its data-in size or data-out bytes. */
export async function send(
  t: Transport,
  cdbHex: string,
  data: { readonly alloc?: number; readonly out?: Uint8Array } = {},
): Promise<ScsiResult> {
  const cdb = h(cdbHex);
  const name = `replayed ${cdbHex.slice(0, 2)}h`;
  const command =
    data.out !== undefined
      ? scsiCommand(name, cdb, 'out', { dataOut: data.out })
      : data.alloc !== undefined
        ? scsiCommand(name, cdb, 'in', { allocationLength: data.alloc })
        : scsiCommand(name, cdb, 'none');
  return t.execute(command);
}

/** Key/ASC/ASCQ of a CHECK CONDITION, or undefined when GOOD. */
export function senseOf(r: ScsiResult): [number, number, number] | undefined {
  if (r.status === ScsiStatus.GOOD) return undefined;
  const s = decodeSense(r.sense);
  return [s.senseKey, s.asc, s.ascq];
}

/** Sends and requires GOOD, as the burner exits on anything else. */
export async function must(
  t: Transport,
  cdbHex: string,
  data: { readonly alloc?: number; readonly out?: Uint8Array } = {},
): Promise<Uint8Array> {
  const r = await send(t, cdbHex, data);
  assert.equal(r.status, ScsiStatus.GOOD, `${cdbHex}: ${String(senseOf(r))}`);
  return r.dataIn;
}

/** A burner's wait for an IMMED step: TEST UNIT READY until GOOD (a unit attention is consumed). */
export async function waitForUnit(t: Transport, tries = 10): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const r = await send(t, '00 00 00 00 00 00');
    if (r.status === ScsiStatus.GOOD) return;
    const s = senseOf(r);
    // NOT READY, operation in progress, and unit attentions are what a burner waits through.
    assert.ok(s !== undefined && (s[0] === 2 || s[0] === 6), `TEST UNIT READY: ${String(s)}`);
  }
  assert.fail('the unit never became ready');
}

/** Big-endian u32 of a reply at `at`. */
export function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Hex of a big-endian number of `n` bytes, for splicing into a CDB string. */
export function hexBe(value: number, n: number): string {
  let s = '';
  for (let i = n - 1; i >= 0; i--)
    s += ` ${((value >>> (8 * i)) & 0xff).toString(16).padStart(2, '0')}`;
  return s.trim();
}
