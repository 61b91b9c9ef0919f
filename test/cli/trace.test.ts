// `--trace` and DISCWRIGHT_TRACE, spawned as a user runs them (dist/src/cli/main.js) over
// image-backed virtual drives: one whole line per SCSI command on stderr, every command once, the
// WRITE lines adding up to what the JSON result says was written; and the library printing the
// same lines with DISCWRIGHT_TRACE=1 and no CLI at all.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  MAIN,
  SECTOR,
  blocksOf,
  collect,
  dvd,
  jsonLines,
  startNode,
  type Run,
} from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';

const { imagePath: image, filePath } = scratchImages('discwright-trace-');

/** Runs node with `args`; the environment is this one without DISCWRIGHT_TRACE, plus `env`. */
function node(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { ...process.env };
  delete base.DISCWRIGHT_TRACE;
  return collect(startNode(args, { ...base, ...env }));
}

function cli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return node([MAIN, ...args], env);
}

/** `read --trace` of `blocks` blocks from `lba` of the DVD+R in `img`. */
function tracedRead(img: string, lba: number, blocks: number): Promise<Run> {
  return cli(['read', dvd(img), '--lba', `${lba}`, '--blocks', `${blocks}`, '--trace']);
}

interface TraceLine {
  readonly seq: number;
  readonly name: string;
  readonly lba: number | undefined;
  readonly blocks: number | undefined;
  readonly rest: string;
}

// trace #<seq> <name> <CDB bytes> [lba=<n> blocks=<n>] [in=<n>/<n>|out=<n>] <status …> <n>µs
const LINE =
  /^trace #(\d+) ([A-Z][A-Z0-9 ()x/]*?) ((?:[0-9A-F]{2} )*[0-9A-F]{2})(?: lba=(-?\d+) blocks=(\d+))?(?: (?:in=\d+\/\d+|out=\d+))? ((?:GOOD|CHECK CONDITION|REJECTED|STATUS).*) \d+µs$/;

/** The trace lines of stderr; fails on a line that starts like one but does not parse. */
function traceLines(stderr: string): TraceLine[] {
  const out: TraceLine[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('trace #')) continue;
    const m = LINE.exec(line);
    assert.ok(m !== null, `not a trace line: ${JSON.stringify(line)}`);
    out.push({
      seq: Number(m[1]),
      name: m[2]!,
      lba: m[4] === undefined ? undefined : Number(m[4]),
      blocks: m[5] === undefined ? undefined : Number(m[5]),
      rest: m[6]!,
    });
  }
  return out;
}

/** Every command once, numbered without gaps. */
function assertConsecutive(lines: readonly TraceLine[]): void {
  assert.ok(lines.length > 0, 'no trace lines');
  lines.forEach((l, i) => assert.equal(l.seq, lines[0]!.seq + i, `line ${i}: #${l.seq}`));
}

describe('discwright --trace', () => {
  it('write-section: one line per command; the WRITEs add up to what the result says', async () => {
    const img = image();
    const src = filePath('src-150.bin');
    await writeFile(src, blocksOf(150));
    const r = await cli(['write-section', dvd(img), src, '--lba', '0', '--json', '--trace']);
    assert.equal(r.code, 0, r.stderr);
    const lines = traceLines(r.stderr);
    assertConsecutive(lines);
    // Nothing else on stderr, and stdout stays JSON only.
    assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, lines.length, r.stderr);
    const result = jsonLines(r.stdout).at(-1)!;
    assert.equal(result.result, 'ok');
    assert.equal(result.blocksWritten, 150);

    assert.equal(lines[0]!.name, 'INQUIRY');
    const writes = lines.filter((l) => l.name === 'WRITE(10)');
    assert.ok(writes.every((w) => w.rest === 'GOOD'));
    assert.equal(
      writes.reduce((s, w) => s + w.blocks!, 0),
      result.blocksWritten,
    );
    let next = 0;
    for (const w of writes) {
      assert.equal(w.lba, next, 'WRITEs follow each other');
      next += w.blocks!;
    }
    assert.equal(lines.at(-1)!.name, 'SYNCHRONIZE CACHE(10)');
  });

  it('read: the READ(10) lines cover the range, the data on stdout is untouched; a failed READ shows its sense', async () => {
    const img = image();
    const src = filePath('src-40.bin');
    const data = blocksOf(40, 5);
    await writeFile(src, data);
    const w = await cli(['write-section', dvd(img), src, '--lba', '0']);
    assert.equal(w.code, 0, w.stderr);

    const r = await tracedRead(img, 4, 36);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.equals(data.subarray(4 * SECTOR)), 'read data differs');
    const lines = traceLines(r.stderr);
    assertConsecutive(lines);
    const reads = lines.filter((l) => l.name === 'READ(10)');
    assert.equal(reads[0]!.lba, 4);
    assert.equal(
      reads.reduce((s, l) => s + l.blocks!, 0),
      36,
    );
    assert.ok(reads.every((l) => l.rest === 'GOOD'));

    // Blocks 40.. are unrecorded: the READ that reaches them answers 05/21/00 and read exits 1.
    const bad = await tracedRead(img, 30, 20);
    assert.equal(bad.code, 1, bad.stderr);
    const last = traceLines(bad.stderr)
      .filter((l) => l.name === 'READ(10)')
      .at(-1)!;
    assert.match(last.rest, /^CHECK CONDITION 05\/21\/00 ILLEGAL REQUEST: /);
  });

  it('info: a CHECK CONDITION line with sense key, ASC/ASCQ and text (empty drive)', async () => {
    const r = await cli(['info', 'virtual:none', '--trace']);
    const lines = traceLines(r.stderr);
    assertConsecutive(lines);
    const notReady = lines.filter((l) => l.rest.startsWith('CHECK CONDITION'));
    assert.ok(notReady.length >= 1, r.stderr);
    for (const l of notReady) {
      assert.match(l.rest, /^CHECK CONDITION 02\/3A\/0[0-2] NOT READY: MEDIUM NOT PRESENT/);
    }
    // The report itself is on stdout, untouched by the trace.
    assert.match(r.stdout.toString(), /^recorder: +virtual:none$/m);
  });

  it('demo: traced from the first INQUIRY to the read-back, before or after the command name', async () => {
    const r = await cli(['--trace', 'demo', '--size', '1', '--dir', filePath('demo')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = traceLines(r.stderr);
    assertConsecutive(lines);
    const names = new Set(lines.map((l) => l.name));
    for (const name of ['INQUIRY', 'WRITE(10)', 'SYNCHRONIZE CACHE(10)', 'CLOSE TRACK/SESSION']) {
      assert.ok(names.has(name), `${name} missing`);
    }
    const written = lines
      .filter((l) => l.name === 'WRITE(10)' && l.rest === 'GOOD')
      .reduce((s, l) => s + l.blocks!, 0);
    assert.equal(written, (1024 * 1024) / SECTOR);
  });

  it('without --trace or DISCWRIGHT_TRACE: no trace lines', async () => {
    const r = await cli(['info', 'virtual:dvd+r']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(traceLines(r.stderr).length, 0);
    assert.equal(r.stderr, '');
  });
});

describe('DISCWRIGHT_TRACE=1', () => {
  it('prints the lines without --trace, and with it still prints each command once', async () => {
    const env = await cli(['info', 'virtual:dvd+r'], { DISCWRIGHT_TRACE: '1' });
    assert.equal(env.code, 0, env.stderr);
    const a = traceLines(env.stderr);
    assertConsecutive(a);
    const both = await cli(['info', 'virtual:dvd+r', '--trace'], { DISCWRIGHT_TRACE: '1' });
    const b = traceLines(both.stderr);
    assertConsecutive(b);
    assert.deepEqual(
      b.map((l) => l.name),
      a.map((l) => l.name),
    );
    const off = await cli(['info', 'virtual:dvd+r'], { DISCWRIGHT_TRACE: '0' });
    assert.equal(traceLines(off.stderr).length, 0);
  });

  it('prints the lines for a library user: a section written through the engine', async () => {
    const index = pathToFileURL(resolve(dirname(MAIN), '../index.js')).href;
    const script = `
      import { openRecorder, WriteEngine } from ${JSON.stringify(index)};
      const recorder = await openRecorder('virtual:dvd+r');
      const engine = new WriteEngine();
      await engine.setRecorder(recorder);
      engine.bytesPerSector = 2048;
      await engine.writeSection(new Uint8Array(2048 * 70), 0, 70);
      await recorder.close();
      process.stdout.write('done');
    `;
    const on = await node(['--input-type=module', '-e', script], { DISCWRIGHT_TRACE: '1' });
    assert.equal(on.code, 0, on.stderr);
    assert.equal(on.stdout.toString(), 'done');
    const lines = traceLines(on.stderr);
    assertConsecutive(lines);
    assert.equal(lines[0]!.seq, 1);
    assert.equal(
      lines.filter((l) => l.name === 'WRITE(10)').reduce((s, l) => s + l.blocks!, 0),
      70,
    );
    const off = await node(['--input-type=module', '-e', script]);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stderr, '');
  });
});
