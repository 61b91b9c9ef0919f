// IDiscRecorder2Ex's structure members (spec §4.3): READ/SEND DISC STRUCTURE, READ DISC
// INFORMATION and READ TRACK INFORMATION as raw replies, each read header first and then whole;
// and the adapter and device descriptors, platform-neutral objects instead of Windows structures.

import { DwError, HR, invalidArgument } from '../errors.js';
import { MAX_INT32, MIN_INT32 } from '../scsi/bytes.js';
import type { InquiryData } from '../scsi/spc/inquiry.js';
import type { TransportLimits } from '../transport/transport.js';
import { checkInt } from './arguments.js';
import type { CommandRunner } from './command-runner.js';
import * as cmd from './commands.js';
import { ReadTrackAddressType, type AdapterDescriptor, type DeviceDescriptor } from './types.js';

/** Most bytes a reply with a 16-bit length field (counting from byte 2) can have. */
const REPLY_MAX = 0xfffe;

/** IDiscRecorder2Ex::ReadDvdStructure: READ DISC STRUCTURE (media type 0), header removed. */
export async function readDvdStructure(
  runner: CommandRunner,
  format: number,
  address: number,
  layer: number,
  agid: number,
): Promise<Uint8Array> {
  checkInt(format, 0, 0xffffffff, 'format');
  checkInt(address, 0, 0xffffffff, 'address');
  checkInt(layer, 0, 0xff, 'layer');
  checkInt(agid, 0, 3, 'agid');
  const reply = await runner.readFull(
    (allocationLength) =>
      cmd.readDiscStructure({
        mediaType: 0,
        address,
        layerNumber: layer,
        formatCode: format & 0xff,
        agid,
        allocationLength,
      }),
    4,
    (r) => r.u16(0) + 2, // DISC STRUCTURE DATA LENGTH
    REPLY_MAX,
  );
  return reply.slice(Math.min(4, reply.length));
}

/** IDiscRecorder2Ex::SendDvdStructure: SEND DISC STRUCTURE with the 4-byte header prepended. */
export async function sendDvdStructure(
  runner: CommandRunner,
  format: number,
  data: Uint8Array,
): Promise<void> {
  checkInt(format, 0, 0xffffffff, 'format');
  if (data === null || data === undefined)
    throw new DwError(HR.E_POINTER, { message: 'data is required' });
  if (!(data instanceof Uint8Array) || data.length === 0 || data.length > 0xfffb) {
    throw invalidArgument('data must be 1..65531 bytes');
  }
  await runner.run(cmd.sendDiscStructure({ formatCode: format & 0xff, payload: data }));
}

/** IDiscRecorder2Ex::GetDiscInformation: the raw READ DISC INFORMATION reply, all of it. */
export function getDiscInformation(runner: CommandRunner): Promise<Uint8Array> {
  return runner.readFull(
    (allocationLength) => cmd.readDiscInformation({ allocationLength }),
    2,
    (r) => r.u16(0) + 2, // DISC INFORMATION LENGTH
    REPLY_MAX,
  );
}

/** IDiscRecorder2Ex::GetTrackInformation: the raw READ TRACK INFORMATION reply. */
export function getTrackInformation(
  runner: CommandRunner,
  address: number,
  type: ReadTrackAddressType,
): Promise<Uint8Array> {
  checkInt(type, 0, 2, 'type');
  if (type === ReadTrackAddressType.LBA) checkInt(address, MIN_INT32, MAX_INT32, 'address');
  else checkInt(address, 0, 0xffffffff, 'address');
  return runner.readFull(
    (allocationLength) =>
      cmd.readTrackInformation({ addressNumberType: type, address, allocationLength }),
    2,
    (r) => r.u16(0) + 2, // DATA LENGTH
    REPLY_MAX,
  );
}

/** IDiscRecorder2Ex::GetAdapterDescriptor: from the transport's limits. */
export function adapterDescriptor(l: TransportLimits): AdapterDescriptor {
  return {
    busType: l.busType,
    maximumTransferLength: l.maxPageAlignedTransferBytes,
    maximumNonPageAlignedTransferLength: l.maxNonPageAlignedTransferBytes,
    alignment: l.alignment,
  };
}

/** IDiscRecorder2Ex::GetDeviceDescriptor: from the bus type and the INQUIRY data. */
export function deviceDescriptor(l: TransportLimits, i: InquiryData): DeviceDescriptor {
  return {
    busType: l.busType,
    vendorId: i.vendorIdentification,
    productId: i.productIdentification,
    productRevision: i.productRevisionLevel,
    removableMedia: i.rmb,
    deviceType: i.peripheralDeviceType,
  };
}
