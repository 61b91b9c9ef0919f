// A failing source and a stalled one (issue "Nothing lost, nothing claimed falsely", items 9 and
// 10): a Readable destroyed with an error is a read fault, not a short source, and a cancel
// settles the section while a source read is still pending. Through the virtual drive, on its
// virtual clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { WriteEngine, type WriteEngineEventArgs } from '../../src/engine/index.js';
import { HR } from '../../src/errors.js';
import { cdbBlocks, pattern, rejectsWith, rig, writes, type Rig } from '../helpers/recorder.js';

async function engineOn(): Promise<Rig & { engine: WriteEngine; events: WriteEngineEventArgs[] }> {
  const r = await rig('virtual:dvd+r');
  const engine = new WriteEngine({ clock: r.clock });
  await engine.setRecorder(r.recorder);
  engine.bytesPerSector = 2048;
  engine.hostBufferSize = 131072; // two 64 KiB slots: the writer starts after two chunks
  const events: WriteEngineEventArgs[] = [];
  engine.on('update', (_sender, args) => events.push(args));
  return { ...r, engine, events };
}

/** Blocks of the WRITEs the drive accepted. */
function accepted(log: Rig['log']): number {
  return writes(log)
    .filter((e) => e.status === 0)
    .reduce((n, e) => n + cdbBlocks(e), 0);
}

describe('a failing or stalled source (spec §2.4.3, §2.5)', () => {
  it('a Readable destroyed with an error mid-section → STG_E_READFAULT with it as cause', async () => {
    const t = await engineOn();
    const data = pattern(2048 * 160);
    const eio = Object.assign(new Error('EIO'), { code: 'EIO' });
    let sent = false;
    const stream = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(data);
        } else {
          setImmediate(() => this.destroy(eio));
        }
      },
    });
    const err = await rejectsWith(t.engine.writeSection(stream, 0, 1000));
    assert.equal(err.hr, HR.STG_E_READFAULT);
    assert.equal(err.cause, eio);
    const final = t.events.at(-1)!;
    assert.equal(final.final, true);
    assert.equal(final.blocksWritten, accepted(t.log));
    assert.ok(final.blocksWritten <= 160);
    assert.equal(final.lastWrittenLba, final.blocksWritten === 0 ? 0 : final.blocksWritten - 1);
    assert.equal(t.drive.control.media.nwa, final.blocksWritten);
    assert.deepEqual(
      await t.drive.control.media.readBlocks(0, final.blocksWritten),
      data.subarray(0, 2048 * final.blocksWritten),
    );
    await t.recorder.close();
  });

  it('a Readable that simply ends early is still E_FAIL, without a cause', async () => {
    const t = await engineOn();
    const stream = Readable.from([pattern(81920)], { objectMode: false });
    const err = await rejectsWith(t.engine.writeSection(stream, 0, 100));
    assert.equal(err.hr, HR.E_FAIL);
    assert.match(err.message, /ended after 81920 bytes/);
    assert.equal(err.cause, undefined);
    await t.recorder.close();
  });

  it('cancelWrite() while a source read is pending settles with CANCELLED', async () => {
    const t = await engineOn();
    const data = pattern(2048 * 96);
    let reads = 0;
    // Three chunks, then nothing more, and never an end.
    const stalled = new Readable({
      read() {
        if (reads++ === 0) this.push(data);
      },
    });
    void t.clock.sleep(1000).then(() => t.engine.cancelWrite());
    const err = await rejectsWith(t.engine.writeSection(stalled, 0, 1000));
    assert.equal(err.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.equal(err.cause, undefined);
    assert.equal(stalled.readableEnded, false);
    assert.equal(stalled.destroyed, false, "the caller's stream is not destroyed");
    assert.equal(stalled.listenerCount('readable'), 0);
    const final = t.events.at(-1)!;
    assert.equal(final.final, true);
    assert.equal(final.blocksWritten, accepted(t.log));
    assert.ok(final.blocksWritten > 0 && final.blocksWritten <= 96);
    assert.equal(final.lastWrittenLba, final.blocksWritten - 1);
    assert.equal(t.drive.control.media.nwa, final.blocksWritten);
    assert.equal(t.engine.writeInProgress, false);
    // The engine takes the next section (a fresh pool: the abandoned read had slots).
    await t.engine.writeSection(pattern(2048 * 64), final.blocksWritten, 64);
    assert.equal(t.drive.control.media.nwa, final.blocksWritten + 64);
    await t.recorder.close();
  });

  it('an AbortSignal while a BlockReader never returns settles with CANCELLED', async () => {
    const t = await engineOn();
    const never = { readInto: () => new Promise<number>(() => undefined) };
    const ac = new AbortController();
    void t.clock.sleep(1000).then(() => ac.abort());
    const err = await rejectsWith(t.engine.writeSection(never, 0, 64, { signal: ac.signal }));
    assert.equal(err.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    const final = t.events.at(-1)!;
    assert.equal(final.blocksWritten, 0);
    assert.equal(final.lastWrittenLba, 0);
    assert.equal(writes(t.log).length, 0);
    await t.recorder.close();
  });
});
