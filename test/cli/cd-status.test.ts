// `discwright info` of virtual CD-Rs spawned as a user runs it: the capacity READ DISC
// INFORMATION gives in MSF on CD is shown as blocks (a blank 80-minute CD-R: lead-out at most at
// 79:59:74, LBA 359849), in the text and in --json.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../helpers/cli.js';

describe('discwright info on a CD', () => {
  it('shows the last possible lead-out of a blank CD-R as an LBA, not as MSF bytes', async () => {
    const text = await run(['info', 'virtual:cd-r']);
    assert.equal(text.code, 0, text.stderr.toString());
    // 79:59:74 read as a 32-bit LBA would be 0x004F3B4A = 5192522 blocks.
    assert.match(text.stdout.toString(), /^capacity: +359849 blocks \(737 MB\)$/m);
    const json = await run(['info', 'virtual:cd-r', '--json']);
    assert.equal(json.code, 0, json.stderr.toString());
    const report = JSON.parse(json.stdout.toString()) as { media: { capacityBlocks: number } };
    assert.equal(report.media.capacityBlocks, 359849);
  });
});
