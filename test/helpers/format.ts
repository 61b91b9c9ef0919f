// DiscFormat2Data over a virtual drive on a virtual clock, for the tests of src/format/.

import { DiscFormat2Data } from '../../src/format/index.js';
import type { LogEntry } from '../../src/transport/emulated/index.js';
import { rig, type Rig } from './recorder.js';

export async function dataWriter(address: string): Promise<Rig & { data: DiscFormat2Data }> {
  const r = await rig(address);
  const data = new DiscFormat2Data({ clock: r.clock });
  await data.setRecorder(r.recorder);
  data.clientName = 'discwright test';
  return { ...r, data };
}

/** Close functions of the CLOSE TRACK/SESSION commands in the log (CDB byte 2 bits 2..0). */
export function closeFunctions(log: readonly LogEntry[]): number[] {
  return log.filter((e) => e.opcode === 0x5b).map((e) => e.cdb[2]! & 0x07);
}
