// Local drives on Windows through SCSI pass-through (SPTI via koffi and kernel32): the transport,
// drive enumeration, and the pure pieces (structure layouts, IOCTL codes, Win32 error mapping).
// Untested on hardware until someone runs the hardware suite on Windows.

export { openSptiTransport } from './transport.js';
export { listWindowsRecorders, type WindowsRecorderInfo } from './discovery.js';
export { parseWindowsDriveAddress, type WindowsDriveAddress } from './address.js';
export { win32Error, Win32Error } from './status.js';
