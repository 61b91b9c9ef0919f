// Drives whose MMC model is known to differ from a real recorder's, recognised from INQUIRY, with
// the conformance caps that describe them. The suite keeps every check strict for any drive not
// listed here. Today: Debian tgt's emulated DVD+R (../shared/notes/tgt-mmc.md), which the
// tgt-over-iSCSI run uses directly and the hardware suite meets behind the Linux kernel's iSCSI
// initiator (/dev/sgN in a guest).

import type { ConformanceCaps } from './transport-suite.js';

/** What tgt's loose DVD+R model cannot show; each switched-off check is proven on the virtual drive. */
export const TGT_DVD_R_CAPS = {
  media: 'dvd+r',
  nwaEnforcement: false,
  gesn: false,
  // tgt refuses READ until the track is closed.
  readBeforeClose: false,
  ejectLoad: false,
  // tgt's DVD+R keeps NWA 0, Blank = 1 and constant free blocks however much is written, and
  // accepts WRITEs at any LBA, past the end included.
  staticTrackInfo: true,
  capacityEnforcement: false,
  // RESERVE TRACK answers 05/20/00 INVALID COMMAND OPERATION CODE.
  reserveTrack: false,
  // tgt lists Real Time Streaming as current only while its disc is a DVD-ROM.
  realTimeStreaming: 'not-current',
} as const satisfies ConformanceCaps;

export interface KnownDrive {
  readonly name: string;
  readonly caps: Partial<ConformanceCaps>;
}

/**
 * The known model behind an INQUIRY identity, or undefined for any other drive (strict checks).
 * tgt answers vendor IET, product VIRTUAL-CDROM unless its LUN was given other names; the test
 * recipes (test/helpers/tgt.ts, ../shared/tools/tgt-dvdr.sh) name it TGTTEST / DVDR-EMU.
 */
export function knownDrive(vendor: string, product: string): KnownDrive | undefined {
  const v = vendor.trim();
  const p = product.trim();
  if ((v === 'IET' && p === 'VIRTUAL-CDROM') || (v === 'TGTTEST' && p === 'DVDR-EMU')) {
    return { name: `tgt (${v} ${p})`, caps: TGT_DVD_R_CAPS };
  }
  return undefined;
}
