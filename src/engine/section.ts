// One section's run (spec §2.4.3, §2.4.6, §2.7): the reader (section-reader.ts) and the writer
// started side by side on the slot pool's free and filled queues, the first failure stopping the
// other, and the merge of their results. The writer sends each chunk's WRITE with the retry
// policy of write-chunk.ts and polls the device buffer between WRITEs; where the recorder has
// queued writes, queued-writer.ts keeps several in flight instead. Events, the busy state and
// the source's closing stay with the WriteEngine.

import { DwError, HR } from '../errors.js';
import type { Clock } from '../transport/clock.js';
import type { Progress } from './event-args.js';
import { SlotQueue, cancelledError, type AbortFlag } from './pipeline.js';
import { sourceError } from './sources.js';
import { takenBlocks, writeChunk } from './write-chunk.js';
import { pollBufferCapacity, TICK_MS } from './buffer-capacity.js';
import { queuedWriter } from './queued-writer.js';
import { reader } from './section-reader.js';
import type { Section } from './validation.js';

export { TICK_MS };

function cancelled(result: unknown): boolean {
  return result instanceof DwError && result.hr === HR.E_IMAPI_REQUEST_CANCELLED;
}

/** The merge table of spec §2.4.6. `undefined` = ok. */
export function mergeResults(
  writer: DwError | undefined,
  reader: DwError | undefined,
): DwError | undefined {
  if (writer !== undefined && !cancelled(writer)) return writer;
  if (writer !== undefined) {
    // Writer cancelled: a real reader error explains why (short or failing source).
    return reader !== undefined && !cancelled(reader) ? reader : writer;
  }
  return reader;
}

/**
 * Runs the reader and the writer of `s` until both have stopped (spec §2.4.1 step 5), with
 * `ticks` running until then, and returns their merged result.
 */
export async function runWorkers(
  s: Section,
  progress: Progress,
  abort: AbortFlag,
  clock: Clock,
  ticks: (stop: AbortSignal) => Promise<void>,
): Promise<DwError | undefined> {
  const free = new SlotQueue(abort, s.pool.slots.length);
  const filled = new SlotQueue(abort, s.pool.slots.length);
  for (let i = 0; i < s.pool.slots.length; i++) free.put(i);
  s.pool.holds.begin(free);

  let running = 2;
  const stopTicks = new AbortController();
  const stopped = () => {
    if (--running === 0) stopTicks.abort();
  };
  const settle = async (p: Promise<void>): Promise<DwError | undefined> => {
    try {
      await p;
      return undefined;
    } catch (e) {
      abort.raise(); // the first failure stops the other worker
      return e instanceof DwError ? e : sourceError(e, 'unexpected failure');
    } finally {
      stopped();
    }
  };
  const ticking = ticks(stopTicks.signal);
  // Several WRITEs in flight where the recorder has queued writes (docs/decisions.md).
  const queue = s.recorder.queuedWrites;
  const [readerResult, writerResult] = await Promise.all([
    settle(reader(s, progress, free, filled, abort)),
    settle(
      queue !== undefined && Math.min(s.queueDepth, queue.depth) > 1
        ? queuedWriter(s, progress, filled, abort, clock, queue, s.queueDepth)
        : writer(s, progress, filled, abort, clock),
    ),
  ]);
  await ticking;
  // Slots the drive still reads from (zero-copy hand-off) come back before the section
  // ends, so the next section never refills one that is still being written.
  await s.pool.holds.drained();
  return mergeResults(writerResult, readerResult);
}

async function writer(
  s: Section,
  progress: Progress,
  filled: SlotQueue,
  abort: AbortFlag,
  clock: Clock,
): Promise<void> {
  const B = s.geometry.blocksPerChunk;
  const holds = s.pool.holds;
  let remaining = s.blocks;
  let lba = s.start;
  let lastPoll: number | undefined;
  // No start-up underrun (beyond spec §2.4.3; docs/decisions.md "Performance"): a drive starts
  // recording with the first WRITE, so the first one waits until the whole pool is filled, or
  // the reader has read the whole section, and the drive's buffer then fills at memory speed
  // instead of growing only by what the source outruns the media. An abort ends the wait.
  const prefill = Math.min(s.pool.slots.length, Math.ceil(s.blocks / B));
  if (!(await filled.waitForLength(prefill))) {
    throw cancelledError('writing stopped: the write was cancelled');
  }
  while (remaining > 0) {
    const index = filled.tryTake() ?? (await filled.take());
    if (index === undefined) throw cancelledError('writing stopped: the write was cancelled');
    const n = Math.min(remaining, B);
    const slot = s.pool.slots[index] as Uint8Array;
    holds.sent(index);
    let held: boolean;
    try {
      held = await writeChunk(s.recorder, clock, abort, {
        lba,
        blocks: n,
        data: slot.subarray(0, n * s.bytesPerSector),
        streaming: s.streaming,
        hold: holds.perSlot[index],
      });
    } catch (e) {
      // GOOD with a residual: the blocks the drive took count, and no more (docs/decisions.md,
      // "Counted, not believed").
      const taken = takenBlocks(e);
      if (taken > 0) progress.written(Math.min(taken, n), clock.now());
      throw e;
    }
    lba += n;
    remaining -= n;
    progress.written(n, clock.now());
    // Back to the free queue now, or when the drive lets go of it (SlotHolds).
    holds.completed(index, held);
    // Between WRITEs only, never after the last one, at most every 500 ms (spec §2.7).
    if (remaining > 0 && s.drive.rbc !== 'no' && !abort.raised) {
      const now = clock.now();
      if (lastPoll === undefined || now - lastPoll >= TICK_MS) {
        lastPoll = now;
        await pollBufferCapacity(s.recorder, s.drive, progress);
      }
    }
  }
}
