// Layer Boundary Information, READ / SEND DISC STRUCTURE format 20h on DVD+R DL (MMC-6 6.23.3.2.21
// and 6.34.2.6). Pure codec: the 8-byte payloads after the 4-byte structure header. A host (e.g.
// growisofs -dvd-compat) reads where layer 0's data zone ends and, while the drive still allows
// it, sends a smaller layer 0 capacity so that a short recording spreads over both layers.

import { ByteReader, ByteWriter } from '../bytes.js';

/** Bytes after the 4-byte header, in either direction. */
export const LAYER_BOUNDARY_LENGTH = 8;

export interface LayerBoundaryInformation {
  /** InitStatus: the layer 0 data zone capacity is fixed and can no longer be set. */
  readonly initStatus: boolean;
  /** L0 DATA ZONE CAPACITY in blocks. */
  readonly l0DataZoneCapacity: number;
}

// byte 0      bit 7 InitStatus
// bytes 1..3  reserved
// bytes 4..7  L0 DATA ZONE CAPACITY
export function encodeLayerBoundaryInformation(v: LayerBoundaryInformation): Uint8Array {
  const w = new ByteWriter(LAYER_BOUNDARY_LENGTH);
  w.flag(0, 7, v.initStatus); // InitStatus
  w.u32(4, v.l0DataZoneCapacity, 'L0 DATA ZONE CAPACITY');
  return w.bytes;
}

export function decodeLayerBoundaryInformation(payload: Uint8Array): LayerBoundaryInformation {
  const r = new ByteReader(payload);
  r.need(0, LAYER_BOUNDARY_LENGTH, 'layer boundary information');
  return {
    initStatus: r.bit(0, 7),
    l0DataZoneCapacity: r.u32(4),
  };
}

// SEND DISC STRUCTURE 20h:
// bytes 0..3  reserved
// bytes 4..7  L0 DATA ZONE CAPACITY
export function encodeLayerBoundarySend(l0DataZoneCapacity: number): Uint8Array {
  return new ByteWriter(LAYER_BOUNDARY_LENGTH).u32(4, l0DataZoneCapacity, 'L0 DATA ZONE CAPACITY')
    .bytes;
}

export function decodeLayerBoundarySend(payload: Uint8Array): number {
  const r = new ByteReader(payload);
  r.need(0, LAYER_BOUNDARY_LENGTH, 'layer boundary recording information');
  return r.u32(4);
}
