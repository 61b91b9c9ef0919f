// Closing the session again while it is still empty (CLOSE TRACK/SESSION function 010b on an
// appendable CD-R whose next session has nothing in it): the next session's track stays where the
// first close put it (after the first session's lead-out, the next lead-in and pre-gap), as it
// does after the disc is saved and loaded again (docs/virtual-drive.md, "Persistence").

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
import { closeTrackSession } from '../../../src/scsi/mmc/close-track-session.js';
import { reserveTrack } from '../../../src/scsi/mmc/reserve-track.js';
import { modeSelect10, encodeModeSelect10Data } from '../../../src/scsi/spc/mode-select-10.js';
import { encodeWriteParametersPage } from '../../../src/scsi/mmc/mode-pages/write-parameters.js';
import { scratchImages } from '../../helpers/images.js';

const { imagePath } = scratchImages('discwright-empty-session-');

describe('virtual CD-R: closing an empty session again', () => {
  it('leaves the next session where it was, live and after reopening', async () => {
    const address = `virtual:cd-r?image=${imagePath()}`;
    const d = await openVirtualDrive(address);
    let start: number;
    try {
      // Write Parameters: session-at-once, Mode 1, Multi-session 11b (a next session may follow).
      const page = encodeWriteParametersPage({
        ...d.control.media.writeParameters,
        writeType: 2,
        dataBlockType: 8,
        multiSession: 3,
      });
      const select = modeSelect10({ pf: true, data: encodeModeSelect10Data({ pages: [page] }) });
      assert.equal((await d.execute(select)).status, 0);
      assert.equal((await d.execute(reserveTrack({ arsv: false, reservationSize: 1 }))).status, 0);
      const close = closeTrackSession({ closeFunction: 2, logicalTrackNumber: 0 });
      assert.equal((await d.execute(close)).status, 0);
      const after1 = d.control.media.tracks.map((t) => [t.number, t.session, t.start]);
      // Track 1 (1 block) + lead-out 6750 + lead-in 4500 + pre-gap 150.
      assert.deepEqual(after1, [
        [1, 1, 0],
        [2, 2, 11401],
      ]);
      start = 11401;
      assert.equal((await d.execute(close)).status, 0);
      const after2 = d.control.media.tracks.map((t) => [t.number, t.session, t.start]);
      assert.deepEqual(after2, after1);
      assert.equal(d.control.media.sessions.length, 2);
    } finally {
      await d.close();
    }
    const again = await openVirtualDrive(address, { readOnly: true });
    try {
      assert.equal(again.control.media.tracks.at(-1)?.start, start);
    } finally {
      await again.close();
    }
  });
});
