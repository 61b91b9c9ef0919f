// Sense-specific hints (src/device/sense-hints.ts): an unformatted DVD+RW or BD-RE answers a WRITE
// with 05/30/10 MEDIUM NOT FORMATTED, which maps to E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE; the error
// must say to format the disc, not to use another disc type (issue #15). Through the virtual
// drive at the CDB level, on the recorder's command path and on the engine's WRITE path.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DiscRecorder } from '../../src/device/recorder.js';
import { WriteEngine } from '../../src/engine/index.js';
import { DwError, HR, hrHint } from '../../src/errors.js';
import { failureError, senseVerdict } from '../../src/device/sense-policy.js';
import { write10 } from '../../src/scsi/block/write-10.js';
import { openVirtualDrive } from '../../src/testing/index.js';

const FORMAT_HINT = /^The disc is not formatted: format it first/;

async function recorderFor(media: string): Promise<DiscRecorder> {
  return DiscRecorder.fromTransport(await openVirtualDrive(`virtual:${media}`));
}

function assertNotFormatted(e: unknown): true {
  assert.ok(e instanceof DwError);
  assert.equal(e.hr, HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);
  assert.deepEqual([e.senseInfo?.key, e.senseInfo?.asc, e.senseInfo?.ascq], [5, 0x30, 0x10]);
  assert.match(e.hint ?? '', FORMAT_HINT);
  assert.match(e.describe(), /what to do: The disc is not formatted/);
  return true;
}

describe('an unformatted rewritable disc', () => {
  for (const media of ['dvd+rw', 'bd-re']) {
    it(`${media}: a WRITE(10) through the recorder fails with the format hint`, async () => {
      const r = await recorderFor(media);
      try {
        const data = new Uint8Array(16 * 2048);
        await assert.rejects(
          r.executeCommand(write10({ lba: 0, transferLength: 16, data })),
          assertNotFormatted,
        );
      } finally {
        await r.close();
      }
    });

    it(`${media}: the engine's section fails with the format hint`, async () => {
      const r = await recorderFor(media);
      try {
        const engine = new WriteEngine();
        await engine.setRecorder(r);
        engine.bytesPerSector = 2048;
        await assert.rejects(
          engine.writeSection(new Uint8Array(64 * 2048), 0, 64),
          assertNotFormatted,
        );
      } finally {
        await r.close();
      }
    });
  }

  it('another 05/30/xx keeps the HRESULT hint: the format hint is for 30/10 only', () => {
    // 05/30/00 INCOMPATIBLE MEDIUM INSTALLED, fixed sense built by hand.
    const sense = Uint8Array.of(0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x30, 0x00, 0, 0, 0, 0);
    const v = senseVerdict(sense, 0x2a, 'helper', 1, 'WRITE(10)');
    assert.equal(v.action, 'fail');
    if (v.action !== 'fail') return;
    const e = failureError(
      write10({ lba: 0, transferLength: 1, data: new Uint8Array(2048) }),
      v.failure,
    );
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);
    assert.equal(e.hint, hrHint(HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE));
    assert.doesNotMatch(e.hint ?? '', FORMAT_HINT);
  });
});
