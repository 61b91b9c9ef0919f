// Progress rendering of the write commands: plain lines every few seconds, JSON per event, and
// the text form of `info`.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { WriteEngineEventArgs } from '../../src/engine/event-args.js';
import { ProgressReporter, progressMode } from '../../src/cli/progress.js';
import { infoText, type InfoReport } from '../../src/cli/info.js';
import type { OutputStream } from '../../src/cli/io.js';

class Sink extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

function event(elapsedMs: number, blocksWritten: number, final = false): WriteEngineEventArgs {
  return Object.freeze({
    startLba: 100,
    sectorCount: 1000,
    lastReadLba: 100 + blocksWritten,
    lastWrittenLba: blocksWritten === 0 ? 100 : 99 + blocksWritten,
    totalSystemBuffer: 524288,
    usedSystemBuffer: 65536,
    freeSystemBuffer: 524288 - 65536,
    totalDeviceBuffer: null,
    usedDeviceBuffer: null,
    blocksRead: blocksWritten + 32,
    blocksWritten,
    elapsedMs,
    bytesPerSecond: 2_770_000,
    averageBytesPerSecond: 2_770_000,
    etaMs: 1000,
    final,
  });
}

describe('cli progress reporter', () => {
  it('picks json, a live line on a TTY, or plain lines', () => {
    assert.equal(progressMode(new Sink(true) as OutputStream, true), 'json');
    assert.equal(progressMode(new Sink(true) as OutputStream, false), 'tty');
    assert.equal(progressMode(new Sink(false) as OutputStream, false), 'plain');
  });

  it('plain mode prints the first event, one line per interval, and the final event', () => {
    const sink = new Sink();
    const r = new ProgressReporter({
      mode: 'plain',
      stream: sink,
      bytesPerSector: 2048,
      family: 'DVD',
      plainIntervalMs: 3000,
    });
    for (const [ms, blocks] of [
      [0, 0],
      [500, 100],
      [2900, 300],
      [3000, 320],
      [5000, 500],
      [6100, 640],
    ] as const) {
      r.update(event(ms, blocks));
    }
    r.update(event(6300, 1000, true));
    r.update(event(6400, 1000, true)); // after the end: remembered, not shown
    const lines = sink.text.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.slice(0, 4)),
      ['  0%', ' 32%', ' 64%', '100%'],
    );
    assert.match(
      lines[0] ?? '',
      /of 2\.0 MB 2\.8 MB\/s \(2\.0x\) \| host 13% drive -- \| ETA 0:01$/,
    );
    assert.equal(r.last?.elapsedMs, 6400);
  });

  it('json mode prints every event as one object', () => {
    const sink = new Sink();
    const r = new ProgressReporter({ mode: 'json', stream: sink, bytesPerSector: 2048 });
    r.update(event(0, 0));
    r.update(event(500, 10, true));
    const objects = sink.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(objects.length, 2);
    assert.deepEqual(objects[1], { event: 'update', ...event(500, 10, true) });
  });
});

describe('info text', () => {
  it('marks the current profile and shows the media figures', () => {
    const report: InfoReport = {
      address: 'virtual:dvd+r',
      vendorId: 'DISCWRT',
      productId: 'VIRTUAL DVD+R',
      productRevision: '1.00',
      profiles: [
        { code: 0x1a, name: 'DVD+RW', current: false },
        { code: 0x1b, name: 'DVD+R', current: true },
      ],
      currentProfile: { code: 0x1b, name: 'DVD+R' },
      media: {
        status: 'appendable',
        lastSession: 'incomplete',
        erasable: false,
        sessions: 1,
        lastTrack: 1,
        capacityBlocks: 2295104,
      },
      recorded: { blocks: 64, blockLength: 2048 },
      nextWritableAddress: 64,
      freeBlocks: 2295040,
      writeSpeeds: [
        { kBps: 22160, x: 16 },
        { kBps: 11080, x: 8 },
      ],
      buffer: { sizeBytes: 4194304, freeBytes: 4194304 },
      unavailable: {},
    };
    const text = infoText(report);
    assert.match(text, /^profiles: +DVD\+RW, \*DVD\+R {2}\(\* current\)$/m);
    assert.match(text, /^media: +DVD\+R \(profile 0x001B\)$/m);
    assert.match(
      text,
      /^status: +appendable, last session incomplete, 1 session\(s\), last track 1$/m,
    );
    assert.match(text, /^NWA: +64$/m);
    assert.match(text, /^free blocks: +2295040 \(4700 MB\)$/m);
    assert.match(text, /^write speeds: +16x, 8x$/m);
    assert.match(text, /^buffer: +4\.2 MB \(4\.2 MB free\)$/m);
  });

  it('says what is missing when the drive is empty', () => {
    const text = infoText({
      address: 'virtual:none',
      vendorId: 'DISCWRT',
      productId: 'VIRTUAL',
      productRevision: '1.00',
      profiles: [],
      currentProfile: null,
      media: null,
      recorded: null,
      nextWritableAddress: null,
      freeBlocks: null,
      writeSpeeds: [],
      buffer: null,
      unavailable: { media: 'E_IMAPI_RECORDER_MEDIA_NO_MEDIA: no disc' },
    });
    assert.match(text, /^media: +none$/m);
    assert.match(text, /^status: +unavailable \(E_IMAPI_RECORDER_MEDIA_NO_MEDIA: no disc\)$/m);
    assert.doesNotMatch(text, /NWA/);
  });
});
