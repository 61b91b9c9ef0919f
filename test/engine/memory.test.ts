// Memory bound: a 1 GiB section to an image-backed virtual BD-R at full speed keeps the process
// under 150 MB, because the engine stages data in its fixed slot pool and passes views.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRecorder } from '../../src/device/open.js';
import { WriteEngine, type BlockReader } from '../../src/engine/index.js';

it('writes a 1 GiB section with a peak RSS under 150 MB', async () => {
  const baseline = process.memoryUsage().rss;
  const dir = await mkdtemp(join(tmpdir(), 'dw-mem-'));
  try {
    const image = join(dir, 'disc.img');
    const recorder = await openRecorder(`virtual:bd-r?image=${image}&speed=max`);
    const engine = new WriteEngine();
    await engine.setRecorder(recorder);
    engine.bytesPerSector = 2048;
    const blocks = 512 * 1024;
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 20);
    engine.on('update', sample);
    let chunk = 0;
    const source: BlockReader = {
      readInto(dst) {
        dst.fill(chunk++ & 0xff);
        return Promise.resolve(dst.length);
      },
    };
    try {
      await engine.writeSection(source, 0, blocks);
    } finally {
      clearInterval(timer);
      sample();
    }
    const last = await recorder.readBlocks(blocks - 1, 1).catch(() => undefined);
    await recorder.close();
    assert.ok((await stat(image)).size >= blocks * 2048 || last !== undefined);
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    // Run from TypeScript source the loader itself holds some 40 MB more; the growth bound
    // applies everywhere, the absolute bound to the compiled package.
    assert.ok(
      peak - baseline < 110 * 1024 * 1024,
      `RSS grew ${mb(peak - baseline)} from ${mb(baseline)}`,
    );
    if (!import.meta.url.endsWith('.ts'))
      assert.ok(peak < 150 * 1024 * 1024, `peak RSS ${mb(peak)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
