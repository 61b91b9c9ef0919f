// The recorder's command queue (src/device/command-queue.ts): one job at a time in call order,
// failures mapped, and a queue that is idle again by the time the caller's continuation runs.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommandQueue } from '../../src/device/command-queue.js';

/** A job the test settles by hand. */
function deferred(): {
  promise: Promise<string>;
  resolve: (v: string) => void;
  reject: (e: Error) => void;
} {
  let resolve!: (v: string) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const mapped = (e: unknown) => new Error(`mapped: ${e instanceof Error ? e.message : String(e)}`);

describe('CommandQueue', () => {
  it('runs one job at a time, in call order; an idle queue starts a job in the caller’s tick', async () => {
    const q = new CommandQueue();
    const started: string[] = [];
    const jobs = [deferred(), deferred(), deferred()];
    const results = jobs.map((d, i) =>
      q.run(() => {
        started.push(`job ${i}`);
        return d.promise;
      }, mapped),
    );
    assert.deepEqual(started, ['job 0'], 'the first starts at once, the others wait');
    jobs[0]!.resolve('a');
    assert.equal(await results[0], 'a');
    assert.deepEqual(started, ['job 0', 'job 1']);
    jobs[1]!.reject(new Error('EIO'));
    await assert.rejects(results[1]!, /mapped: EIO/);
    assert.deepEqual(started, ['job 0', 'job 1', 'job 2'], 'a failure moves the queue on');
    jobs[2]!.resolve('c');
    assert.equal(await results[2], 'c');
  });

  it('maps a synchronous throw and moves on', async () => {
    const q = new CommandQueue();
    const p = q.run(() => {
      throw new Error('contract violated');
    }, mapped);
    await assert.rejects(p, /mapped: contract violated/);
    assert.equal(await q.run(() => Promise.resolve('next'), mapped), 'next');
  });

  it('is idle again when the caller continues: the next command starts at once', async () => {
    const q = new CommandQueue();
    await q.run(() => Promise.resolve('first'), mapped);
    let startedSync = false;
    const second = q.run(() => {
      startedSync = true;
      return Promise.resolve('second');
    }, mapped);
    assert.equal(startedSync, true);
    assert.equal(await second, 'second');
  });

  it('idle() waits for every job queued before it', async () => {
    const q = new CommandQueue();
    const d = deferred();
    const order: string[] = [];
    void q.run(() => d.promise, mapped).then(() => order.push('job'));
    const idle = q.idle().then(() => order.push('idle'));
    await Promise.resolve();
    assert.deepEqual(order, []);
    d.resolve('done');
    await idle;
    assert.deepEqual(order, ['job', 'idle']);
  });
});
