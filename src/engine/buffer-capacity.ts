// Device-buffer polling between WRITEs (spec §2.7): READ BUFFER CAPACITY with Block = 0, for the
// event args only. Never retried and never allowed to affect the section's result.

import { HR } from '../errors.js';
import {
  decodeReadBufferCapacityData,
  encodeReadBufferCapacityCdb,
} from '../scsi/mmc/read-buffer-capacity.js';
import { commandUnsupported } from '../device/sense-policy.js';
import type { DiscRecorderEx } from '../device/types.js';
import type { Progress } from './event-args.js';

/** Ticks (spec §3.1) and device-buffer polls (§2.7) come at most this often. */
export const TICK_MS = 500;

const RBC_TIMEOUT_SEC = 10;
const RBC_ALLOCATION_LENGTH = 12;

export async function pollBufferCapacity(
  recorder: DiscRecorderEx,
  drive: { rbc: 'unknown' | 'yes' | 'no' },
  progress: Progress,
): Promise<void> {
  const cdb = encodeReadBufferCapacityCdb({
    block: false,
    allocationLength: RBC_ALLOCATION_LENGTH,
  });
  try {
    const r = await recorder.sendCommandGetDataFromDevice(
      cdb,
      RBC_TIMEOUT_SEC,
      RBC_ALLOCATION_LENGTH,
    );
    if (r.hr === HR.S_IMAPI_COMMAND_HAS_SENSE_DATA) {
      // Only the first answer decides support: a drive that lacks the command says so at once.
      if (drive.rbc === 'unknown' && commandUnsupported(r.sense)) drive.rbc = 'no';
      return;
    }
    const d = decodeReadBufferCapacityData(r.data);
    drive.rbc = 'yes';
    // Block = 0 was asked for; a drive answering in blocks gives no byte figures.
    if (!d.blockDataReturned) progress.deviceBuffer(d.bufferLengthBytes, d.bufferAvailableBytes);
  } catch {
    // Polling is informational; the next WRITE reports any real trouble.
  }
}
