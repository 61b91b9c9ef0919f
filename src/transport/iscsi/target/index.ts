// The discwright iSCSI target (RFC 7143 target side), serving Transports as LUNs; `discwright
// serve` runs it over virtual drives. docs/iscsi.md, "Target".

export { IscsiTarget } from './target.js';
export type { IscsiTargetOptions, ConnectionEvent, TargetChap, ChapSecret } from './target.js';
export { MAX_TRANSFER_BYTES } from './target-connection.js';
