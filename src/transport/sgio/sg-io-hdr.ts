// The Linux SCSI generic v3 interface: struct sg_io_hdr (include/scsi/sg.h), the SG_IO and
// SG_GET_VERSION_NUM ioctls and their constants. Pure: the struct is laid out here with the C
// alignment rules of the running ABI (64-bit or 32-bit pointers, host byte order), so the native
// side only passes a byte buffer to ioctl(2).

/** ioctl request numbers (include/scsi/sg.h). */
export const SgIoctl = {
  /** Issue one command and wait for it (sg_io_hdr v3). */
  SG_IO: 0x2285,
  /** Yields the sg driver version as an int (e.g. 30536); block nodes answer it too. */
  SG_GET_VERSION_NUM: 0x2282,
} as const;

/** sg_io_hdr.interface_id: 'S' for SCSI generic v3. */
export const SG_INTERFACE_ID_ORIG = 0x53;

/** sg_io_hdr.dxfer_direction. */
export const SgDxfer = {
  SG_DXFER_NONE: -1,
  SG_DXFER_TO_DEV: -2,
  SG_DXFER_FROM_DEV: -3,
  SG_DXFER_TO_FROM_DEV: -4,
  SG_DXFER_UNKNOWN: -5,
} as const;

/** sg_io_hdr.flags. discwright uses the default (indirect I/O through kernel buffers). */
export const SgFlag = {
  SG_FLAG_DIRECT_IO: 0x1,
  SG_FLAG_LUN_INHIBIT: 0x2,
  SG_FLAG_NO_DXFER: 0x10000,
} as const;

/** sg_io_hdr.info. */
export const SgInfo = {
  SG_INFO_OK_MASK: 0x1,
  SG_INFO_OK: 0x0,
  SG_INFO_CHECK: 0x1,
  SG_INFO_DIRECT_IO_MASK: 0x6,
  SG_INFO_INDIRECT_IO: 0x0,
  SG_INFO_DIRECT_IO: 0x2,
  SG_INFO_MIXED_IO: 0x4,
} as const;

/** Largest sense buffer discwright offers (mx_sb_len is an unsigned char; SPC-4 caps sense at 252). */
export const SG_MAX_SENSE_LENGTH = 252;

/** Largest CDB SG_IO accepts through the block layer (BLK_MAX_CDB). */
export const SG_MAX_CDB_LENGTH = 16;

type CType = 'int' | 'uint' | 'uchar' | 'ushort' | 'ptr';

/** The members of struct sg_io_hdr in declaration order. */
const FIELDS = [
  ['interface_id', 'int'],
  ['dxfer_direction', 'int'],
  ['cmd_len', 'uchar'],
  ['mx_sb_len', 'uchar'],
  ['iovec_count', 'ushort'],
  ['dxfer_len', 'uint'],
  ['dxferp', 'ptr'],
  ['cmdp', 'ptr'],
  ['sbp', 'ptr'],
  ['timeout', 'uint'],
  ['flags', 'uint'],
  ['pack_id', 'int'],
  ['usr_ptr', 'ptr'],
  ['status', 'uchar'],
  ['masked_status', 'uchar'],
  ['msg_status', 'uchar'],
  ['sb_len_wr', 'uchar'],
  ['host_status', 'ushort'],
  ['driver_status', 'ushort'],
  ['resid', 'int'],
  ['duration', 'uint'],
  ['info', 'uint'],
] as const satisfies readonly (readonly [string, CType])[];

export type SgIoHdrField = (typeof FIELDS)[number][0];

export interface SgIoHdrLayout {
  /** sizeof(void *) of the ABI: 8 on x86-64/arm64/ppc64/s390x/riscv64, 4 on i386/arm. */
  readonly pointerBytes: 4 | 8;
  readonly littleEndian: boolean;
  /** sizeof(struct sg_io_hdr): 88 on 64-bit ABIs, 64 on 32-bit ones. */
  readonly size: number;
  readonly offsets: Readonly<Record<SgIoHdrField, number>>;
}

function sizeOf(t: CType, pointerBytes: number): number {
  switch (t) {
    case 'int':
    case 'uint':
      return 4;
    case 'uchar':
      return 1;
    case 'ushort':
      return 2;
    case 'ptr':
      return pointerBytes;
  }
}

/**
 * The layout of struct sg_io_hdr for an ABI: every member at the next multiple of its own size
 * (natural alignment, which is what every Linux ABI uses for these scalar types) and the whole
 * struct padded to its widest member.
 */
export function sgIoHdrLayout(pointerBytes: 4 | 8, littleEndian = true): SgIoHdrLayout {
  const offsets = {} as Record<SgIoHdrField, number>;
  let at = 0;
  let widest = 1;
  for (const [name, type] of FIELDS) {
    const n = sizeOf(type, pointerBytes);
    at = Math.ceil(at / n) * n;
    offsets[name] = at;
    at += n;
    widest = Math.max(widest, n);
  }
  return {
    pointerBytes,
    littleEndian,
    size: Math.ceil(at / widest) * widest,
    offsets: Object.freeze(offsets),
  };
}

/** What the caller fills in ([i] members of sg_io_hdr). Pointers are addresses. */
export interface SgIoRequest {
  readonly dxferDirection: number;
  readonly cmdLen: number;
  readonly mxSbLen: number;
  readonly iovecCount?: number;
  readonly dxferLen: number;
  readonly dxferp: bigint;
  readonly cmdp: bigint;
  readonly sbp: bigint;
  /** Milliseconds; 0xFFFFFFFF means no timeout. */
  readonly timeout: number;
  readonly flags?: number;
  readonly packId?: number;
  readonly usrPtr?: bigint;
}

/** What the driver fills in ([o] members). */
export interface SgIoReply {
  readonly status: number;
  readonly maskedStatus: number;
  readonly msgStatus: number;
  readonly sbLenWr: number;
  readonly hostStatus: number;
  readonly driverStatus: number;
  readonly resid: number;
  readonly duration: number;
  readonly info: number;
}

export type SgIoHdr = Required<SgIoRequest> & SgIoReply & { readonly interfaceId: number };

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`sg_io_hdr.${name} = ${value} is outside ${min}..${max}`);
  }
}

/**
 * Encode the request members of an sg_io_hdr (output members zero). Throws RangeError for a value
 * the C type cannot hold: callers validate user input before this point, so that is a bug.
 */
export function encodeSgIoHdr(layout: SgIoHdrLayout, req: SgIoRequest): Uint8Array {
  const bytes = new Uint8Array(layout.size);
  const v = new DataView(bytes.buffer);
  const o = layout.offsets;
  const le = layout.littleEndian;
  const ptr = (name: SgIoHdrField, value: bigint) => {
    const max = layout.pointerBytes === 8 ? 0xffffffffffffffffn : 0xffffffffn;
    if (value < 0n || value > max) throw new RangeError(`sg_io_hdr.${name} is not an address`);
    if (layout.pointerBytes === 8) v.setBigUint64(o[name], value, le);
    else v.setUint32(o[name], Number(value), le);
  };
  checkRange('dxfer_direction', req.dxferDirection, -5, -1);
  checkRange('cmd_len', req.cmdLen, 1, 255);
  checkRange('mx_sb_len', req.mxSbLen, 0, 255);
  checkRange('iovec_count', req.iovecCount ?? 0, 0, 0xffff);
  checkRange('dxfer_len', req.dxferLen, 0, 0xffffffff);
  checkRange('timeout', req.timeout, 0, 0xffffffff);
  checkRange('flags', req.flags ?? 0, 0, 0xffffffff);
  checkRange('pack_id', req.packId ?? 0, -0x80000000, 0x7fffffff);
  v.setInt32(o.interface_id, SG_INTERFACE_ID_ORIG, le);
  v.setInt32(o.dxfer_direction, req.dxferDirection, le);
  v.setUint8(o.cmd_len, req.cmdLen);
  v.setUint8(o.mx_sb_len, req.mxSbLen);
  v.setUint16(o.iovec_count, req.iovecCount ?? 0, le);
  v.setUint32(o.dxfer_len, req.dxferLen, le);
  ptr('dxferp', req.dxferp);
  ptr('cmdp', req.cmdp);
  ptr('sbp', req.sbp);
  v.setUint32(o.timeout, req.timeout, le);
  v.setUint32(o.flags, req.flags ?? 0, le);
  v.setInt32(o.pack_id, req.packId ?? 0, le);
  ptr('usr_ptr', req.usrPtr ?? 0n);
  return bytes;
}

/** Decode a whole sg_io_hdr (both directions). Throws RangeError when `bytes` is too short. */
export function decodeSgIoHdr(layout: SgIoHdrLayout, bytes: Uint8Array): SgIoHdr {
  if (bytes.length < layout.size) {
    throw new RangeError(`sg_io_hdr needs ${layout.size} bytes, got ${bytes.length}`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, layout.size);
  const o = layout.offsets;
  const le = layout.littleEndian;
  const ptr = (name: SgIoHdrField) =>
    layout.pointerBytes === 8 ? v.getBigUint64(o[name], le) : BigInt(v.getUint32(o[name], le));
  return {
    interfaceId: v.getInt32(o.interface_id, le),
    dxferDirection: v.getInt32(o.dxfer_direction, le),
    cmdLen: v.getUint8(o.cmd_len),
    mxSbLen: v.getUint8(o.mx_sb_len),
    iovecCount: v.getUint16(o.iovec_count, le),
    dxferLen: v.getUint32(o.dxfer_len, le),
    dxferp: ptr('dxferp'),
    cmdp: ptr('cmdp'),
    sbp: ptr('sbp'),
    timeout: v.getUint32(o.timeout, le),
    flags: v.getUint32(o.flags, le),
    packId: v.getInt32(o.pack_id, le),
    usrPtr: ptr('usr_ptr'),
    status: v.getUint8(o.status),
    maskedStatus: v.getUint8(o.masked_status),
    msgStatus: v.getUint8(o.msg_status),
    sbLenWr: v.getUint8(o.sb_len_wr),
    hostStatus: v.getUint16(o.host_status, le),
    driverStatus: v.getUint16(o.driver_status, le),
    resid: v.getInt32(o.resid, le),
    duration: v.getUint32(o.duration, le),
    info: v.getUint32(o.info, le),
  };
}

/** The sg_io_hdr.dxfer_direction for a command's data phase. */
export function sgDxferDirection(direction: 'none' | 'in' | 'out', length: number): number {
  if (length === 0 || direction === 'none') return SgDxfer.SG_DXFER_NONE;
  return direction === 'in' ? SgDxfer.SG_DXFER_FROM_DEV : SgDxfer.SG_DXFER_TO_DEV;
}
