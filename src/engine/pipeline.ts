// The staging area of the write engine (spec §2.4.2, §2.4.3): geometry, a pool of aligned slots
// carved from one allocation, the free / filled queues the reader and writer hand slots through,
// and the shared abort flag. Nothing here allocates per chunk.

import { DwError, HR } from '../errors.js';

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
 * Slots carved from one ArrayBuffer at a stride that is a multiple of the alignment, so slot
 * boundaries stay aligned relative to the allocation (the allocator itself aligns large
 * buffers to at least 16 bytes; transports copy when they need more).
 */
export class SlotPool {
  readonly slots: readonly Uint8Array[];
  readonly geometry: Geometry;
  /**
   * Slot i+1 starts where slot i ends (the stride equals the slot size, as for 2048-byte
   * sectors at 64 KiB), so consecutive slots form one contiguous span a single read can fill.
   */
  readonly contiguous: boolean;
  private readonly buffer: ArrayBuffer;

  constructor(geometry: Geometry) {
    this.geometry = geometry;
    const stride = Math.ceil(geometry.slotSize / geometry.alignment) * geometry.alignment;
    const buffer = new ArrayBuffer(stride * geometry.slotCount);
    const slots: Uint8Array[] = [];
    for (let i = 0; i < geometry.slotCount; i++) {
      slots.push(new Uint8Array(buffer, i * stride, geometry.slotSize));
    }
    this.slots = slots;
    this.buffer = buffer;
    this.contiguous = stride === geometry.slotSize;
  }

  /** `bytes` from the start of slot `first` (only meaningful when `contiguous`). */
  span(first: number, bytes: number): Uint8Array {
    return new Uint8Array(this.buffer, first * this.geometry.slotSize, bytes);
  }

  fits(g: Geometry): boolean {
    const mine = this.geometry;
    return (
      mine.slotSize === g.slotSize &&
      mine.slotCount === g.slotCount &&
      mine.alignment === g.alignment
    );
  }
}

/** The abort flag shared by the reader, the writer and the retry waits. */
export class AbortFlag {
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];

  get raised(): boolean {
    return this.controller.signal.aborted;
  }

  /** Aborted when the flag is raised: ends back-off waits at once. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  raise(): void {
    if (this.raised) return;
    this.controller.abort();
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
  }

  /** Register a wake-up called once when the flag is raised. */
  onRaise(wake: () => void): () => void {
    this.waiters.push(wake);
    return () => {
      this.waiters = this.waiters.filter((x) => x !== wake);
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
  private readonly items: number[] = [];
  private head = 0;
  private waiter: (() => void) | undefined;
  /** A waitForLength() in progress: the length it waits for and its wake-up. */
  private lengthWaiter: { readonly n: number; readonly wake: () => void } | undefined;

  constructor(private readonly abort: AbortFlag) {}

  put(index: number): void {
    this.items.push(index);
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
    const lw = this.lengthWaiter;
    if (lw !== undefined && this.length >= lw.n) {
      this.lengthWaiter = undefined;
      lw.wake();
    }
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** The slot index take() would hand out next, without taking it. */
  peek(): number | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Takes the next slot index when it equals `index` (no wait); true when taken. */
  takeIf(index: number): boolean {
    if (this.abort.raised || this.peek() !== index) return false;
    this.head++;
    return true;
  }

  /**
   * Resolves true once at least `n` slots are queued, false when the abort flag is (or becomes)
   * raised first. Woken from put(), never by polling. One waiter at a time.
   */
  async waitForLength(n: number): Promise<boolean> {
    if (this.abort.raised) return false;
    if (this.length >= n) return true;
    await new Promise<void>((resolve) => {
      const off = this.abort.onRaise(() => {
        this.lengthWaiter = undefined;
        resolve();
      });
      this.lengthWaiter = {
        n,
        wake: () => {
          off();
          resolve();
        },
      };
    });
    return !this.abort.raised;
  }

  /**
   * The next slot index when one is queued and the flag is down; undefined otherwise (then
   * take() waits). Saves a promise per chunk on the hot path, where a slot is usually ready.
   */
  tryTake(): number | undefined {
    if (this.abort.raised || this.head >= this.items.length) return undefined;
    const v = this.items[this.head++] as number;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return v;
  }

  /** Next slot index, or undefined when the abort flag is (or becomes) raised. */
  async take(): Promise<number | undefined> {
    for (;;) {
      if (this.abort.raised) return undefined;
      if (this.head < this.items.length) {
        const v = this.items[this.head++] as number;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items.splice(0, this.head);
          this.head = 0;
        }
        return v;
      }
      await new Promise<void>((resolve) => {
        const off = this.abort.onRaise(resolve);
        this.waiter = () => {
          off();
          resolve();
        };
      });
    }
  }
}
