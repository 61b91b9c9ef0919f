// A whole-disc burn on a real drive: runs only when DISCWRIGHT_TEST_DEVICE names one (e.g.
// /dev/sg1), as hardware.test.ts. A small ISO through DiscFormat2Data with FULL verification, on
// rewritable media by default (CD-RW and DVD-RW are erased first when they are not blank,
// formatted rewritable media are overwritten) and on a blank write-once disc only with
// DISCWRIGHT_TEST_ALLOW_WRITE_ONCE=1, which leaves it appendable. A sequential DVD-RW is written
// Disc-at-Once (RESERVE TRACK; closed), the only write a minimally blanked one takes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openRecorder } from '../../src/device/open.js';
import { BurnVerificationLevel, Format2DataMediaState as F } from '../../src/device/types.js';
import { DiscFormat2Data, DiscFormat2Erase } from '../../src/format/index.js';
import { isoImage } from '../helpers/iso.js';

const device = process.env.DISCWRIGHT_TEST_DEVICE;
const allowWriteOnce = process.env.DISCWRIGHT_TEST_ALLOW_WRITE_ONCE === '1';
const CLIENT = 'discwright hardware test';
/** CD-RW, DVD-RW sequential and restricted overwrite: BLANK makes them blank again. */
const ERASABLE = new Set([0x0a, 0x13, 0x14]);
/** Overwrite media: DVD-RAM, DVD-RW restricted overwrite, DVD+RW, BD-RE. */
const OVERWRITE = new Set([0x12, 0x13, 0x1a, 0x43]);

describe(
  'hardware burn (DiscFormat2Data)',
  { skip: device === undefined && 'set DISCWRIGHT_TEST_DEVICE' },
  () => {
    it('burns a small ISO with FULL verification', async (t) => {
      const recorder = await openRecorder(device!, { exclusive: { clientName: CLIENT } });
      try {
        const data = new DiscFormat2Data();
        await data.setRecorder(recorder);
        data.clientName = CLIENT;
        if (!(await data.isCurrentMediaSupported(recorder))) {
          t.skip('the loaded disc is not one the data writer writes');
          return;
        }
        const profile = await recorder.getCurrentProfile();
        const state = await data.getCurrentMediaStatus();
        const rewritable = ERASABLE.has(profile) || OVERWRITE.has(profile);
        if (!rewritable && (state & F.BLANK) === 0) {
          t.skip('refusing to write: the write-once disc is not blank');
          return;
        }
        if (!rewritable && !allowWriteOnce) {
          t.skip('blank write-once disc: set DISCWRIGHT_TEST_ALLOW_WRITE_ONCE=1 to write it');
          return;
        }
        if (ERASABLE.has(profile) && !OVERWRITE.has(profile) && (state & F.BLANK) === 0) {
          const erase = new DiscFormat2Erase();
          await erase.setRecorder(recorder);
          erase.clientName = CLIENT;
          await erase.eraseMedia();
        }
        data.forceOverwrite = true;
        data.disableConsumerDvdCompatibilityMode = true; // write-once media stay appendable
        // DVD-RW sequential after the minimal erase records Disc-at-Once only, which closes it.
        if (profile === 0x14) data.forceMediaToBeClosed = true;
        data.burnVerificationLevel = BurnVerificationLevel.FULL;
        const { bytes } = await isoImage();
        const r = await data.write(bytes);
        assert.equal(r.blocks, bytes.length / 2048);
        const after = await data.getCurrentMediaStatus();
        assert.equal(after & (F.DAMAGED | F.NON_EMPTY_SESSION), 0, `state ${after.toString(16)}`);
      } finally {
        await recorder.close();
      }
    });
  },
);
