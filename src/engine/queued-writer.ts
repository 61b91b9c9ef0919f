// The writer with several WRITEs in flight (spec §2.4.3 as changed in docs/decisions.md, "Queued
// writes"): where the recorder has queued writes (an iSCSI target), up to `depth` WRITEs of
// consecutive chunks go out ORDERED before the first is acknowledged, so a round trip is paid
// once per window instead of once per chunk. What is reported stays IMAPI2's:
//
// - acknowledgements are taken in LBA order only: a chunk counts (blocksWritten, lastWrittenLba,
//   the slot back to the free queue) when it and every chunk before it completed;
// - when the oldest chunk in flight did not complete (CHECK CONDITION, a rejection, a timeout),
//   every later one is aborted (the transport's abortQueued) and waited for, and nothing after
//   the chunk counts, whatever those commands did on the device;
// - then §2.4.5 goes on for that chunk alone (write-chunk.ts retryChunk): a busy drive (2/04/07,
//   2/04/08) or a transport error is retried after back-off from the first unacknowledged block,
//   and the chunks after it are sent again in order; any other failure ends the section;
// - the depth is read before each send: a transport that fell back to one in flight (the target
//   answered TASK SET FULL or BUSY) gets one.
//
// The ring of chunks in flight is allocated once per section: per chunk, the only allocations are
// the WRITE's CDB and the promises of its command.

import { HR } from '../errors.js';
import { rejectionVerdict, senseVerdict, type Verdict } from '../device/sense-policy.js';
import type { QueuedSendCapability, SenseResult } from '../device/types.js';
import type { Clock } from '../transport/clock.js';
import { pollBufferCapacity, TICK_MS } from './buffer-capacity.js';
import type { Progress } from './event-args.js';
import { cancelledError, type AbortFlag, type SlotQueue } from './pipeline.js';
import {
  chunkCdb,
  commandName,
  opcodeOf,
  retryChunk,
  takenBlocks,
  WRITE_TIMEOUT_SEC,
  type Chunk,
} from './write-chunk.js';
import type { Section } from './validation.js';

/** A queued WRITE that rejected, as its settled promise carries it (never a rejection). */
class Rejected {
  constructor(readonly error: unknown) {}
}
const asRejected = (e: unknown): Rejected => new Rejected(e);
const asResult = (r: SenseResult): SenseResult => r;

type Outcome = SenseResult | Rejected;

/**
 * The chunks in flight, oldest first: a ring of at most `capacity`. The first `sent` of them are
 * on their way (their outcome pending or known); the rest wait to be sent again after a retry.
 */
class InFlight {
  readonly slot: Int32Array;
  readonly lba: Float64Array;
  readonly blocks: Int32Array;
  readonly sentAt: Float64Array;
  readonly outcome: (Promise<Outcome> | undefined)[];
  head = 0;
  count = 0;
  sent = 0;

  constructor(readonly capacity: number) {
    this.slot = new Int32Array(capacity);
    this.lba = new Float64Array(capacity);
    this.blocks = new Int32Array(capacity);
    this.sentAt = new Float64Array(capacity);
    this.outcome = new Array<Promise<Outcome> | undefined>(capacity).fill(undefined);
  }

  /** Ring position of the i-th chunk from the oldest. */
  at(i: number): number {
    const p = this.head + i;
    return p >= this.capacity ? p - this.capacity : p;
  }

  push(slot: number, lba: number, blocks: number): void {
    const p = this.at(this.count++);
    this.slot[p] = slot;
    this.lba[p] = lba;
    this.blocks[p] = blocks;
    this.outcome[p] = undefined;
  }

  shift(): void {
    this.outcome[this.head] = undefined;
    this.head = this.at(1);
    this.count--;
    this.sent--;
  }
}

/** Runs the writer of `s` with up to `maxDepth` queued WRITEs in flight through `queue`. */
export async function queuedWriter(
  s: Section,
  progress: Progress,
  filled: SlotQueue,
  abort: AbortFlag,
  clock: Clock,
  queue: QueuedSendCapability,
  maxDepth: number,
): Promise<void> {
  const B = s.geometry.blocksPerChunk;
  const bps = s.bytesPerSector;
  const holds = s.pool.holds;
  const ring = new InFlight(Math.max(1, Math.min(maxDepth, s.pool.slots.length)));
  let toSend = s.blocks;
  let nextLba = s.start;
  let remaining = s.blocks;
  let lastPoll: number | undefined;
  let polling: Promise<void> | undefined;

  const send = (i: number): void => {
    const p = ring.at(i);
    const blocks = ring.blocks[p]!;
    const slot = s.pool.slots[ring.slot[p]!]!;
    const cdb = chunkCdb({ lba: ring.lba[p]!, blocks, streaming: s.streaming });
    ring.sentAt[p] = clock.now();
    try {
      // Handled at once: a later chunk may fail while the writer waits for an earlier one.
      ring.outcome[p] = queue
        .sendCommandSendDataToDevice(cdb, WRITE_TIMEOUT_SEC, slot.subarray(0, blocks * bps))
        .then(asResult, asRejected);
    } catch (e) {
      ring.outcome[p] = Promise.resolve(new Rejected(e));
    }
  };

  // No start-up underrun, as in the one-in-flight writer (section.ts).
  const prefill = Math.min(s.pool.slots.length, Math.ceil(s.blocks / B));
  if (!(await filled.waitForLength(prefill))) {
    throw cancelledError('writing stopped: the write was cancelled');
  }
  try {
    while (remaining > 0) {
      // Fill the window: chunks to send again first, then new ones as the reader has them.
      while (!abort.raised && ring.sent < Math.min(ring.capacity, queue.depth)) {
        if (ring.sent < ring.count) {
          send(ring.sent++);
          continue;
        }
        if (toSend === 0) break;
        const index = filled.tryTake() ?? (ring.count === 0 ? await filled.take() : undefined);
        if (index === undefined) break;
        const n = Math.min(toSend, B);
        ring.push(index, nextLba, n);
        holds.sent(index);
        send(ring.sent++);
        nextLba += n;
        toSend -= n;
      }
      if (ring.sent === 0) throw cancelledError('writing stopped: the write was cancelled');

      const p = ring.head;
      const n = ring.blocks[p]!;
      const index = ring.slot[p]!;
      const outcome = await ring.outcome[p]!;
      const verdict = judge(outcome, s);
      if (verdict !== undefined && verdict.action !== 'success') {
        // Nothing after this chunk counts: stop it all, then §2.4.5 for this chunk alone.
        await queue.abortQueued();
        for (let i = 1; i < ring.sent; i++) await ring.outcome[ring.at(i)];
        ring.sent = 1;
        const chunk: Chunk = {
          lba: ring.lba[p]!,
          blocks: n,
          data: s.pool.slots[index]!.subarray(0, n * bps),
          streaming: s.streaming,
          hold: undefined,
        };
        try {
          await retryChunk(
            s.recorder,
            clock,
            abort,
            chunk,
            chunkCdb(chunk),
            ring.sentAt[p]!,
            verdict,
          );
        } catch (e) {
          const taken = takenBlocks(e);
          if (taken > 0) progress.written(Math.min(taken, n), clock.now());
          throw e;
        }
        // The chunks after it go out again from the ring, in order.
      }
      ring.shift();
      remaining -= n;
      progress.written(n, clock.now());
      holds.completed(index, false);
      // Between WRITEs, at most every 500 ms (spec §2.7), beside the WRITEs in flight.
      if (remaining > 0 && s.drive.rbc !== 'no' && !abort.raised && polling === undefined) {
        const now = clock.now();
        if (lastPoll === undefined || now - lastPoll >= TICK_MS) {
          lastPoll = now;
          polling = pollBufferCapacity(s.recorder, s.drive, progress).then(() => {
            polling = undefined;
          });
        }
      }
    }
  } finally {
    // No command of this section outlives it.
    if (ring.sent > 0) {
      await queue.abortQueued();
      for (let i = 0; i < ring.sent; i++) await ring.outcome[ring.at(i)];
    }
    await polling;
  }
}

/** undefined when the chunk completed, else the verdict on its one attempt (as writeChunk's). */
function judge(outcome: Outcome, s: { readonly streaming: boolean }): Verdict | undefined {
  if (outcome instanceof Rejected) return rejectionVerdict(outcome.error, commandName(s));
  if (outcome.hr !== HR.S_IMAPI_COMMAND_HAS_SENSE_DATA) return undefined;
  return senseVerdict(outcome.sense, opcodeOf(s), 'write', 1, commandName(s));
}
