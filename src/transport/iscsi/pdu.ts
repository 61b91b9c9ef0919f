// The codec of an iSCSI PDU of either direction (RFC 7143 §11): an encoder and a decoder that
// hand each PDU to its direction's codec (pdu-initiator.ts, pdu-target.ts) by type or opcode,
// for the framer, the staging buffer and the connection, which carry both. Framing (digests,
// padding, splitting a byte stream into PDUs) lives in framer.ts. Pure; no I/O.

import { decodeInitiatorBhs, writeInitiatorBhs } from './pdu-initiator.js';
import {
  BHS_LENGTH,
  TARGET_OPCODE_BIT,
  frameOpcode,
  unknownOpcode,
  type PduFrame,
} from './pdu-layout.js';
import { decodeTargetBhs, writeTargetBhs } from './pdu-target.js';
import type { Pdu } from './pdu-types.js';

const EMPTY = new Uint8Array(0);

/** The data segment a PDU carries (empty for header-only PDUs). */
export function pduData(p: Pdu): Uint8Array {
  return 'data' in p ? p.data : EMPTY;
}

/** The 48-byte BHS of `p`; DataSegmentLength is taken from `p.data`. */
export function encodeBhs(p: Pdu): Uint8Array {
  const b = new Uint8Array(BHS_LENGTH);
  writeBhs(p, b, 0);
  return b;
}

/**
 * Writes the 48-byte BHS of `p` into `out` at `at` (all 48 bytes, reserved ones zeroed), so a
 * sender can build several PDUs in one buffer. DataSegmentLength is taken from `p.data`. Throws
 * an invalid-argument error, possibly after writing part of the header, for a field out of range.
 */
export function writeBhs(p: Pdu, out: Uint8Array, at: number): void {
  switch (p.type) {
    // The WRITE path's two PDUs first.
    case 'data-out':
    case 'scsi-command':
    case 'nop-out':
    case 'task-management-request':
    case 'login-request':
    case 'text-request':
    case 'logout-request':
      writeInitiatorBhs(p, out, at);
      return;
    case 'nop-in':
    case 'scsi-response':
    case 'task-management-response':
    case 'login-response':
    case 'text-response':
    case 'data-in':
    case 'logout-response':
    case 'r2t':
    case 'async-message':
    case 'reject':
      writeTargetBhs(p, out, at);
  }
}

/**
 * Decodes one frame of either direction. Throws MalformedDataError for a short BHS, a data
 * segment that does not match DataSegmentLength, or an opcode this codec does not know. LUN,
 * ISID, TSIH and CDB are copies; `data` is the frame's data view itself.
 */
export function decodePdu(frame: PduFrame): Pdu {
  const opcode = frameOpcode(frame);
  const p =
    (opcode & TARGET_OPCODE_BIT) !== 0
      ? decodeTargetBhs(opcode, frame.bhs, frame.data)
      : decodeInitiatorBhs(opcode, frame.bhs, frame.data);
  if (p === undefined) throw unknownOpcode(opcode);
  return p;
}
