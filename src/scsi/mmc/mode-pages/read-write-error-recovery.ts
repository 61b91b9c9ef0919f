// Read/Write Error Recovery Parameters mode page, 01h (MMC-6 clause 7; SBC-3 for the shared
// layout). Pure codec: page bytes (header included) to fields and back.

import { MalformedDataError } from '../../../errors.js';
import { ModePageType, newModePage, openModePage } from '../../spc/mode-pages.js';

export interface ReadWriteErrorRecoveryPage {
  /** PS: the drive can save the page. */
  readonly ps: boolean;
  /** AWRE: automatic write reallocation enabled. */
  readonly awre: boolean;
  /** ARRE: automatic read reallocation enabled. */
  readonly arre: boolean;
  /** TB: transfer the block that could not be recovered. */
  readonly tb: boolean;
  /** RC: read continuous (no delay for recovery). */
  readonly rc: boolean;
  /** PER: post (report) recovered errors. */
  readonly per: boolean;
  /** DTE: disable transfer on error. */
  readonly dte: boolean;
  /** DCR: disable correction. */
  readonly dcr: boolean;
  readonly readRetryCount: number;
  /** EMCDR: enhanced media certification and defect reporting, 0..3. */
  readonly emcdr: number;
  /** Write Retry Count; absent in the 8-byte page of older drives (PAGE LENGTH 06h). */
  readonly writeRetryCount?: number;
  /**
   * Recovery Time Limit in ms, bytes 10..11; absent in the 8-byte page. MMC-5 and later widen
   * bytes 9..11 into an Error Reporting Window Size: byte 9 is not decoded and encodes as 0.
   */
  readonly recoveryTimeLimit?: number;
}

export type ReadWriteErrorRecoveryPageInit = Partial<ReadWriteErrorRecoveryPage>;

const SHORT_PAGE_LENGTH = 0x06;
const PAGE_LENGTH = 0x0a;

export function decodeReadWriteErrorRecoveryPage(bytes: Uint8Array): ReadWriteErrorRecoveryPage {
  const { r, ps, end } = openModePage(
    bytes,
    ModePageType.READ_WRITE_ERROR_RECOVERY,
    'Read/Write Error Recovery',
  );
  if (end < 2 + SHORT_PAGE_LENGTH) {
    throw new MalformedDataError(`Read/Write Error Recovery page of ${end} bytes is too short`);
  }
  return {
    ps,
    awre: r.bit(2, 7),
    arre: r.bit(2, 6),
    tb: r.bit(2, 5),
    rc: r.bit(2, 4),
    per: r.bit(2, 2),
    dte: r.bit(2, 1),
    dcr: r.bit(2, 0),
    readRetryCount: r.u8(3),
    emcdr: r.bits(7, 0, 0x03),
    ...(end >= 9 ? { writeRetryCount: r.u8(8) } : {}),
    ...(end >= 12 ? { recoveryTimeLimit: r.u16(10) } : {}),
  };
}

// byte 0       bit 7 PS, bit 6 SPF (0), bits 5..0 PAGE CODE (01h)
// byte 1       PAGE LENGTH (0Ah; 06h when neither write retry nor time limit is given)
// byte 2       bit 7 AWRE, bit 6 ARRE, bit 5 TB, bit 4 RC, bit 2 PER, bit 1 DTE, bit 0 DCR
// byte 3       Read Retry Count
// bytes 4..6   Reserved
// byte 7       bits 1..0 EMCDR
// byte 8       Write Retry Count
// byte 9       Reserved
// bytes 10..11 Recovery Time Limit (ms)
export function encodeReadWriteErrorRecoveryPage(v: ReadWriteErrorRecoveryPageInit): Uint8Array {
  const long = v.writeRetryCount !== undefined || v.recoveryTimeLimit !== undefined;
  const w = newModePage(
    ModePageType.READ_WRITE_ERROR_RECOVERY,
    long ? PAGE_LENGTH : SHORT_PAGE_LENGTH,
    v.ps,
  );
  w.flag(2, 7, v.awre); // AWRE
  w.flag(2, 6, v.arre); // ARRE
  w.flag(2, 5, v.tb); // TB
  w.flag(2, 4, v.rc); // RC
  w.flag(2, 2, v.per); // PER
  w.flag(2, 1, v.dte); // DTE
  w.flag(2, 0, v.dcr); // DCR
  w.u8(3, v.readRetryCount ?? 0, 'Read Retry Count');
  w.bits(7, 0, 0x03, v.emcdr ?? 0, 'EMCDR');
  if (long) {
    w.u8(8, v.writeRetryCount ?? 0, 'Write Retry Count');
    w.u16(10, v.recoveryTimeLimit ?? 0, 'Recovery Time Limit');
  }
  return w.bytes;
}
