// Ctrl-C in the CLI's write commands (src/cli/section.ts, Interrupt; section-report.ts): the first
// cancels; while a section may have left acknowledged blocks in the drive a second stops waiting
// for the engine but is taken, so the drive is still asked and closed; the third (or a second
// with no section running) is left to main.ts, which exits at once. In-process over an
// image-backed virtual drive, so the abandoned wait is reached every time, not by timing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { openRecorder } from '../../src/device/open.js';
import { readBlockChunks, writablePosition } from '../../src/device/media-ops.js';
import type { CliIo } from '../../src/cli/io.js';
import { WriteEngine } from '../../src/engine/index.js';
import { Interrupt, runSection } from '../../src/cli/section.js';
import { finishSection, reportSection } from '../../src/cli/section-report.js';
import { SECTOR, blocksOf } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';

const { imagePath: image } = scratchImages('discwright-interrupt-');

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** A CliIo whose Ctrl-C is `press()`: true when the command took it, false when main exits. */
function testIo(): { io: CliIo; out: Sink; err: Sink; press: () => boolean } {
  const out = new Sink();
  const err = new Sink();
  let handler: (() => boolean) | undefined;
  const io: CliIo = {
    stdout: out,
    stderr: err,
    stdin: Readable.from([]),
    onInterrupt(h) {
      handler = h;
      return () => {
        if (handler === h) handler = undefined;
      };
    },
  };
  return { io, out, err, press: () => handler?.() ?? false };
}

describe('Interrupt', () => {
  it('without a running section: the first Ctrl-C cancels, the second is left to main (exit)', () => {
    const { io, err, press } = testIo();
    const interrupt = new Interrupt(io);
    assert.equal(press(), true);
    assert.equal(interrupt.signal.aborted, true);
    assert.match(err.text, /Ctrl-C again to exit at once/);
    assert.throws(() => interrupt.check(), { code: 'E_IMAPI_REQUEST_CANCELLED' });
    assert.equal(press(), false);
    interrupt.dispose();
  });

  it('guarded: the second stops the wait and is taken, the third is left to main', async () => {
    const { io, err, press } = testIo();
    const interrupt = new Interrupt(io);
    interrupt.guard();
    let abandoned = false;
    interrupt.attach(new WriteEngine(), () => (abandoned = true));
    const never = new Promise<string>(() => undefined);
    const waited = interrupt.unlessAbandoned(never);
    assert.equal(press(), true);
    assert.match(err.text, /Ctrl-C again to stop waiting; the drive is still closed/);
    assert.equal(abandoned, false);
    assert.equal(press(), true);
    assert.equal(await waited, undefined);
    assert.equal(abandoned, true);
    assert.match(err.text, /asking and closing the drive/);
    assert.equal(press(), false);
    interrupt.dispose();
    assert.equal(press(), false, 'disposed: nothing takes Ctrl-C');
  });
});

describe('a second Ctrl-C during write-section', () => {
  it('stops waiting for the engine, yet the drive is asked and closed: what it reports stays', async () => {
    const img = image();
    const address = `virtual:dvd+r?image=${img}&speed=1x&buffer=64k`;
    const data = blocksOf(2048, 31);
    const { io, out, err, press } = testIo();
    const interrupt = new Interrupt(io);
    const recorder = await openRecorder(address);
    const params = { lba: 0, blocks: 2048, bytesPerSector: SECTOR };
    const running = runSection(
      recorder,
      data,
      params,
      { io, mode: 'json', family: undefined },
      interrupt,
    );
    // Until the drive has acknowledged blocks (paced at 1x: a few updates).
    while (!/"blocksWritten":[1-9]/.test(out.text)) await new Promise((r) => setTimeout(r, 5));
    assert.equal(press(), true);
    assert.equal(press(), true);
    const outcome = await interrupt.unlessAbandoned(running);
    assert.equal(outcome, undefined, 'the wait was not abandoned');
    const report = await finishSection(recorder, params, outcome);
    interrupt.dispose();
    assert.equal(report.closeError, undefined);
    const code = reportSection(io, true, params, report);
    await running;
    assert.equal(code, 130);
    const lines = out.text.trim().split('\n');
    const result = JSON.parse(lines.at(-1) ?? '') as Record<string, unknown>;
    assert.equal(result.code, 'E_IMAPI_REQUEST_CANCELLED');
    assert.match(String(result.message), /second Ctrl-C stopped waiting/);
    assert.equal(result.blocksAcknowledged, null);
    const last = result.lastWrittenLba as number;
    assert.ok(Number.isInteger(last) && last >= 0 && last < 2047, `last written LBA ${last}`);
    assert.match(err.text, new RegExp(`cancelled: last written LBA ${last} `));
    // Reopened: the drive's NWA and the data are what the report said.
    const again = await openRecorder(`virtual:dvd+r?image=${img}`);
    try {
      assert.equal((await writablePosition(again)).nextWritableAddress, last + 1);
      const back = Buffer.alloc((last + 1) * SECTOR);
      let at = 0;
      for await (const chunk of readBlockChunks(again, { lba: 0, blocks: last + 1 })) {
        back.set(chunk, at);
        at += chunk.length;
      }
      assert.ok(back.equals(data.subarray(0, back.length)), 'read-back differs from the source');
    } finally {
      await again.close();
    }
  });
});
