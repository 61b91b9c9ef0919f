// One segment of the image-backed drive's write-back cache (file-store.ts, docs/virtual-drive.md,
// "Persistence"): the shape FileStore keeps per run of cached bytes, in its own module so the
// store stays within the size limit of a source file.

/** A run of consecutive image bytes held in the cache. */
export interface Segment {
  readonly buf: Uint8Array;
  /** Byte offset of buf in the shared cache. */
  readonly offset: number;
  /** Image offset of buf[0]. */
  pos: number;
  /** Bytes held. */
  len: number;
  /** Bytes [0, queued) are handed to the writer thread (or already in the file). */
  queued: number;
  /** Sequence number (1, 2, …) of the last job that covers this segment. */
  job: number;
  /** No more appends: the segment is full or the next write was not contiguous. */
  sealed: boolean;
}
