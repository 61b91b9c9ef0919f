// The recorder's typed helpers beyond IMAPI2: commands whose replies come back decoded (disc and
// track information, capacity, buffer capacity, write speeds) and the few plain commands a burner
// needs (TEST UNIT READY, SYNCHRONIZE CACHE, READ(10)). Each runs as a typed helper (spec §4.5):
// sense rejects with the mapped DwError, a reply that does not decode with the malformed one.

import { DwError, HR, invalidArgument } from '../errors.js';
import { MAX_INT32, MIN_INT32 } from '../scsi/bytes.js';
import {
  decodeReadCapacity10Data,
  type ReadCapacity10Data,
} from '../scsi/block/read-capacity-10.js';
import {
  PERFORMANCE_DESCRIPTOR_LENGTH,
  PERFORMANCE_HEADER_LENGTH,
  decodeWriteSpeedData,
  getPerformanceFullLength,
  type WriteSpeedDescriptor,
} from '../scsi/mmc/get-performance.js';
import {
  READ_BUFFER_CAPACITY_DATA_LENGTH,
  decodeReadBufferCapacityData,
  type ReadBufferCapacityData,
} from '../scsi/mmc/read-buffer-capacity.js';
import {
  decodeReadDiscInformationData,
  type DiscInformation,
  type DiscInformationAddressFormat,
} from '../scsi/mmc/read-disc-information.js';
import {
  decodeReadTrackInformationData,
  type TrackInformation,
} from '../scsi/mmc/read-track-information.js';
import { checkInt, checkTimeout } from './arguments.js';
import type { CommandRunner } from './command-runner.js';
import * as cmd from './commands.js';
import { getDiscInformation, getTrackInformation } from './structures.js';
import type { ReadTrackAddressType } from './types.js';

/** SYNCHRONIZE CACHE without IMMED answers only when the cache is on the medium. */
const SYNCHRONIZE_TIMEOUT_SEC = 900;
/** READ(10) of up to a transfer's worth of blocks. */
const READ_TIMEOUT_SEC = 60;
/** Write speed descriptors asked for at first; most drives offer far fewer. */
const FIRST_SPEED_COUNT = 32;

/** Whether READ DISC INFORMATION's lead-in/lead-out addresses are MSF (CD media). */
export type DiscInformationOptions = DiscInformationAddressFormat;

/**
 * READ DISC INFORMATION, decoded (standard disc information). The two lead-in/lead-out address
 * fields are MSF on CD media and the reply does not say so: the caller, who knows the current
 * profile, passes `msf: true` for CD to get them as LBAs.
 */
export async function discInformation(
  runner: CommandRunner,
  o: DiscInformationAddressFormat = {},
): Promise<DiscInformation> {
  const raw = await getDiscInformation(runner);
  return runner.decode(cmd.readDiscInformation(), () => decodeReadDiscInformationData(raw, o));
}

/** READ CAPACITY(10), decoded: the last recorded LBA and the block length. */
export async function capacity(runner: CommandRunner): Promise<ReadCapacity10Data> {
  const command = cmd.readCapacity10();
  const r = await runner.run(command);
  return runner.decode(command, () => decodeReadCapacity10Data(r.dataIn));
}

/** READ BUFFER CAPACITY (Block = 0), decoded. */
export async function bufferCapacity(runner: CommandRunner): Promise<ReadBufferCapacityData> {
  const command = cmd.readBufferCapacity({
    block: false,
    allocationLength: READ_BUFFER_CAPACITY_DATA_LENGTH,
  });
  const r = await runner.run(command);
  return runner.decode(command, () => decodeReadBufferCapacityData(r.dataIn));
}

/** READ TRACK INFORMATION, decoded. */
export async function trackInformation(
  runner: CommandRunner,
  address: number,
  type: ReadTrackAddressType,
): Promise<TrackInformation> {
  const raw = await getTrackInformation(runner, address, type);
  return runner.decode(cmd.readTrackInformation({ addressNumberType: type, address }), () =>
    decodeReadTrackInformationData(raw),
  );
}

/** GET PERFORMANCE Type 03h: the write speeds the drive offers for the loaded medium. */
export async function writeSpeeds(runner: CommandRunner): Promise<WriteSpeedDescriptor[]> {
  // Some drives size the reply (and its length field) by the descriptor count asked for, so
  // ask for a generous count first and re-issue only when the length field says there is more.
  const ask = async (count: number) => {
    const command = cmd.getWriteSpeeds({ maximumNumberOfDescriptors: count });
    const r = await runner.run(command);
    return runner.decode(command, () => ({
      total: getPerformanceFullLength(r.dataIn),
      speeds: decodeWriteSpeedData(r.dataIn).descriptors,
    }));
  };
  const first = await ask(FIRST_SPEED_COUNT);
  const available = Math.floor(
    Math.max(0, first.total - PERFORMANCE_HEADER_LENGTH) / PERFORMANCE_DESCRIPTOR_LENGTH,
  );
  if (available <= first.speeds.length) return [...first.speeds];
  const maxCount = Math.floor((0xfff0 - PERFORMANCE_HEADER_LENGTH) / PERFORMANCE_DESCRIPTOR_LENGTH);
  return [...(await ask(Math.min(available, maxCount))).speeds];
}

/** TEST UNIT READY; rejects with the mapped error when the drive is not ready. */
export async function testUnitReady(runner: CommandRunner): Promise<void> {
  await runner.run(cmd.testUnitReady());
}

/** SYNCHRONIZE CACHE(10) for the whole medium. */
export async function synchronizeCache(
  runner: CommandRunner,
  options: { immed?: boolean; timeoutSec?: number },
): Promise<void> {
  const timeoutSec = checkTimeout(options.timeoutSec ?? SYNCHRONIZE_TIMEOUT_SEC);
  await runner.run(cmd.synchronizeCache10({ immed: options.immed ?? false }), timeoutSec);
}

/** READ(10) of `blocks` blocks of `blockSize` bytes from `lba`. */
export async function readBlocks(
  runner: CommandRunner,
  lba: number,
  blocks: number,
  blockSize: number,
): Promise<Uint8Array> {
  checkInt(lba, MIN_INT32, MAX_INT32, 'lba');
  checkInt(blocks, 1, 0xffff, 'blocks');
  checkInt(blockSize, 1, 0x10000, 'blockSize');
  const max = runner.maxTransfer();
  if (blocks * blockSize > max) {
    throw invalidArgument(`${blocks} × ${blockSize} bytes exceed the maximum transfer of ${max}`);
  }
  const command = cmd.read10({ lba, transferLength: blocks, blockSize });
  const r = await runner.run(command, READ_TIMEOUT_SEC);
  const expected = blocks * blockSize;
  if (r.dataIn.length !== expected) {
    // A short read is an error, never zeros or a shift of the blocks after it.
    const got = Math.floor(r.dataIn.length / blockSize);
    throw new DwError(HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, {
      message: `READ(10) at LBA ${lba}: the device answered GOOD with ${r.dataIn.length} of ${expected} bytes (residual ${r.residual}); LBA ${lba + got} and after were not read`,
      hint: 'The device returned less data than asked for; nothing was retried. Check the drive or the iSCSI target.',
      retryable: false,
      command: command.name,
      cdb: command.cdb,
      lba: lba + got,
      blocks: blocks - got,
    });
  }
  return r.dataIn;
}
