// A TCP relay that puts distance between an initiator and a target (tests and bench/iscsi.ts;
// docs/iscsi.md, "Drives at a distance"): every byte is held for a fixed one-way delay in each
// direction (RTT = 2 × delayMs), with optional jitter and a bandwidth cap, and bytes are never
// reordered. `cut()` drops every relayed connection at once (a network fault). Not a network
// emulator: no loss, no reordering, delays at timer resolution (about 1 ms). On its own thread
// (startDelayProxyThread) for a caller that blocks its event loop.

import net from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface DelayProxyOptions {
  /** Where connections are relayed to. */
  readonly target: { readonly host: string; readonly port: number };
  /** Held this long in each direction, ms (default 0: relayed as it comes). */
  readonly delayMs?: number;
  /** Up to this much more, uniformly at random per read, ms (order is kept). */
  readonly jitterMs?: number;
  /** Bandwidth cap per direction, bytes/s (default none). */
  readonly bytesPerSecond?: number;
}

/** Bytes held in one direction above which the sender is paused (back-pressure). */
const HIGH_WATER = 32 * 1024 * 1024;

/** One direction of one relayed connection: bytes from `from` released to `to` in order. */
class DelayedPipe {
  readonly #queue: { at: number; data: Buffer }[] = [];
  #held = 0;
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;

  constructor(
    readonly from: net.Socket,
    readonly to: net.Socket,
    readonly o: DelayProxyOptions,
  ) {
    from.on('data', (d: Buffer) => this.#push(d));
    from.on('end', () => {
      this.#ended = true;
      this.#flush();
    });
  }

  #push(data: Buffer): void {
    const delay = this.o.delayMs ?? 0;
    const jitter = this.o.jitterMs ?? 0;
    const bps = this.o.bytesPerSecond;
    if (delay === 0 && jitter === 0 && bps === undefined) {
      if (!this.to.destroyed) this.to.write(data);
      return;
    }
    const now = performance.now();
    let at = Math.max(now + delay + Math.random() * jitter, this.#last);
    if (bps !== undefined) at = Math.max(at, this.#last) + (data.length / bps) * 1000;
    this.#last = at;
    this.#queue.push({ at, data });
    this.#held += data.length;
    if (this.#held > HIGH_WATER) this.from.pause();
    this.#arm();
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    const head = this.#queue[0];
    if (head === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#flush();
      },
      Math.max(0, head.at - performance.now()),
    );
  }

  #flush(): void {
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now + 0.5) {
      const { data } = this.#queue.shift()!;
      this.#held -= data.length;
      if (!this.to.destroyed) this.to.write(data);
    }
    if (this.#held <= HIGH_WATER && this.from.isPaused()) this.from.resume();
    if (this.#queue.length > 0) this.#arm();
    else if (this.#ended && !this.to.destroyed) this.to.end();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }
}

export class DelayProxy {
  readonly server: net.Server;
  readonly #options: DelayProxyOptions;
  readonly #open = new Set<{ a: net.Socket; b: net.Socket; pipes: DelayedPipe[] }>();
  /** Connections accepted so far. */
  accepted = 0;

  constructor(options: DelayProxyOptions) {
    this.#options = options;
    this.server = net.createServer((client) => this.#accept(client));
  }

  /** Listens on 127.0.0.1 (an ephemeral port unless given); resolves with the port. */
  async listen(port = 0): Promise<number> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  #accept(client: net.Socket): void {
    this.accepted++;
    client.setNoDelay(true);
    const upstream = net.connect(this.#options.target.port, this.#options.target.host);
    upstream.setNoDelay(true);
    const link = {
      a: client,
      b: upstream,
      pipes: [
        new DelayedPipe(client, upstream, this.#options),
        new DelayedPipe(upstream, client, this.#options),
      ],
    };
    this.#open.add(link);
    const drop = () => {
      if (!this.#open.delete(link)) return;
      for (const p of link.pipes) p.stop();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  }

  /** Drops every relayed connection now, bytes in transit included. */
  cut(): void {
    for (const link of [...this.#open]) {
      this.#open.delete(link);
      for (const p of link.pipes) p.stop();
      link.a.destroy();
      link.b.destroy();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/**
 * A DelayProxy on its own thread, for callers that block their event loop (bench/iscsi.ts runs
 * each contender with spawnSync): resolves with the port it listens on and how to stop it.
 */
export async function startDelayProxyThread(
  options: DelayProxyOptions,
): Promise<{ readonly port: number; close(): Promise<void> }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { delayProxy: options } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve(m.port));
    worker.once('error', reject);
  });
  return {
    port,
    close: async () => {
      await worker.terminate();
    },
  };
}

const data = workerData as { delayProxy?: DelayProxyOptions } | null;
if (!isMainThread && data?.delayProxy !== undefined) {
  const proxy = new DelayProxy(data.delayProxy);
  parentPort?.postMessage({ port: await proxy.listen() });
}
