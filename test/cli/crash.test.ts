// Crash consistency of the image-backed virtual drive (docs/virtual-drive.md, "Persistence"): the
// real CLI writes a paced section with --json and is killed with SIGKILL at seeded random points.
// After each kill the image is opened again, and it must hold every block the JSON stream reported
// written more than one drive buffer (the declared `buffer=`) before the kill, report an NWA that
// agrees with what reads back (and with the image: nothing in it past the NWA, so a write-once disc
// never takes a block twice), and take the next section at that NWA. The last round runs to the
// end and the whole source must read back.
//
// The kill points come from one seed, printed with every failure; DISCWRIGHT_CRASH_SEED=<seed>
// replays them (the timing of the child is the machine's, so a replay is close, not identical).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { openRecorder } from '../../src/device/open.js';
import type { DiscRecorder } from '../../src/device/recorder.js';
import { gatherInfo } from '../../src/cli/info.js';
import { blocksOf, collectOpen, onJsonLines, SECTOR, start, type Run } from '../helpers/cli.js';
import { scratchImages } from '../helpers/images.js';
import { mulberry32 } from '../helpers/prng.js';

interface Medium {
  readonly media: string;
  /** A speed the media offers, near 5 MB/s, so a kill lands while the section is written. */
  readonly speed: string;
  /** Sequential recording: an NWA to check and continue at (DVD-RAM is random-writable). */
  readonly sequential: boolean;
}

const MEDIA: readonly Medium[] = [
  { media: 'bd-r', speed: '1x', sequential: true },
  { media: 'dvd+r', speed: '4x', sequential: true },
  { media: 'dvd-ram', speed: '3x', sequential: false },
  { media: 'cd-r', speed: '32x', sequential: true },
];
/** The drive's declared buffer (`buffer=`): the most a kill may lose of what was reported. */
const BUFFER_BYTES = 256 * 1024;
const BUFFER_BLOCKS = BUFFER_BYTES / SECTOR;
/** Kills per media (4 media: 24 kill points), then one round that runs to the end. */
const KILLS = 6;
/** 48 MiB: more than six rounds can write before their kills at these speeds (7 MB at most each). */
const TOTAL = 24 * 1024;
/** Blocks per READ when checking (maxTransfer=1m). */
const READ_BLOCKS = 512;

const { imagePath } = scratchImages('dw-crash-');

/**
 * When to kill: `early` counts from the spawn (starting, opening the image, taking the lock),
 * `start` from the section's first progress update (at 0 blocks), `writing` from the first update
 * that reports blocks written (so most kills come after the JSON stream reported some).
 */
interface KillPlan {
  readonly from: 'early' | 'start' | 'writing';
  readonly delayMs: number;
}

function planKill(random: () => number): KillPlan {
  const p = random();
  if (p < 1 / 6) return { from: 'early', delayMs: Math.floor(random() * 400) };
  if (p < 2 / 6) return { from: 'start', delayMs: Math.floor(random() * 500) };
  return { from: 'writing', delayMs: Math.floor(random() * 800) };
}

interface Round {
  readonly run: Run;
  /** The highest blocksWritten of the section's updates the child printed before it ended. */
  readonly reported: number;
}

/** One write-section child from `lba` to the end of the source, killed as `plan` says (or not). */
async function writeRound(
  address: string,
  source: Buffer,
  lba: number,
  plan: KillPlan | undefined,
): Promise<Round> {
  const child = start([
    'write-section',
    address,
    '-',
    '--lba',
    String(lba),
    '--blocks',
    String(TOTAL - lba),
    '--json',
  ]);
  // The kill cuts the pipe: the rest of the source is refused (EPIPE), which is expected here.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(source.subarray(lba * SECTOR));
  const timers: NodeJS.Timeout[] = [];
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const arm = (ms: number): void => {
    timers.push(setTimeout(kill, ms));
  };
  if (plan?.from === 'early') arm(plan.delayMs);
  let reported = -1;
  onJsonLines(child, (line) => {
    if (line.event !== 'update') return;
    const blocks = Number(line.blocksWritten);
    if (reported < 0 && plan?.from === 'start') arm(plan.delayMs);
    if (reported <= 0 && blocks > 0 && plan?.from === 'writing') arm(plan.delayMs);
    reported = Math.max(reported, blocks);
  });
  const run = await collectOpen(child);
  for (const t of timers) clearTimeout(t);
  return { run, reported: Math.max(0, reported) };
}

/** Every block of [from, to) reads back (READ(10)) equal to the source. */
async function readsEqual(
  recorder: DiscRecorder,
  source: Buffer,
  from: number,
  to: number,
): Promise<void> {
  for (let lba = from; lba < to; lba += READ_BLOCKS) {
    const n = Math.min(READ_BLOCKS, to - lba);
    const got = Buffer.from(await recorder.readBlocks(lba, n));
    const want = source.subarray(lba * SECTOR, (lba + n) * SECTOR);
    if (!got.equals(want)) {
      let k = 0;
      while (got.subarray(k * SECTOR, (k + 1) * SECTOR).equals(want.subarray(k * SECTOR))) k++;
      assert.fail(`LBA ${lba + k} does not read back as written (blocks [${from}, ${to}) must)`);
    }
  }
}

/**
 * After a round: checks the image against what the child reported and returns where the next
 * section starts (the NWA; on DVD-RAM the first block not known to be written).
 */
async function checkAfter(
  m: Medium,
  img: string,
  source: Buffer,
  lba: number,
  round: Round,
): Promise<number> {
  const reportedEnd = lba + round.reported;
  // A section that ran to the end (SYNCHRONIZE CACHE done) loses nothing.
  const killed = round.run.signal === 'SIGKILL';
  const mustHold = killed ? Math.max(0, reportedEnd - BUFFER_BLOCKS) : reportedEnd;
  const imageBytes = await stat(img).then(
    (st) => st.size,
    () => -1,
  );
  const sidecar = await readFile(`${img}.json`, 'utf8').catch(() => undefined);
  if (sidecar === undefined) {
    // Killed before the drive had made its disc: nothing may have been written or reported.
    assert.ok(imageBytes <= 0, `an image of ${imageBytes} bytes without a sidecar`);
    assert.equal(round.reported, 0);
    return lba;
  }
  const imageBlocks = Math.floor(imageBytes / SECTOR);
  if (m.sequential) {
    // The sidecar alone (before any recovery on opening) never describes blocks the image lacks.
    const side = JSON.parse(sidecar) as { disc: { tracks: { start: number; nwa: number }[] } };
    for (const t of side.disc.tracks) {
      assert.ok(
        t.nwa <= Math.max(t.start, imageBlocks),
        `sidecar NWA ${t.nwa}, image ${imageBlocks} blocks`,
      );
    }
  }
  const address = `virtual:${m.media}?image=${img}&maxTransfer=1m`;
  const recorder = await openRecorder(address);
  try {
    const info = await gatherInfo(recorder, address);
    if (!m.sequential) {
      assert.equal(info.media?.status, 'random-writable');
      const verified = Math.max(lba, mustHold);
      await readsEqual(recorder, source, 0, verified);
      return verified;
    }
    const nwa = info.nextWritableAddress;
    assert.ok(nwa !== null, `no NWA: ${JSON.stringify(info.unavailable)}`);
    assert.ok(
      nwa >= mustHold,
      `NWA ${nwa}, but ${reportedEnd} blocks were reported written (at most ${BUFFER_BLOCKS} may be lost)`,
    );
    assert.ok(nwa <= TOTAL, `NWA ${nwa} past the ${TOTAL} blocks written`);
    // What info says agrees with what reads back: everything before the NWA, nothing at it.
    await readsEqual(recorder, source, 0, nwa);
    if (nwa > 0) assert.equal(info.recorded?.blocks, nwa, 'READ CAPACITY against the NWA');
    else assert.equal(info.media?.status, 'blank');
    if (nwa < TOTAL) {
      await assert.rejects(recorder.readBlocks(nwa, 1), `LBA ${nwa} (the NWA) reads`);
    }
    // Nothing in the image past the NWA: a new section never writes a block a second time.
    assert.ok(imageBlocks <= nwa, `the image holds ${imageBlocks} blocks, the NWA is ${nwa}`);
    return nwa;
  } finally {
    await recorder.close();
  }
}

/** The kill rounds of one media, then the round to the end; returns the kills made. */
async function crashRounds(m: Medium, random: () => number, log: string[]): Promise<number> {
  const img = imagePath();
  const source = blocksOf(TOTAL, 3);
  const paced = `virtual:${m.media}?image=${img}&speed=${m.speed}&buffer=${BUFFER_BYTES / 1024}k`;
  let lba = 0;
  let kills = 0;
  for (let r = 0; r <= KILLS && lba < TOTAL; r++) {
    const plan = r < KILLS ? planKill(random) : undefined;
    // The last round writes the rest unpaced: only the kill rounds need the time.
    const address = plan === undefined ? `virtual:${m.media}?image=${img}` : paced;
    const round = await writeRound(address, source, lba, plan);
    const killed = round.run.signal === 'SIGKILL';
    log.push(
      `${m.media} round ${r}: from LBA ${lba}, kill ${plan === undefined ? 'none' : `${plan.from}+${plan.delayMs} ms`}, ` +
        `${killed ? 'killed' : `exit ${round.run.code}`}, ${round.reported} blocks reported`,
    );
    if (!killed) {
      assert.equal(round.run.code, 0, `write-section failed: ${round.run.stderr}`);
      assert.equal(lba + round.reported, TOTAL);
    } else {
      kills++;
    }
    lba = await checkAfter(m, img, source, lba, round);
  }
  assert.equal(lba, TOTAL, 'the last round wrote the rest of the source');
  return kills;
}

describe('crash consistency: write-section killed with SIGKILL', () => {
  it('every media keeps what was reported written, an NWA that reads back, and continues there', async (t) => {
    const seed = Number(process.env.DISCWRIGHT_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 32));
    t.diagnostic(`seed ${seed}`);
    const random = mulberry32(seed);
    const log: string[] = [];
    let kills = 0;
    try {
      for (const m of MEDIA) kills += await crashRounds(m, random, log);
      assert.ok(kills >= 20, `${kills} kill points`);
      for (const line of log) t.diagnostic(line);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(
        `crash test failed (DISCWRIGHT_CRASH_SEED=${seed} replays it): ${why}\n${log.join('\n')}`,
        { cause: e },
      );
    }
  });
});
