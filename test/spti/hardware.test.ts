// Hardware smoke test for the SPTI transport. It runs only on Windows when
// DISCWRIGHT_TEST_DEVICE names a drive there (`D:` or `\\.\CdRom0`), from an elevated prompt. It
// writes nothing: it checks what the rest of the tests can only assume about Windows — that the
// drive resolves to its CD-ROM device interface, answers pass-through commands from the native
// buffers, that exclusive access locks the volume and the drive (and shuts out a second handle),
// and that listing drives leaves them alone. Leave a disc in the drive with no files open on it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError, HR } from '../../src/errors.js';
import { GetConfigurationRt, getConfiguration } from '../../src/scsi/mmc/get-configuration.js';
import { decodeInquiryData, inquiry } from '../../src/scsi/spc/inquiry.js';
import { testUnitReady } from '../../src/scsi/spc/test-unit-ready.js';
import { listWindowsRecorders } from '../../src/transport/spti/discovery.js';
import { parseWindowsDriveAddress } from '../../src/transport/spti/address.js';
import type { WindowsExclusiveAccess } from '../../src/transport/spti/exclusive.js';
import { openSptiTransport } from '../../src/transport/spti/transport.js';

const device = process.env.DISCWRIGHT_TEST_DEVICE ?? '';
const skip =
  process.platform !== 'win32'
    ? 'Windows only'
    : parseWindowsDriveAddress(device) === undefined
      ? 'set DISCWRIGHT_TEST_DEVICE to a Windows drive (D: or \\\\.\\CdRom0)'
      : false;

describe(`SPTI on ${device || 'a Windows drive'}`, { skip }, () => {
  it('answers INQUIRY, TEST UNIT READY and GET CONFIGURATION through page-aligned buffers', async () => {
    const t = await openSptiTransport(device);
    try {
      const l = t.limits();
      assert.ok(l.maxPageAlignedTransferBytes >= 4096, JSON.stringify(l));
      assert.match(t.platform?.().volumeName ?? '', /^\\\\\?\\/);
      const q = await t.execute(inquiry());
      assert.equal(q.status, 0);
      assert.equal(decodeInquiryData(q.dataIn).peripheralDeviceType, 5);
      const ready = await t.execute(testUnitReady());
      assert.ok(
        ready.status === 0 || ready.sense.length > 0,
        'GOOD, or CHECK CONDITION with sense',
      );
      const c = await t.execute(
        getConfiguration({
          rt: GetConfigurationRt.ALL,
          startingFeatureNumber: 0,
          allocationLength: 8,
        }),
      );
      assert.equal(c.status, 0);
      assert.equal(c.dataIn.length, 8);
    } finally {
      await t.close();
    }
  });

  it('exclusive access locks the drive against a second handle and is released', async () => {
    const a = await openSptiTransport(device);
    const b = await openSptiTransport(device);
    try {
      await a.exclusiveAccess!.acquire(false, 'discwright hardware test');
      assert.deepEqual((a.exclusiveAccess as WindowsExclusiveAccess).ignoredVolumes, []);
      assert.equal(await b.exclusiveAccess!.owner(), 'discwright hardware test');
      await assert.rejects(
        b.exclusiveAccess!.acquire(false, 'second'),
        (e: unknown) => e instanceof DwError && e.hr === HR.E_IMAPI_RECORDER_LOCKED,
      );
      await assert.rejects(
        b.execute(inquiry()),
        (e: unknown) => e instanceof DwError && e.hr === HR.E_IMAPI_RECORDER_LOCKED,
      );
      assert.equal((await a.execute(inquiry())).status, 0);
      await a.exclusiveAccess!.release();
      assert.equal(await b.exclusiveAccess!.owner(), '');
      assert.equal((await b.execute(inquiry())).status, 0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lists the drive', async () => {
    const list = await listWindowsRecorders();
    const target = parseWindowsDriveAddress(device)!;
    const found = list.find((r) =>
      target.driveLetter !== undefined
        ? r.driveLetters.includes(`${target.driveLetter}:`)
        : r.legacyDeviceNumber === target.cdromNumber,
    );
    assert.ok(found, JSON.stringify(list, null, 2));
    assert.match(found.interfacePath, /\{53f56308-b6bf-11d0-94f2-00a0c91efb8b\}$/i);
    assert.equal(found.problem, undefined);
  });
});
