// The native memory of the SG_IO transport's commands (spec §4.7; docs/local-drives.md, "Memory
// that reaches the kernel"): the one place where the addresses handed to the kernel are taken.

import type { NativeBuffer, NativeDataBuffer } from '../native-memory.js';
import type { Libc } from './libc.js';
import { SG_MAX_CDB_LENGTH, SG_MAX_SENSE_LENGTH, type SgIoHdrLayout } from './sg-io-hdr.js';

/** Offsets in the control block: sg_io_hdr, then the CDB, then the sense buffer. */
export const CDB_OFFSET = 128;
export const SENSE_OFFSET = CDB_OFFSET + SG_MAX_CDB_LENGTH;
const CONTROL_BYTES = SENSE_OFFSET + SG_MAX_SENSE_LENGTH;

/**
 * The native memory of one SG_IO: a control block (sg_io_hdr + CDB + sense) and a data buffer,
 * allocated once per transport and reused, since the command gate lets one ioctl run at a time
 * (after an abort the next command still waits for the running ioctl). This is the one place
 * where addresses for the kernel are taken. They must point outside V8's heap: the ioctl runs on
 * a worker thread while JavaScript goes on, and V8 may collect and reuse a Uint8Array that the
 * awaiting function no longer uses — the kernel then reads garbage as a CDB (any command) or as
 * data to burn, or writes data-in and sense into memory that now belongs to something else.
 * Freed only at close(), after the gate drained.
 */
export class SgioCommandMemory {
  readonly control: NativeBuffer;
  readonly data: NativeDataBuffer;

  constructor(libc: Libc, layout: SgIoHdrLayout) {
    if (layout.size > CDB_OFFSET) throw new Error('sg_io_hdr larger than its slot');
    this.control = libc.allocate(CONTROL_BYTES, 16);
    this.data = libc.dataBuffer(4096);
  }

  free(): void {
    this.control.free();
    this.data.free();
  }
}
