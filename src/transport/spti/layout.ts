// Windows SCSI pass-through (SPTI) structures and IOCTL codes (ntddscsi.h, ntddstor.h,
// ntddcdrm.h, winioctl.h): SCSI_PASS_THROUGH_DIRECT plus the sense buffer behind it, the storage
// property descriptors, STORAGE_DEVICE_NUMBER, the CD-ROM exclusive-access lock and the volume
// lock/dismount controls. Pure, so it is tested on any OS; the structures are laid out with the
// natural alignment of the 64-bit or 32-bit ABI and little-endian byte order (every Windows
// target).

import { MalformedDataError } from '../../errors.js';

/** CTL_CODE(DeviceType, Function, Method, Access) from winioctl.h. */
export function ctlCode(deviceType: number, fn: number, method: number, access: number): number {
  return ((deviceType << 16) | (access << 14) | (fn << 2) | method) >>> 0;
}

const METHOD_BUFFERED = 0;
const FILE_ANY_ACCESS = 0;
const FILE_READ_WRITE_ACCESS = 0x3; // FILE_READ_ACCESS | FILE_WRITE_ACCESS
const IOCTL_SCSI_BASE = 0x04; // FILE_DEVICE_CONTROLLER
const IOCTL_STORAGE_BASE = 0x2d; // FILE_DEVICE_MASS_STORAGE
const IOCTL_CDROM_BASE = 0x02; // FILE_DEVICE_CD_ROM
const FILE_DEVICE_FILE_SYSTEM = 0x09;

export const IoctlCode = {
  IOCTL_SCSI_PASS_THROUGH: ctlCode(
    IOCTL_SCSI_BASE,
    0x0401,
    METHOD_BUFFERED,
    FILE_READ_WRITE_ACCESS,
  ),
  IOCTL_SCSI_PASS_THROUGH_DIRECT: ctlCode(
    IOCTL_SCSI_BASE,
    0x0405,
    METHOD_BUFFERED,
    FILE_READ_WRITE_ACCESS,
  ),
  IOCTL_SCSI_GET_ADDRESS: ctlCode(IOCTL_SCSI_BASE, 0x0406, METHOD_BUFFERED, FILE_ANY_ACCESS),
  IOCTL_STORAGE_GET_DEVICE_NUMBER: ctlCode(
    IOCTL_STORAGE_BASE,
    0x0420,
    METHOD_BUFFERED,
    FILE_ANY_ACCESS,
  ),
  IOCTL_STORAGE_QUERY_PROPERTY: ctlCode(
    IOCTL_STORAGE_BASE,
    0x0500,
    METHOD_BUFFERED,
    FILE_ANY_ACCESS,
  ),
  IOCTL_STORAGE_MCN_CONTROL: ctlCode(IOCTL_STORAGE_BASE, 0x0251, METHOD_BUFFERED, FILE_ANY_ACCESS),
  IOCTL_CDROM_EXCLUSIVE_ACCESS: ctlCode(
    IOCTL_CDROM_BASE,
    0x0017,
    METHOD_BUFFERED,
    FILE_READ_WRITE_ACCESS,
  ),
  FSCTL_LOCK_VOLUME: ctlCode(FILE_DEVICE_FILE_SYSTEM, 6, METHOD_BUFFERED, FILE_ANY_ACCESS),
  FSCTL_UNLOCK_VOLUME: ctlCode(FILE_DEVICE_FILE_SYSTEM, 7, METHOD_BUFFERED, FILE_ANY_ACCESS),
  FSCTL_DISMOUNT_VOLUME: ctlCode(FILE_DEVICE_FILE_SYSTEM, 8, METHOD_BUFFERED, FILE_ANY_ACCESS),
} as const;

/** SCSI_PASS_THROUGH_DIRECT.DataIn. */
export const ScsiIoctlData = {
  SCSI_IOCTL_DATA_OUT: 0,
  SCSI_IOCTL_DATA_IN: 1,
  SCSI_IOCTL_DATA_UNSPECIFIED: 2,
} as const;

/** Sense bytes requested per command (SenseInfoLength is a UCHAR; 32 covers fixed and descriptor headers). */
export const SPTI_SENSE_LENGTH = 32;

type CType = 'uchar' | 'ushort' | 'ulong' | 'ptr' | 'cdb';

const SPTD_FIELDS = [
  ['Length', 'ushort'],
  ['ScsiStatus', 'uchar'],
  ['PathId', 'uchar'],
  ['TargetId', 'uchar'],
  ['Lun', 'uchar'],
  ['CdbLength', 'uchar'],
  ['SenseInfoLength', 'uchar'],
  ['DataIn', 'uchar'],
  ['DataTransferLength', 'ulong'],
  ['TimeOutValue', 'ulong'],
  ['DataBuffer', 'ptr'],
  ['SenseInfoOffset', 'ulong'],
  ['Cdb', 'cdb'],
] as const satisfies readonly (readonly [string, CType])[];

export type SptdField = (typeof SPTD_FIELDS)[number][0];

export interface SptdLayout {
  readonly pointerBytes: 4 | 8;
  /** sizeof(SCSI_PASS_THROUGH_DIRECT): 56 on x64/arm64, 44 on x86. */
  readonly size: number;
  readonly offsets: Readonly<Record<SptdField, number>>;
  /** Where discwright places the sense buffer: right after the structure. */
  readonly senseOffset: number;
  /** Bytes of the whole buffer handed to DeviceIoControl (structure + sense, padded). */
  readonly totalSize: number;
}

/** The SCSI_PASS_THROUGH_DIRECT layout for an ABI, with a sense buffer of `senseLength` after it. */
export function sptdLayout(pointerBytes: 4 | 8, senseLength = SPTI_SENSE_LENGTH): SptdLayout {
  const offsets = {} as Record<SptdField, number>;
  let at = 0;
  let widest = 1;
  for (const [name, type] of SPTD_FIELDS) {
    const [size, align] =
      type === 'cdb'
        ? [16, 1]
        : type === 'ptr'
          ? [pointerBytes, pointerBytes]
          : type === 'ulong'
            ? [4, 4]
            : type === 'ushort'
              ? [2, 2]
              : [1, 1];
    at = Math.ceil(at / align) * align;
    offsets[name] = at;
    at += size;
    widest = Math.max(widest, align);
  }
  const size = Math.ceil(at / widest) * widest;
  return {
    pointerBytes,
    size,
    offsets: Object.freeze(offsets),
    senseOffset: size,
    totalSize: Math.ceil((size + senseLength) / pointerBytes) * pointerBytes,
  };
}

export interface SptdRequest {
  readonly cdb: Uint8Array;
  readonly dataIn: number;
  readonly dataTransferLength: number;
  /** Seconds. */
  readonly timeOutValue: number;
  readonly dataBuffer: bigint;
  readonly senseInfoLength: number;
}

/** Encode SCSI_PASS_THROUGH_DIRECT + sense buffer. Throws RangeError for values out of range. */
export function encodeSptd(layout: SptdLayout, req: SptdRequest): Uint8Array {
  if (req.cdb.length < 1 || req.cdb.length > 16) throw new RangeError('CdbLength must be 1..16');
  if (req.senseInfoLength > layout.totalSize - layout.senseOffset || req.senseInfoLength > 255) {
    throw new RangeError('SenseInfoLength exceeds the sense buffer');
  }
  const bytes = new Uint8Array(layout.totalSize);
  const v = new DataView(bytes.buffer);
  const o = layout.offsets;
  v.setUint16(o.Length, layout.size, true);
  v.setUint8(o.CdbLength, req.cdb.length);
  v.setUint8(o.SenseInfoLength, req.senseInfoLength);
  v.setUint8(o.DataIn, req.dataIn);
  v.setUint32(o.DataTransferLength, req.dataTransferLength, true);
  v.setUint32(o.TimeOutValue, req.timeOutValue, true);
  if (layout.pointerBytes === 8) v.setBigUint64(o.DataBuffer, req.dataBuffer, true);
  else v.setUint32(o.DataBuffer, Number(BigInt.asUintN(32, req.dataBuffer)), true);
  v.setUint32(o.SenseInfoOffset, layout.senseOffset, true);
  bytes.set(req.cdb, o.Cdb);
  return bytes;
}

export interface SptdReply {
  readonly scsiStatus: number;
  readonly senseInfoLength: number;
  readonly dataTransferLength: number;
  /** The sense bytes the port driver reported (SenseInfoLength of them, clamped). */
  readonly sense: Uint8Array;
}

/** Decode the members the port driver updates. Throws RangeError when `bytes` is too short. */
export function decodeSptdReply(layout: SptdLayout, bytes: Uint8Array): SptdReply {
  if (bytes.length < layout.totalSize) throw new RangeError('SPTD buffer too short');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const o = layout.offsets;
  const senseInfoLength = v.getUint8(o.SenseInfoLength);
  const n = Math.min(senseInfoLength, layout.totalSize - layout.senseOffset);
  return {
    scsiStatus: v.getUint8(o.ScsiStatus),
    senseInfoLength,
    dataTransferLength: v.getUint32(o.DataTransferLength, true),
    sense: bytes.slice(layout.senseOffset, layout.senseOffset + n),
  };
}

/** STORAGE_PROPERTY_ID values used here. */
export const StoragePropertyId = { StorageDeviceProperty: 0, StorageAdapterProperty: 1 } as const;

// STORAGE_PROPERTY_QUERY
// bytes 0..3  PropertyId
// bytes 4..7  QueryType (PropertyStandardQuery = 0)
// bytes 8..11 AdditionalParameters[1] + padding
export function encodeStoragePropertyQuery(propertyId: number): Uint8Array {
  const bytes = new Uint8Array(12);
  new DataView(bytes.buffer).setUint32(0, propertyId, true);
  return bytes;
}

/** STORAGE_BUS_TYPE → discwright bus names. */
export const STORAGE_BUS_TYPES: readonly string[] = [
  'unknown',
  'scsi',
  'atapi',
  'ata',
  '1394',
  'ssa',
  'fibre',
  'usb',
  'raid',
  'iscsi',
  'sas',
  'sata',
  'sd',
  'mmc',
  'virtual',
  'file-backed-virtual',
  'spaces',
  'nvme',
  'scm',
  'ufs',
];

export function busTypeName(value: number): string {
  return STORAGE_BUS_TYPES[value] ?? `bus-${value}`;
}

export interface StorageAdapterDescriptor {
  readonly maximumTransferLength: number;
  readonly maximumPhysicalPages: number;
  readonly alignmentMask: number;
  readonly busType: number;
}

function need(bytes: Uint8Array, n: number, what: string): DataView {
  if (bytes.length < n) throw new MalformedDataError(`${what}: ${bytes.length} bytes, need ${n}`);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
}

// STORAGE_ADAPTER_DESCRIPTOR
// bytes 0..3   Version            bytes 4..7   Size
// bytes 8..11  MaximumTransferLength
// bytes 12..15 MaximumPhysicalPages
// bytes 16..19 AlignmentMask
// bytes 20..23 AdapterUsesPio, AdapterScansDown, CommandQueueing, AcceleratedTransfer
// byte  24     BusType            bytes 26..29 BusMajorVersion, BusMinorVersion
export function decodeStorageAdapterDescriptor(bytes: Uint8Array): StorageAdapterDescriptor {
  const v = need(bytes, 25, 'STORAGE_ADAPTER_DESCRIPTOR');
  return {
    maximumTransferLength: v.getUint32(8, true),
    maximumPhysicalPages: v.getUint32(12, true),
    alignmentMask: v.getUint32(16, true),
    busType: v.getUint8(24),
  };
}

/**
 * Transfer limits from the adapter descriptor, as IMAPI2 derives them: a page-aligned buffer can
 * use every physical page, an unaligned one loses a page to the offset.
 */
export function adapterTransferLimits(
  d: StorageAdapterDescriptor,
  pageSize = 4096,
): { pageAligned: number; nonPageAligned: number; alignment: number } {
  const pages = d.maximumPhysicalPages === 0 ? Infinity : d.maximumPhysicalPages;
  const max = d.maximumTransferLength === 0 ? 65536 : d.maximumTransferLength;
  return {
    pageAligned: Math.min(max, pages * pageSize),
    nonPageAligned: Math.min(max, Math.max(0, pages - 1) * pageSize),
    alignment: d.alignmentMask + 1,
  };
}

export interface StorageDeviceDescriptor {
  readonly deviceType: number;
  readonly removableMedia: boolean;
  readonly vendorId: string;
  readonly productId: string;
  readonly productRevision: string;
  readonly busType: number;
}

function cString(bytes: Uint8Array, offset: number): string {
  if (offset === 0 || offset >= bytes.length) return '';
  let end = offset;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return String.fromCharCode(...bytes.subarray(offset, end)).trim();
}

// STORAGE_DEVICE_DESCRIPTOR
// bytes 0..3   Version            bytes 4..7   Size
// byte  8      DeviceType         byte  9      DeviceTypeModifier
// byte  10     RemovableMedia     byte  11     CommandQueueing
// bytes 12..15 VendorIdOffset     bytes 16..19 ProductIdOffset
// bytes 20..23 ProductRevisionOffset          bytes 24..27 SerialNumberOffset
// bytes 28..31 BusType            bytes 32..35 RawPropertiesLength
// (offsets point at NUL-terminated ASCII inside the descriptor; 0 = absent)
export function decodeStorageDeviceDescriptor(bytes: Uint8Array): StorageDeviceDescriptor {
  const v = need(bytes, 32, 'STORAGE_DEVICE_DESCRIPTOR');
  const size = Math.min(v.getUint32(4, true), bytes.length);
  const body = bytes.subarray(0, Math.max(size, 32));
  return {
    deviceType: v.getUint8(8),
    removableMedia: v.getUint8(10) !== 0,
    vendorId: cString(body, v.getUint32(12, true)),
    productId: cString(body, v.getUint32(16, true)),
    productRevision: cString(body, v.getUint32(20, true)),
    busType: v.getUint32(28, true),
  };
}

/** FILE_DEVICE_CD_ROM, the DeviceType of STORAGE_DEVICE_NUMBER for optical drives. */
export const FILE_DEVICE_CD_ROM = 0x02;

// STORAGE_DEVICE_NUMBER
// bytes 0..3 DeviceType   bytes 4..7 DeviceNumber   bytes 8..11 PartitionNumber
export function decodeStorageDeviceNumber(bytes: Uint8Array): {
  deviceType: number;
  deviceNumber: number;
} {
  const v = need(bytes, 8, 'STORAGE_DEVICE_NUMBER');
  return { deviceType: v.getUint32(0, true), deviceNumber: v.getUint32(4, true) };
}

/** EXCLUSIVE_ACCESS_REQUEST_TYPE. */
export const ExclusiveAccessRequest = {
  ExclusiveAccessQueryState: 0,
  ExclusiveAccessLockDevice: 1,
  ExclusiveAccessUnlockDevice: 2,
} as const;

/** CDROM_EXCLUSIVE_ACCESS.Flags. */
export const CdromLockFlag = {
  CDROM_LOCK_IGNORE_VOLUME: 0x1,
  CDROM_NO_MEDIA_NOTIFICATIONS: 0x2,
} as const;

/** CDROM_EXCLUSIVE_CALLER_LENGTH: caller names are at most 63 characters plus NUL. */
export const CDROM_EXCLUSIVE_CALLER_LENGTH = 64;

// CDROM_EXCLUSIVE_ACCESS (8 bytes)              CDROM_EXCLUSIVE_LOCK (72 bytes)
// bytes 0..3 RequestType                         bytes 0..7  CDROM_EXCLUSIVE_ACCESS
// bytes 4..7 Flags                               bytes 8..71 CallerName (ASCII, NUL-terminated)
export function encodeCdromExclusiveAccess(requestType: number, flags = 0): Uint8Array {
  const bytes = new Uint8Array(8);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, requestType, true);
  v.setUint32(4, flags, true);
  return bytes;
}

export function encodeCdromExclusiveLock(callerName: string, flags = 0): Uint8Array {
  if (!/^[A-Za-z0-9 .,:;_-]{1,63}$/.test(callerName)) {
    throw new RangeError('caller name must be 1..63 characters of [A-Za-z0-9 .,:;_-]');
  }
  const bytes = new Uint8Array(8 + CDROM_EXCLUSIVE_CALLER_LENGTH);
  bytes.set(encodeCdromExclusiveAccess(ExclusiveAccessRequest.ExclusiveAccessLockDevice, flags));
  for (let i = 0; i < callerName.length; i++) bytes[8 + i] = callerName.charCodeAt(i);
  return bytes;
}

/** sizeof(CDROM_EXCLUSIVE_LOCK_STATE): the output a query-state request needs. */
export const CDROM_EXCLUSIVE_LOCK_STATE_LENGTH = 1 + CDROM_EXCLUSIVE_CALLER_LENGTH;

// CDROM_EXCLUSIVE_LOCK_STATE (65 bytes)
// byte 0     LockState (BOOLEAN)
// bytes 1..64 CallerName
export function decodeCdromExclusiveLockState(bytes: Uint8Array): {
  lockState: boolean;
  callerName: string;
} {
  need(bytes, 1, 'CDROM_EXCLUSIVE_LOCK_STATE');
  return {
    lockState: bytes[0] !== 0,
    callerName: cString(bytes.subarray(0, 1 + CDROM_EXCLUSIVE_CALLER_LENGTH), 1),
  };
}
