// Block commands of the virtual drive: READ(10)/(12), WRITE(10)/(12), READ CAPACITY and
// SYNCHRONIZE CACHE. A WRITE is checked against the recording rules (disc.ts), paced through the
// drive buffer (buffer.ts; SAO WRITEs after a cue sheet too, commands/cue.ts) and recorded in the block store, which may keep its data-out without
// a copy (zero-copy hand-off, image/held-writes.ts).

import { decodeRead10Cdb } from '../../../scsi/block/read-10.js';
import { decodeRead12Cdb } from '../../../scsi/block/read-12.js';
import { decodeWrite10Cdb } from '../../../scsi/block/write-10.js';
import { decodeWrite12Cdb } from '../../../scsi/block/write-12.js';
import {
  decodeReadCapacity10Cdb,
  encodeReadCapacity10Data,
} from '../../../scsi/block/read-capacity-10.js';
import { decodeSynchronizeCache10Cdb } from '../../../scsi/block/synchronize-cache-10.js';
import { fail, Sense } from '../check.js';
import { completeDao } from '../dao.js';
import type { DriveCore } from '../core.js';
import type { Disc } from '../disc.js';
import type { Track } from '../disc-layout.js';
import type { DataOutKeeper } from '../image/block-store.js';
import { cdbOf, EMPTY, type Exchange, type Handler } from './exchange.js';
import { finishSao, saoWrite } from './cue.js';
import { finishRawSession, rawSectorsAsKept } from '../raw-session.js';
import { FULL_SECTOR_BYTES } from '../cd-sectors.js';
import { pace } from './pace.js';

/** The 2048 user bytes a READ returns for a block stored with another sector size (CD). */
export function userData(block: Uint8Array | undefined): Uint8Array {
  if (block === undefined) return new Uint8Array(2048);
  switch (block.length) {
    case 2048:
      return block;
    case 2056: // Mode 2 Form 1 with sub-header
    case 2336: // Mode 2 formless: sub-header then user data
      return block.subarray(8, 2056);
    case 2352:
    case 2368:
    case 2448: {
      const mode = block[15];
      if (mode === 1) return block.subarray(16, 2064); // sync, header, Mode 1 user data
      if (mode === 2) return block.subarray(24, 2072); // sync, header, sub-header, Form 1 data
      break;
    }
    default:
      break;
  }
  // Audio and Form 2 sectors have no 2048-byte user data.
  return fail(Sense.ILLEGAL_MODE_FOR_THIS_TRACK);
}

async function readBlocks(
  core: DriveCore,
  x: Exchange,
  lba: number,
  count: number,
): Promise<Uint8Array> {
  const disc = core.media();
  if (count === 0) return EMPTY;
  disc.checkRead(lba, count);
  const fault = x.faults.hit('read', lba, count);
  if (fault !== undefined) fail(fault.sense, fault.lba >>> 0);
  const store = core.store;
  if (store.stride === 2048 && store.plain(lba, count)) return store.readRun(lba, count);
  if (store.stride === undefined) return new Uint8Array(count * 2048);
  const out = new Uint8Array(count * 2048);
  for (let i = 0; i < count; i++) out.set(userData(await store.readBlock(lba + i)), i * 2048);
  return out;
}

export const read10: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeRead10Cdb);
  return readBlocks(core, x, cdb.lba, cdb.transferLength);
};

export const read12: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeRead12Cdb);
  return readBlocks(core, x, cdb.lba, cdb.transferLength);
};

async function writeBlocks(
  core: DriveCore,
  x: Exchange,
  lba: number,
  count: number,
): Promise<void> {
  const disc = core.media();
  if (core.cue !== undefined && core.writeParameters.writeType === 2) {
    return saoWrite(core, x, lba, count);
  }
  const blockSize = core.writeBlockSize();
  const data = x.command.dataOut ?? EMPTY;
  if (data.length !== count * blockSize) {
    // The data-out does not hold whole blocks of the sector size the Write Parameters select.
    fail(
      Sense.ILLEGAL_MODE_FOR_THIS_TRACK,
      undefined,
      `${data.length} bytes for ${count} blocks of ${blockSize}`,
    );
  }
  if (count === 0) return;
  const ctx = core.writeContext();
  const track = disc.checkWrite(lba, count, ctx);
  // Raw CD sectors are kept as 2,448 bytes whatever the Data Block Type (raw-session.ts).
  const raw = disc.spec.family === 'cd' && ctx.writeType === 3;
  const kept = raw ? rawSectorsAsKept(core.writeParameters.dataBlockType, data) : data;
  const keptSize = raw ? FULL_SECTOR_BYTES : blockSize;
  const fault = x.faults.hit('write', lba, count);
  if (fault !== undefined) {
    const before = fault.lba - lba;
    if ((fault.sense.senseKey === 0x3 || fault.sense.senseKey === 0x4) && before > 0) {
      await record(core, disc, track, lba, kept.subarray(0, before * keptSize), keptSize);
    }
    fail(fault.sense, fault.lba >>> 0);
  }
  // The first WRITE of the main area saves the block size (a sidecar write and an fdatasync,
  // see record()) before its data enters the buffer: a paced drive starts recording once that
  // save is done, so the save's milliseconds do not drain the first WRITE's data away and count
  // as an underrun before the second WRITE can come (issue #21, many recorders).
  if (!ctx.testWrite && lba + count > 0 && core.store.stride === undefined) {
    await core.fixStride(keptSize);
  }
  await pace(core, x, track, lba, data.length);
  // A converted data-out is a new array: the store keeps its own copy, not the host's buffer.
  await record(core, disc, track, lba, kept, keptSize, kept === data ? x : undefined);
}

async function record(
  core: DriveCore,
  disc: Disc,
  track: Track | undefined,
  lba: number,
  data: Uint8Array,
  blockSize: number,
  keeper?: DataOutKeeper,
): Promise<void> {
  const ctx = core.writeContext();
  const count = data.length / blockSize;
  // Test Write: the laser stays at read power; the address rules apply but nothing is recorded.
  // The store may keep the data (keeper.kept); the caller learns that only from a GOOD result,
  // so nothing after this call may fail the command.
  if (!ctx.testWrite) {
    // The sidecar learns the main area's block size before its first data reaches the image.
    if (lba + count > 0 && core.store.stride === undefined) await core.fixStride(blockSize);
    await core.store.write(lba, blockSize, data, keeper);
  }
  disc.commitWrite(track, lba, count, ctx);
  core.dirty = true;
  core.generation++;
  // After commitWrite: a checkpoint taken now describes this WRITE, whose data the store has.
  if (!ctx.testWrite) core.recorded(data.length);
}

export const write10: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeWrite10Cdb);
  return writeBlocks(core, x, cdb.lba, cdb.transferLength);
};

export const write12: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeWrite12Cdb);
  // The Streaming bit is valid only where Real Time Streaming reports SW.
  if (cdb.streaming && core.options.streaming !== 'on') {
    fail(Sense.INVALID_FIELD_IN_CDB, undefined, 'Streaming without SW');
  }
  return writeBlocks(core, x, cdb.lba, cdb.transferLength);
};

export const readCapacity10: Handler = (core, x) => {
  cdbOf(x, decodeReadCapacity10Cdb);
  const disc = core.media();
  return encodeReadCapacity10Data({ lastLba: disc.lastReadableLba(), blockLength: 2048 });
};

/** Waits until the buffer is recorded, then makes data and layout durable. */
async function drain(core: DriveCore, x: Exchange): Promise<void> {
  await x.wait(core.buffer.drainTime());
  core.buffer.stop();
  await core.flush();
}

export const synchronizeCache10: Handler = async (core, x) => {
  cdbOf(x, decodeSynchronizeCache10Cdb);
  const disc = core.media();
  finishSao(core);
  await finishRawSession(core);
  await drain(core, x);
  // DVD-R/RW DAO: the flush after the reservation's last block writes the lead-out (dao.ts).
  if (completeDao(disc, core.writeContext())) await core.flush();
};
