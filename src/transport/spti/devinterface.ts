// Device interfaces of CD-ROM class devices (devguid.h / ntddstor.h, cfgmgr32.h): the interface
// class GUID in its in-memory form and the REG_MULTI_SZ-style list of interface paths that
// CM_Get_Device_Interface_ListW returns. Pure, so it is tested on any OS.

import { MalformedDataError } from '../../errors.js';

/** GUID_DEVINTERFACE_CDROM: the interface the CD-ROM class driver registers for each drive. */
export const GUID_DEVINTERFACE_CDROM = '53f56308-b6bf-11d0-94f2-00a0c91efb8b';

// GUID (16 bytes)
// bytes 0..3  Data1 (little-endian)   bytes 4..5 Data2 (LE)   bytes 6..7 Data3 (LE)
// bytes 8..15 Data4 (in text order)
export function encodeGuid(text: string): Uint8Array {
  const m = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i.exec(
    text,
  );
  if (m === null) throw new RangeError(`'${text}' is not a GUID`);
  const bytes = new Uint8Array(16);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, parseInt(m[1]!, 16), true);
  v.setUint16(4, parseInt(m[2]!, 16), true);
  v.setUint16(6, parseInt(m[3]!, 16), true);
  const tail = m[4]! + m[5]!;
  for (let i = 0; i < 8; i++) bytes[8 + i] = parseInt(tail.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * The strings of a UTF-16LE multi-string: each NUL-terminated, the list ended by an empty one.
 * A list without its final NUL is malformed; an odd trailing byte is ignored.
 */
export function decodeMultiSz(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length & ~1).toString('utf16le');
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\0', at);
    if (end < 0) {
      if (at === text.length && out.length === 0) return out;
      throw new MalformedDataError('device interface list: a string without its terminating NUL');
    }
    if (end === at) return out;
    out.push(text.slice(at, end));
    at = end + 1;
  }
}
