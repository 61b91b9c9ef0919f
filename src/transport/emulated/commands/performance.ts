// Speed and buffer of the virtual drive: READ BUFFER CAPACITY, GET PERFORMANCE (types 00h and
// 03h), SET STREAMING and SET CD SPEED.

import {
  decodeReadBufferCapacityCdb,
  encodeReadBufferCapacityData,
} from '../../../scsi/mmc/read-buffer-capacity.js';
import {
  decodeGetPerformanceCdb,
  encodePerformanceData,
  encodeWriteSpeedData,
  PerformanceType,
  WriteRotationControl,
} from '../../../scsi/mmc/get-performance.js';
import {
  decodeSetStreamingCdb,
  decodeSetStreamingData,
  StreamingType,
} from '../../../scsi/mmc/set-streaming.js';
import { decodeSetCdSpeedCdb, SET_CD_SPEED_MAXIMUM } from '../../../scsi/mmc/set-cd-speed.js';
import { fail, Sense } from '../check.js';
import { cdbOf, parameterList, parse, upTo, type Handler } from './exchange.js';

export const readBufferCapacity: Handler = (core, x) => {
  if (!core.options.readBufferCapacity) fail(Sense.INVALID_COMMAND_OPERATION_CODE);
  const cdb = cdbOf(x, decodeReadBufferCapacityCdb);
  const buffer = core.buffer;
  const free = buffer.paced ? buffer.free : buffer.size;
  const data = cdb.block
    ? encodeReadBufferCapacityData({
        blockDataReturned: true,
        bufferAvailableBlocks: Math.floor(free / core.writeBlockSize()),
      })
    : encodeReadBufferCapacityData({
        blockDataReturned: false,
        bufferLengthBytes: buffer.size,
        bufferAvailableBytes: free,
      });
  return upTo(data, cdb.allocationLength);
};

export const getPerformance: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeGetPerformanceCdb);
  const disc = core.media();
  const spec = disc.spec;
  const kBps = (s: number) => Math.round(s * spec.oneXKBps);
  const top = spec.speedsX[spec.speedsX.length - 1] ?? 1;
  const endLba = Math.max(0, disc.capacity - 1);
  switch (cdb.type) {
    case PerformanceType.WRITE_SPEED: {
      const descriptors = [...spec.speedsX]
        .reverse()
        .slice(0, cdb.maximumNumberOfDescriptors)
        .map((s) => ({
          wrc: WriteRotationControl.DEFAULT,
          rdd: false,
          exact: true,
          mrw: false,
          endLba,
          readSpeedKBps: kBps(top),
          writeSpeedKBps: kBps(s),
        }));
      return encodeWriteSpeedData({ descriptors });
    }
    case PerformanceType.PERFORMANCE: {
      const speed = cdb.write
        ? kBps(core.effectiveSpeedX())
        : Math.min(core.readSpeedKBps, kBps(top));
      // No exceptions: Except = 01b / 10b lists none.
      const descriptors =
        cdb.except === 0 && cdb.maximumNumberOfDescriptors > 0
          ? [{ startLba: 0, startPerformanceKBps: speed, endLba, endPerformanceKBps: speed }]
          : [];
      return encodePerformanceData({ write: cdb.write, except: cdb.except !== 0, descriptors });
    }
    default:
      return fail(Sense.INVALID_FIELD_IN_CDB, undefined, `performance type ${cdb.type}`);
  }
};

export const setStreaming: Handler = (core, x) => {
  // SET STREAMING belongs to the Real Time Streaming feature: without it, no such command.
  if (core.options.streaming === 'absent') fail(Sense.INVALID_COMMAND_OPERATION_CODE);
  const cdb = cdbOf(x, decodeSetStreamingCdb);
  if (cdb.type !== StreamingType.PERFORMANCE_DESCRIPTOR) fail(Sense.INVALID_FIELD_IN_CDB);
  const d = parse(() => decodeSetStreamingData(parameterList(x, cdb.parameterListLength)));
  if (d.writeTimeMs === 0 || d.readTimeMs === 0) fail(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
  // Write Size is in kB (1000 bytes) per Write Time in ms, so the ratio is kB/s × 1000.
  core.selectWriteSpeed(Math.floor((d.writeSizeKB * 1000) / d.writeTimeMs));
  core.readSpeedKBps = Math.min(0xffff, Math.floor((d.readSizeKB * 1000) / d.readTimeMs));
};

export const setCdSpeed: Handler = (core, x) => {
  const cdb = cdbOf(x, decodeSetCdSpeedCdb);
  core.selectWriteSpeed(cdb.writeSpeedKBps === SET_CD_SPEED_MAXIMUM ? 0xffff : cdb.writeSpeedKBps);
  core.readSpeedKBps = cdb.readSpeedKBps;
};
