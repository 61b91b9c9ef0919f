// Local drives on Linux through the SCSI generic interface (SG_IO via koffi): the transport,
// discovery from sysfs and /dev, and the pure pieces (sg_io_hdr layout, status and errno mapping).

import type { LocalRecorderInfo, ListOptions } from './discovery.js';
import { listLocalRecordersFrom } from './discovery.js';

export { openSgioTransport, type SgioOptions } from './transport.js';
export type { LocalRecorderInfo, NodeProblem, ListOptions } from './discovery.js';
export type { MediaInfo } from './udev-media.js';
export { permissionHint, errnoError, UDEV_RULE } from './errno.js';

/** The optical drives of this Linux machine (empty elsewhere), with what could not be opened. */
export async function listLocalRecorders(options: ListOptions = {}): Promise<LocalRecorderInfo[]> {
  if (process.platform !== 'linux') return [];
  return listLocalRecordersFrom(options);
}
