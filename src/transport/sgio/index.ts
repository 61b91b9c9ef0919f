// Local drives on Linux through the SCSI generic interface (SG_IO via koffi): the transport,
// discovery from sysfs and /dev, and the pure pieces (sg_io_hdr layout, status and errno mapping).

import type { LocalRecorderInfo, ListOptions } from './sysfs.js';
import { listLocalRecordersFrom } from './sysfs.js';

export { openSgioTransport, type SgioOptions } from './transport.js';
export type { LocalRecorderInfo, MediaInfo, NodeProblem, ListOptions } from './sysfs.js';
export { permissionHint, errnoError, UDEV_RULE } from './errno.js';

/** The optical drives of this Linux machine (empty elsewhere), with what could not be opened. */
export async function listLocalRecorders(options: ListOptions = {}): Promise<LocalRecorderInfo[]> {
  if (process.platform !== 'linux') return [];
  return listLocalRecordersFrom(options);
}
