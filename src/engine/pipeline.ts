// The staging area of the write engine (spec §2.4.2, §2.4.3): geometry, a pool of aligned slots
// carved from one allocation, the free / filled queues the reader and writer hand slots through,
// the per-slot holds of the zero-copy hand-off (beyond the spec; docs/decisions.md,
// "Performance"), and the shared abort flag. Nothing here allocates per chunk.

import { DwError, HR } from '../errors.js';
import type { DataOutHold } from '../transport/transport.js';

/** WRITE(10)'s TRANSFER LENGTH field has 16 bits. */
export const MAX_BLOCKS_WRITE10 = 0xffff;
/** WRITE(12)'s limit used by the engine (signed 32-bit block counts). */
export const MAX_BLOCKS_WRITE12 = 0x7fffffff;

export interface Geometry {
  /** Blocks per WRITE. */
  readonly blocksPerChunk: number;
  /** blocksPerChunk × bytesPerSector. */
  readonly slotSize: number;
  readonly slotCount: number;
  /** Alignment of each slot inside the pool allocation, bytes. */
  readonly alignment: number;
}

export function computeGeometry(p: {
  bytesPerSector: number;
  maxTransferSize: number;
  driveMaxTransfer: number;
  hostBufferSize: number;
  streaming: boolean;
  alignment: number;
}): Geometry {
  const cap = Math.min(p.maxTransferSize, p.driveMaxTransfer);
  const limit = p.streaming ? MAX_BLOCKS_WRITE12 : MAX_BLOCKS_WRITE10;
  const blocksPerChunk = Math.min(Math.floor(cap / p.bytesPerSector), limit);
  const slotSize = blocksPerChunk * p.bytesPerSector;
  const slotCount = slotSize === 0 ? 0 : Math.floor(p.hostBufferSize / slotSize);
  return { blocksPerChunk, slotSize, slotCount, alignment: Math.max(p.alignment, 4096) };
}

/**
 * Slots carved from one allocation at a stride that is a multiple of the alignment, so slot
 * boundaries stay aligned relative to the allocation (the allocator itself aligns large
 * buffers to at least 16 bytes; transports copy when they need more).
 *
 * The allocation is a SharedArrayBuffer, so a transport that writes from another thread (the
 * image-backed virtual drive) can take a slot's bytes without copying them; `holds` then keeps
 * the slot out of the free queue until that transport is done with it.
 */
export class SlotPool {
  readonly slots: readonly Uint8Array[];
  readonly geometry: Geometry;
  readonly holds: SlotHolds;
  /**
   * Slot i+1 starts where slot i ends (the stride equals the slot size, as for 2048-byte
   * sectors at 64 KiB), so consecutive slots form one contiguous span a single read can fill.
   */
  readonly contiguous: boolean;
  readonly #buffer: ArrayBufferLike;
  #retired = false;

  constructor(geometry: Geometry) {
    this.geometry = geometry;
    const stride = Math.ceil(geometry.slotSize / geometry.alignment) * geometry.alignment;
    const bytes = stride * geometry.slotCount;
    // Where shared memory is unavailable a plain buffer does: transports then copy, as before.
    const buffer =
      typeof SharedArrayBuffer === 'function'
        ? new SharedArrayBuffer(bytes)
        : new ArrayBuffer(bytes);
    const slots: Uint8Array[] = [];
    for (let i = 0; i < geometry.slotCount; i++) {
      slots.push(new Uint8Array(buffer, i * stride, geometry.slotSize));
    }
    this.slots = slots;
    this.#buffer = buffer;
    this.contiguous = stride === geometry.slotSize;
    this.holds = new SlotHolds(geometry.slotCount);
  }

  /** `bytes` from the start of slot `first` (only meaningful when `contiguous`). */
  span(first: number, bytes: number): Uint8Array {
    return new Uint8Array(this.#buffer, first * this.geometry.slotSize, bytes);
  }

  /**
   * Never reuse this pool: a source read abandoned on cancel may still write into its memory
   * (a FileHandle's or a BlockReader's read cannot be stopped), so the next section allocates
   * a fresh one.
   */
  retire(): void {
    this.#retired = true;
  }

  fits(g: Geometry): boolean {
    const mine = this.geometry;
    return (
      !this.#retired &&
      mine.slotSize === g.slotSize &&
      mine.slotCount === g.slotCount &&
      mine.alignment === g.alignment
    );
  }
}

const IDLE = 0;
/** The slot's WRITE is on its way. */
const SENT = 1;
/** The WRITE completed and the transport still reads the slot. */
const HELD = 2;
/** The transport let go before the engine saw the WRITE complete. */
const RELEASED_EARLY = 3;

/**
 * The zero-copy hand-off of slots (held writes, HeldSendCapability): one hold per slot, made once
 * with the pool. A slot goes back to the free queue when its WRITE completed and the transport
 * released it, whichever comes last, in either order. A section ends only after every held slot
 * came back (`drained`), so a later section never refills a slot that is still being written.
 */
export class SlotHolds {
  /** `perSlot[i]` goes with slot i's WRITE when the recorder has held writes. */
  readonly perSlot: readonly DataOutHold[];
  readonly #state: Uint8Array;
  #held = 0;
  #free: SlotQueue | undefined;
  #drainWaiter: (() => void) | undefined;

  constructor(slotCount: number) {
    this.#state = new Uint8Array(slotCount);
    const perSlot: DataOutHold[] = [];
    for (let i = 0; i < slotCount; i++) perSlot.push(new SlotHold(this, i));
    this.perSlot = perSlot;
  }

  /** A section starts: released slots go to its free queue. */
  begin(free: SlotQueue): void {
    this.#free = free;
    this.#state.fill(IDLE);
  }

  /** Slot i's WRITE is about to be sent. */
  sent(i: number): void {
    this.#state[i] = SENT;
  }

  /** Slot i's WRITE completed; `held` is what the transport answered. */
  completed(i: number, held: boolean): void {
    if (held && this.#state[i] === SENT) {
      this.#state[i] = HELD;
      this.#held++;
      return;
    }
    this.#state[i] = IDLE;
    this.#free?.put(i);
  }

  /** Slot i's transport let go of it (SlotHold.release). */
  release(i: number): void {
    const state = this.#state[i];
    if (state === SENT) {
      this.#state[i] = RELEASED_EARLY;
    } else if (state === HELD) {
      this.#state[i] = IDLE;
      this.#held--;
      this.#free?.put(i);
      if (this.#held === 0) {
        const wake = this.#drainWaiter;
        this.#drainWaiter = undefined;
        wake?.();
      }
    }
    // IDLE or RELEASED_EARLY: a second release of the same hold changes nothing.
  }

  /** Resolves once no slot is held any more. */
  drained(): Promise<void> {
    if (this.#held === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#drainWaiter = resolve;
    });
  }
}

/** One slot's hold: a class, so every slot's release() is the same function to the optimiser. */
class SlotHold implements DataOutHold {
  readonly #holds: SlotHolds;
  readonly #index: number;

  constructor(holds: SlotHolds, index: number) {
    this.#holds = holds;
    this.#index = index;
  }

  release(): void {
    this.#holds.release(this.#index);
  }
}

/** The abort flag shared by the reader, the writer and the retry waits. */
export class AbortFlag {
  readonly #controller = new AbortController();
  #waiters: (() => void)[] = [];

  get raised(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Aborted when the flag is raised: ends back-off waits at once. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  raise(): void {
    if (this.raised) return;
    this.#controller.abort();
    const w = this.#waiters;
    this.#waiters = [];
    for (const wake of w) wake();
  }

  /** Register a wake-up called once when the flag is raised. */
  onRaise(wake: () => void): () => void {
    this.#waiters.push(wake);
    return () => {
      this.#waiters = this.#waiters.filter((x) => x !== wake);
    };
  }
}

export function cancelledError(message = 'the write was cancelled'): DwError {
  return new DwError(HR.E_IMAPI_REQUEST_CANCELLED, { message });
}

/**
 * A FIFO of slot indexes with an async take that an abort ends. The abort is checked before a
 * slot is handed out, so an abort wins over a slot that is already waiting (spec §2.4.3).
 */
export class SlotQueue {
  /** A ring of slot indexes: a queue never holds more than the pool has slots. */
  readonly #items: Int32Array;
  #head = 0;
  #count = 0;
  #waiter: (() => void) | undefined;
  /** A waitForLength() in progress: the length it waits for and its wake-up. */
  #lengthWaiter: { readonly n: number; readonly wake: () => void } | undefined;
  readonly #abort: AbortFlag;

  constructor(abort: AbortFlag, capacity: number) {
    this.#abort = abort;
    this.#items = new Int32Array(capacity);
  }

  put(index: number): void {
    const items = this.#items;
    if (this.#count === items.length) {
      // An engine bug, never the caller's input: a slot index was queued twice.
      throw new DwError(HR.E_FAIL, { message: 'SlotQueue: more slots than the pool has' });
    }
    let at = this.#head + this.#count;
    if (at >= items.length) at -= items.length;
    items[at] = index;
    this.#count++;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
    const lw = this.#lengthWaiter;
    if (lw !== undefined && this.length >= lw.n) {
      this.#lengthWaiter = undefined;
      lw.wake();
    }
  }

  get length(): number {
    return this.#count;
  }

  /** The slot index take() would hand out next, without taking it. */
  peek(): number | undefined {
    return this.#count > 0 ? this.#items[this.#head] : undefined;
  }

  /** Takes the next slot index when it equals `index` (no wait); true when taken. */
  takeIf(index: number): boolean {
    if (this.#abort.raised || this.peek() !== index) return false;
    this.#next();
    return true;
  }

  /** Removes and returns the head of a non-empty queue. */
  #next(): number {
    const v = this.#items[this.#head] as number;
    this.#head = this.#head + 1 === this.#items.length ? 0 : this.#head + 1;
    this.#count--;
    return v;
  }

  /**
   * Resolves true once at least `n` slots are queued, false when the abort flag is (or becomes)
   * raised first. Woken from put(), never by polling. One waiter at a time.
   */
  async waitForLength(n: number): Promise<boolean> {
    if (this.#abort.raised) return false;
    if (this.length >= n) return true;
    await new Promise<void>((resolve) => {
      const off = this.#abort.onRaise(() => {
        this.#lengthWaiter = undefined;
        resolve();
      });
      this.#lengthWaiter = {
        n,
        wake: () => {
          off();
          resolve();
        },
      };
    });
    return !this.#abort.raised;
  }

  /**
   * The next slot index when one is queued and the flag is down; undefined otherwise (then
   * take() waits). Saves a promise per chunk on the hot path, where a slot is usually ready.
   */
  tryTake(): number | undefined {
    if (this.#abort.raised || this.#count === 0) return undefined;
    return this.#next();
  }

  /** Next slot index, or undefined when the abort flag is (or becomes) raised. */
  async take(): Promise<number | undefined> {
    for (;;) {
      if (this.#abort.raised) return undefined;
      if (this.#count > 0) return this.#next();
      await new Promise<void>((resolve) => {
        const off = this.#abort.onRaise(resolve);
        this.#waiter = () => {
          off();
          resolve();
        };
      });
    }
  }
}
