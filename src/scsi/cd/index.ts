// CD main-channel and subchannel codecs (ECMA-130): data sectors with EDC/ECC, Q/P subchannel,
// raw P-W packing. Pure.
export * from './edc-ecc.js';
export * from './sector.js';
export * from './subchannel.js';
export * from './cd-text.js';
export * from './pq16.js';
