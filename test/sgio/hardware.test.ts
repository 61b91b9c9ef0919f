// Hardware tests for the SG_IO transport. They run only when DISCWRIGHT_TEST_DEVICE names a drive
// (e.g. /dev/sg1): the shared transport conformance suite, then a small write / read-back on a
// rewritable disc. Write-once media are written only when blank and when
// DISCWRIGHT_TEST_ALLOW_WRITE_ONCE=1 says so, because the blocks written there stay forever.
// The suite runs without its recording tests (they need a fresh blank disc per test); it ejects
// and loads the disc only with DISCWRIGHT_TEST_EJECT=1, and DISCWRIGHT_TEST_LOADER=slot tells it
// the drive is slot-loading. A drive whose MMC model is known to be partial (tgt's emulated DVD+R
// behind the kernel's iSCSI initiator) is recognised from INQUIRY and gets the caps that describe
// it (test/conformance/known-drives.ts); every other drive is checked strictly.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { read10 } from '../../src/scsi/block/read-10.js';
import { synchronizeCache10 } from '../../src/scsi/block/synchronize-cache-10.js';
import { CloseFunction, closeTrackSession } from '../../src/scsi/mmc/close-track-session.js';
import { write10 } from '../../src/scsi/block/write-10.js';
import {
  GetConfigurationRt,
  decodeGetConfigurationData,
  getConfiguration,
} from '../../src/scsi/mmc/get-configuration.js';
import {
  DiscStatus,
  decodeReadDiscInformationData,
  readDiscInformation,
} from '../../src/scsi/mmc/read-disc-information.js';
import {
  INVISIBLE_TRACK_NUMBER,
  ReadTrackAddressType,
  decodeReadTrackInformationData,
  readTrackInformation,
} from '../../src/scsi/mmc/read-track-information.js';
import { decodeInquiryData, inquiry } from '../../src/scsi/spc/inquiry.js';
import { testUnitReady } from '../../src/scsi/spc/test-unit-ready.js';
import type { ScsiCommand, ScsiResult } from '../../src/scsi/command.js';
import { openSgioTransport } from '../../src/transport/sgio/index.js';
import type { Transport } from '../../src/transport/transport.js';
import { knownDrive, type KnownDrive } from '../conformance/known-drives.js';
import {
  CONFORMANCE_PROFILES,
  runTransportConformance,
  type ConformanceMedia,
} from '../conformance/transport-suite.js';

const device = process.env.DISCWRIGHT_TEST_DEVICE;
const allowWriteOnce = process.env.DISCWRIGHT_TEST_ALLOW_WRITE_ONCE === '1';

/** Profiles discwright may overwrite in a test: CD-RW, DVD-RAM, DVD-RW (RO, seq), DVD+RW, BD-RE. */
const REWRITABLE = new Set([0x0a, 0x12, 0x13, 0x14, 0x1a, 0x43]);
/** Profiles written at any LBA (no next writable address). */
const RANDOM_WRITABLE = new Set([0x12, 0x13, 0x1a, 0x43]);
const CD_PROFILES = new Set([0x08, 0x09, 0x0a]);

async function good(t: Transport, command: ScsiCommand): Promise<ScsiResult> {
  const r = await t.execute(command, { timeoutMs: 120_000 });
  const sense = Buffer.from(r.sense).toString('hex');
  assert.equal(r.status, 0, `${command.name} answered status ${r.status}, sense ${sense}`);
  return r;
}

/** What INQUIRY says the drive is: a known partial model, or undefined for a real drive. */
async function identify(tr: Transport): Promise<KnownDrive | undefined> {
  const data = decodeInquiryData((await good(tr, inquiry({ allocationLength: 96 }))).dataIn);
  return knownDrive(data.vendorIdentification, data.productIdentification);
}

/** The suite's name for the disc in the drive, or why the suite cannot run on it. */
async function loadedMedia(
  path: string,
): Promise<{ media: ConformanceMedia; known: KnownDrive | undefined } | { why: string }> {
  const tr = await openSgioTransport(path);
  try {
    // The first command may meet a unit attention (new medium, reset); one TUR consumes it.
    await tr.execute(testUnitReady(), { timeoutMs: 120_000 });
    const known = await identify(tr);
    const r = await good(
      tr,
      getConfiguration({ rt: GetConfigurationRt.CURRENT, allocationLength: 8 }),
    );
    const profile = decodeGetConfigurationData(r.dataIn).currentProfile;
    const media = (Object.keys(CONFORMANCE_PROFILES) as ConformanceMedia[]).find(
      (m) => CONFORMANCE_PROFILES[m] === profile,
    );
    if (media === undefined) {
      return { why: `profile 0x${profile.toString(16)} is not a recordable disc the suite knows` };
    }
    return { media, known };
  } finally {
    await tr.close();
  }
}

if (device === undefined) {
  describe('SG_IO hardware', () => {
    it('skipped: set DISCWRIGHT_TEST_DEVICE=/dev/sgN to run against a drive', (t) => {
      t.skip('DISCWRIGHT_TEST_DEVICE is not set');
    });
  });
} else {
  // A drive that cannot be opened fails the suite's registration as a test, not the file load.
  const loaded = await loadedMedia(device).catch((e: unknown) => ({ error: e }));
  if ('error' in loaded) {
    describe(`transport conformance: sgio ${device}`, () => {
      it('opens the drive', () => {
        throw loaded.error;
      });
    });
  } else if ('why' in loaded) {
    describe(`transport conformance: sgio ${device}`, () => {
      it('skipped: no disc the suite knows', (t) => t.skip(loaded.why));
    });
  } else {
    const name = loaded.known === undefined ? '' : ` (${loaded.known.name})`;
    runTransportConformance(`sgio ${device}${name}`, () => openSgioTransport(device), {
      nwaEnforcement: true,
      gesn: true,
      readBeforeClose: true,
      ...loaded.known?.caps,
      media: loaded.media,
      ejectLoad: process.env.DISCWRIGHT_TEST_EJECT === '1',
      // One disc stays in the drive: the tests that record on a fresh blank disc cannot run.
      recording: false,
      loader: process.env.DISCWRIGHT_TEST_LOADER === 'slot' ? 'slot' : 'tray',
    });
  }

  describe(`SG_IO hardware: ${device}`, () => {
    it('identifies an MMC drive', async () => {
      const tr = await openSgioTransport(device);
      try {
        const data = decodeInquiryData((await good(tr, inquiry({ allocationLength: 96 }))).dataIn);
        assert.equal(data.peripheralDeviceType, 5, 'not an MMC (CD/DVD/BD) device');
      } finally {
        await tr.close();
      }
    });

    it('writes 16 blocks and reads them back', async (t) => {
      const tr = await openSgioTransport(device);
      try {
        await tr.exclusiveAccess?.acquire(false, 'discwright hardware test');
        await good(tr, testUnitReady());
        const config = decodeGetConfigurationData(
          (
            await good(
              tr,
              getConfiguration({ rt: GetConfigurationRt.CURRENT, allocationLength: 8 }),
            )
          ).dataIn,
        );
        const profile = config.currentProfile;
        const disc = decodeReadDiscInformationData((await good(tr, readDiscInformation())).dataIn);
        if (CD_PROFILES.has(profile)) {
          t.skip('CD media need write parameters (mode page 05h); use a DVD or BD disc');
          return;
        }
        if (!REWRITABLE.has(profile)) {
          if (disc.discStatus !== DiscStatus.EMPTY) {
            t.skip(`refusing to write: write-once disc (profile ${profile}) is not blank`);
            return;
          }
          if (!allowWriteOnce) {
            t.skip('blank write-once disc: set DISCWRIGHT_TEST_ALLOW_WRITE_ONCE=1 to write it');
            return;
          }
        }
        let lba = 0;
        if (!RANDOM_WRITABLE.has(profile)) {
          const track = decodeReadTrackInformationData(
            (
              await good(
                tr,
                readTrackInformation({
                  addressNumberType: ReadTrackAddressType.TRACK,
                  address: INVISIBLE_TRACK_NUMBER,
                }),
              )
            ).dataIn,
          );
          assert.ok(track.nwaV, 'the drive reports no next writable address');
          lba = track.nextWritableAddress;
        }
        const blocks = 16;
        const data = Uint8Array.from(
          { length: blocks * 2048 },
          (_, i) => (i * 7 + (i >> 11)) & 0xff,
        );
        await good(tr, write10({ lba, transferLength: blocks, data }));
        await good(tr, synchronizeCache10());
        if ((await identify(tr))?.caps.readBeforeClose === false) {
          // This model reads only what a closed track holds (it is a blank write-once disc here).
          const track = { closeFunction: CloseFunction.CLOSE_TRACK, logicalTrackNumber: 1 };
          await good(tr, closeTrackSession(track));
          await good(tr, closeTrackSession({ closeFunction: CloseFunction.CLOSE_SESSION }));
        }
        const back = await good(tr, read10({ lba, transferLength: blocks, blockSize: 2048 }));
        assert.equal(back.residual, 0);
        assert.deepEqual(back.dataIn, data);
      } finally {
        await tr.close();
      }
    });
  });
}
