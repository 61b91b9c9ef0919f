// The section's reader (spec §2.4.3): fills free slots of the pool from the source, in the
// chunk sequence of §2.4.2, and queues them for the writer; a source that ends early is E_FAIL,
// one that fails is its error (§2.4.4). On the WRITE path's hot side: it batches adjacent slots
// into one source read (BENCHMARKS.md, "File-backed: the reader's round trip").

import { DwError, HR } from '../errors.js';
import type { Progress } from './event-args.js';
import { cancelledError, type AbortFlag, type SlotQueue } from './pipeline.js';
import { sourceError } from './sources.js';
import type { Section } from './validation.js';

/**
 * Most bytes one source read fills: up to 32 adjacent 64 KiB slots, because every read has a
 * fixed cost beyond its copy and fewer, larger reads keep the reader ahead of a fast drive
 * (BENCHMARKS.md, "File-backed: the reader's round trip").
 */
const MAX_READ_BYTES = 2 * 1024 * 1024;

/**
 * The reader fills one or more adjacent free slots per source read (beyond spec §2.4.3, which
 * reads one slot at a time; docs/decisions.md "Performance"): when the free queue hands out
 * slots i, i+1, … that are contiguous in the pool, up to 2 MiB of them are filled with one
 * `source.fill()`, never past the section's remaining blocks. Each slot is then accounted and
 * queued on its own, exactly as a one-slot read would, so the chunk sequence is unchanged.
 * When the source outruns the drive the pool stays full and the writer frees one slot at a
 * time; the reader then waits until a whole batch (2 MiB, at most a quarter of the pool) is
 * free before it reads again, instead of reading 64 KiB per freed slot.
 */
export async function reader(
  s: Section,
  progress: Progress,
  free: SlotQueue,
  filled: SlotQueue,
  abort: AbortFlag,
): Promise<void> {
  const B = s.geometry.blocksPerChunk;
  const bps = s.bytesPerSector;
  const slotSize = s.geometry.slotSize;
  const slotCount = s.pool.slots.length;
  const maxSlots = s.pool.contiguous
    ? Math.max(1, Math.min(Math.floor(MAX_READ_BYTES / slotSize), Math.floor(slotCount / 4)))
    : 1;
  let remaining = s.blocks;
  let lba = s.start;
  while (remaining > 0) {
    const first = free.tryTake() ?? (await free.take());
    if (first === undefined) throw cancelledError('reading stopped: the write was cancelled');
    // Slots come back in pool order, so the next ones queued are first+1, first+2, … up to the
    // end of the pool; a batch never wraps.
    const batch = Math.min(maxSlots, slotCount - first, Math.ceil(remaining / B));
    if (batch > 1 && !(await free.waitForLength(batch - 1))) {
      free.put(first); // not read: back where it came from (the section is ending anyway)
      throw cancelledError('reading stopped: the write was cancelled');
    }
    let count = 1;
    let blocks = Math.min(remaining, B);
    while (count < maxSlots && blocks < remaining && free.takeIf(first + count)) {
      blocks += Math.min(remaining - blocks, B);
      count++;
    }
    const want = blocks * bps;
    // One way of making the view for every read of a contiguous pool, so no path first taken
    // mid-write deoptimises the reader (docs/benchmarks-history.md, "File-backed: zero-copy
    // hand-off").
    const dst = s.pool.contiguous
      ? s.pool.span(first, want)
      : (s.pool.slots[first] as Uint8Array).subarray(0, want);
    const got = await fillOrAbandon(s, dst, abort, lba);
    for (let k = 0; k < count; k++) {
      const n = Math.min(remaining, B);
      const have = got - k * slotSize;
      if (have < n * bps) {
        const expected = s.blocks * bps;
        const read = (s.blocks - remaining) * bps + Math.max(0, have);
        throw new DwError(HR.E_FAIL, {
          message: `the source ended after ${read} bytes; the section needs ${expected} (${s.blocks} blocks × ${bps})`,
          lba,
          blocks: n,
        });
      }
      lba += n;
      remaining -= n;
      progress.read(n);
      filled.put(first + k);
    }
  }
}

/**
 * One source read that an abort does not wait for (beyond spec §2.4.3, which lets a read in
 * flight finish; docs/decisions.md, "Source failures and a cancel while a source read is
 * pending"): a source that never delivers would otherwise keep the section, and the cancel,
 * pending for good. The read is
 * abandoned, not stopped: its later result is dropped, and since a FileHandle's or a
 * BlockReader's read may still write into the slots, the pool is retired. A read that already
 * failed or came back before the abort is reported as it is.
 */
async function fillOrAbandon(
  s: Section,
  dst: Uint8Array,
  abort: AbortFlag,
  lba: number,
): Promise<number> {
  if (abort.raised) throw cancelledError('reading stopped: the write was cancelled');
  let settled = false;
  const reading = s.source.fill(dst, abort.signal).then(
    (n) => {
      settled = true;
      return n;
    },
    (e: unknown) => {
      settled = true;
      if (abort.raised && e instanceof DwError && e.hr === HR.E_IMAPI_REQUEST_CANCELLED) throw e;
      throw sourceError(e, `reading the source for LBA ${lba} failed`);
    },
  );
  let unsubscribe: (() => void) | undefined;
  const abandoned = new Promise<never>((_resolve, reject) => {
    unsubscribe = abort.onRaise(() =>
      reject(cancelledError('reading stopped: the write was cancelled')),
    );
  });
  try {
    return await Promise.race([reading, abandoned]);
  } catch (e) {
    if (!settled) {
      s.pool.retire();
      reading.catch(() => undefined); // its late failure belongs to no one
    }
    throw e;
  } finally {
    unsubscribe?.();
    abandoned.catch(() => undefined);
  }
}
