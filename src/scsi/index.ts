// discwright/scsi: the pure SCSI/MMC codec layer (layer 1). No Node APIs, no I/O.

export * from './bytes.js';
export * from './command.js';
export * from './opcodes.js';
export * from './block/write-10.js';
export * from './block/write-12.js';
