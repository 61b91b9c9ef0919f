// The SPTI transport's logic over a double of Windows (fake-windows.ts), on any OS with koffi:
// what it opens and how, the native memory it hands to DeviceIoControl (page-aligned data, the
// pass-through structure, freed only after the last call returned), cancellation, exclusive
// access with volume locking, and query-only drive listing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError, HR } from '../../src/errors.js';
import type { ScsiCommand } from '../../src/scsi/command.js';
import { listWindowsRecordersWith } from '../../src/transport/spti/discovery.js';
import {
  FORCED_OVER_FILE_SYSTEM,
  type WindowsExclusiveAccess,
} from '../../src/transport/spti/exclusive.js';
import { openSptiTransportWith } from '../../src/transport/spti/transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { h } from '../helpers/bytes.js';
import { koffi, skipWithoutKoffi as skip } from '../helpers/koffi.js';
import { CODE, FakeWindows, W, fakeDrive, type FakeDrive, type Reply } from './fake-windows.js';

const isDw = (hr: number, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof DwError, String(e));
  assert.equal(e.code, new DwError(hr).code, e.message);
  if (re !== undefined) assert.match(e.message, re);
  return true;
};

const inquiry: ScsiCommand = {
  name: 'INQUIRY',
  cdb: h('12 00 00 00 24 00'),
  direction: 'in',
  allocationLength: 36,
};
const write10 = (bytes: Uint8Array): ScsiCommand => ({
  name: 'WRITE(10)',
  cdb: h('2A 00 00000000 00 0000 00'),
  direction: 'out',
  dataOut: bytes,
});

function setup(drive: Partial<FakeDrive> = {}, more: FakeDrive[] = []) {
  const d = fakeDrive(drive);
  const win = new FakeWindows(koffi!, [d, ...more]);
  return { d, win };
}

/** A reply the test releases; records whether CancelIoEx reached it meanwhile. */
function deferred() {
  let release!: (r: Reply) => void;
  const promise = new Promise<Reply>((r) => (release = r));
  return { promise, release };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('SPTI transport: opening', { skip }, () => {
  it('resolves D: query-only and sends commands through the CD-ROM device interface', async () => {
    const { d, win } = setup();
    const t = await openSptiTransportWith(win, 'D:');
    try {
      // Every open of the volume or \\.\CdRomN was query-only; the one read/write open is the
      // interface, so no file system was mounted on the disc.
      for (const o of win.opens) {
        if (o.path !== d.interfacePath) assert.equal(o.access, 0, o.path);
      }
      const rw = win.opens.filter((o) => o.access !== 0);
      assert.deepEqual(
        rw.map((o) => o.path),
        [d.interfacePath],
      );
      assert.equal(rw[0]!.access >>> 0, 0xc0000000);
      assert.equal(d.mounted, false);
      assert.deepEqual(t.platform?.(), {
        volumeName: '\\\\?\\Volume{000000068-0000-0000-0000-000000000000}\\',
        volumePathNames: ['D:\\'],
        legacyDeviceNumber: 0,
      });
      assert.equal(t.limits().busType, 'sata');
    } finally {
      await t.close();
    }
    assert.equal(win.handles.size, 0, 'every handle closed');
    assert.ok(win.allFreed(), 'every native buffer freed');
    assert.deepEqual(win.violations, []);
  });

  it('\\\\.\\CdRom1 finds its letters; a non-drive address fails before any command', async () => {
    const { win } = setup({}, [
      fakeDrive({ number: 1, letters: ['F'], interfacePath: '\\\\?\\usbstor#cdrom#2#{53f5…}' }),
    ]);
    const t = await openSptiTransportWith(win, '\\\\.\\CdRom1');
    assert.deepEqual(t.platform?.().volumePathNames, ['F:\\']);
    await t.close();
    await assert.rejects(
      openSptiTransportWith(win, 'Q:'),
      isDw(HR.ERROR_DEV_NOT_EXIST, /no such drive: Q:/),
    );
    assert.ok(win.allFreed());
  });
});

describe('SPTI transport: pass-through memory', { skip }, () => {
  it('INQUIRY: the structure, a page-aligned data buffer, data-in copied out', async () => {
    const answer = Uint8Array.from({ length: 36 }, (_, i) => i + 1);
    const { win } = setup({ respond: () => ({ status: 0, dataIn: answer.subarray(0, 20) }) });
    const t = await openSptiTransportWith(win, 'D:');
    const r = await t.execute(inquiry, { timeoutMs: 9_500 });
    await t.close();
    const pt = win.passThroughs[0]!;
    assert.deepEqual(pt.cdb, inquiry.cdb);
    assert.equal(pt.dataIn, 1); // SCSI_IOCTL_DATA_IN
    assert.equal(pt.length, 36);
    assert.equal(pt.timeOutValue, 10);
    assert.equal(pt.senseInfoLength, 32);
    assert.equal(pt.dataBuffer % 4096n, 0n);
    assert.deepEqual(r.dataIn, answer.subarray(0, 20));
    assert.equal(r.residual, 16);
    assert.deepEqual(win.violations, []);
  });

  it('a full chunk at the page-aligned limit fits the adapter; the limit comes from its pages', async () => {
    // 17 physical pages and 1 MiB: 68 KiB from a page-aligned buffer, one page less otherwise.
    const adapter = {
      maximumTransferLength: 0x100000,
      maximumPhysicalPages: 17,
      alignmentMask: 3,
      busType: 7,
    };
    const { win } = setup({ adapter });
    const t = await openSptiTransportWith(win, 'D:');
    const l = t.limits();
    assert.equal(l.maxPageAlignedTransferBytes, 17 * 4096);
    assert.equal(l.maxNonPageAlignedTransferBytes, 16 * 4096);
    assert.equal(l.alignment, 4);
    const data = Uint8Array.from({ length: l.maxPageAlignedTransferBytes }, (_, i) => i * 7);
    const r = await t.execute(write10(data));
    assert.equal(r.status, 0);
    const pt = win.passThroughs[0]!;
    assert.equal(pt.dataIn, 0); // SCSI_IOCTL_DATA_OUT
    assert.equal(pt.dataBuffer % 4096n, 0n);
    assert.deepEqual(pt.dataOut, data);
    await assert.rejects(
      t.execute(write10(new Uint8Array(l.maxPageAlignedTransferBytes + 1))),
      isDw(HR.E_INVALIDARG, /transfer limit/),
    );
    assert.equal(win.passThroughs.length, 1, 'nothing sent for the oversized command');
    await t.close();
    assert.deepEqual(win.violations, []);
  });

  it('an adapter alignment above a page aligns the data buffer to it', async () => {
    const adapter = {
      maximumTransferLength: 0x10000,
      maximumPhysicalPages: 16,
      alignmentMask: 0x1fff,
      busType: 1,
    };
    const { win } = setup({ adapter });
    const t = await openSptiTransportWith(win, 'D:');
    for (const n of [1, 512, 0x10000]) {
      assert.equal((await t.execute(write10(new Uint8Array(n)))).status, 0, `${n} bytes`);
    }
    await t.close();
    for (const pt of win.passThroughs) assert.equal(pt.dataBuffer % 8192n, 0n);
  });

  it('CHECK CONDITION keeps the sense; ERROR_MORE_DATA still returns the data', async () => {
    const sense = h('70 00 05 00000000 0A 00000000 24 00 00 000000');
    const replies: Reply[] = [
      { status: 2, sense },
      { error: W.ERROR_MORE_DATA, dataIn: new Uint8Array(40).fill(9) },
    ];
    const { win } = setup({ respond: () => replies.shift()! });
    const t = await openSptiTransportWith(win, 'D:');
    const a = await t.execute(inquiry);
    assert.equal(a.status, 2);
    assert.deepEqual(a.sense, sense);
    const b = await t.execute(inquiry);
    assert.equal(b.status, 0);
    assert.deepEqual(b.dataIn, new Uint8Array(36).fill(9));
    assert.equal(b.sense.length, 0);
    await t.close();
  });

  it('maps refusals: held elsewhere, driver stopping, buffer refused', async () => {
    const errors = [W.ERROR_ACCESS_DENIED, W.ERROR_BAD_COMMAND, 1784];
    const { win } = setup({ respond: () => ({ error: errors.shift()! }) });
    const t = await openSptiTransportWith(win, 'D:');
    await assert.rejects(t.execute(inquiry), isDw(HR.E_IMAPI_RECORDER_LOCKED, /exclusive access/));
    await assert.rejects(t.execute(inquiry), isDw(HR.ERROR_IO_DEVICE, /not in a state/));
    await assert.rejects(t.execute(inquiry), isDw(HR.E_INVALIDARG, /data buffer/));
    await t.close();
  });
});

describe('SPTI transport: cancellation', { skip }, () => {
  it('an abort calls CancelIoEx, rejects at once, and the call still holds memory and gate', async () => {
    const first = deferred();
    const replies: (Reply | Promise<Reply>)[] = [first.promise, { status: 0 }];
    const { win } = setup({ respond: () => replies.shift()! });
    const t = await openSptiTransportWith(win, 'D:');
    const ac = new AbortController();
    const running = t.execute(inquiry, { signal: ac.signal });
    await tick();
    assert.equal(win.passThroughs.length, 1);
    ac.abort();
    await assert.rejects(running, isDw(HR.E_IMAPI_REQUEST_CANCELLED));
    assert.deepEqual(win.cancels, [fakeDrive().interfacePath]);
    assert.equal(win.passThroughs[0]!.cancelled, true);

    // The next command and close wait for the call Windows has not returned yet.
    const next = t.execute(inquiry);
    let closed = false;
    const closing = next.then(() => t.close()).then(() => (closed = true));
    await tick();
    assert.equal(win.passThroughs.length, 1, 'the next command waits');
    assert.equal(win.allFreed(), false);
    // A port driver that already sent the CDB completes it anyway: the drive executed it.
    first.release({ status: 0, dataIn: new Uint8Array(36) });
    await closing;
    assert.equal(closed, true);
    assert.equal(win.passThroughs.length, 2);
    assert.ok(win.allFreed());
    assert.deepEqual(win.violations, [], 'no write into freed memory');
  });

  it('close during a call whose caller gave up waits for the call before freeing', async () => {
    const first = deferred();
    const { win } = setup({ respond: () => first.promise });
    const t: Transport = await openSptiTransportWith(win, 'D:');
    const ac = new AbortController();
    const running = t.execute(inquiry, { signal: ac.signal });
    await tick();
    ac.abort();
    await assert.rejects(running, isDw(HR.E_IMAPI_REQUEST_CANCELLED));
    const closing = [t.close(), t.close()];
    await tick();
    assert.equal(win.inFlight, 1);
    assert.equal(win.allFreed(), false);
    first.release({ error: W.ERROR_OPERATION_ABORTED });
    await Promise.all(closing);
    await t.close();
    assert.ok(win.allFreed());
    assert.equal(win.handles.size, 0);
    assert.deepEqual(win.violations, [], 'each handle closed once, no freed memory touched');
    await assert.rejects(t.execute(inquiry), isDw(HR.ERROR_INVALID_HANDLE));
  });
});

describe('SPTI transport: exclusive access', { skip }, () => {
  const lockRequests = (win: FakeWindows) =>
    win.controls
      .filter((c) => c.code === CODE.CDROM_EXCLUSIVE_ACCESS && c.input[0] === 1)
      .map((c) => new DataView(c.input.buffer, c.input.byteOffset).getUint32(4, true));
  const codes = (win: FakeWindows) => win.controls.map((c) => c.code);

  it('no file system: locks the drive without CDROM_LOCK_IGNORE_VOLUME; a second client is refused by name', async () => {
    const { d, win } = setup({ disc: false });
    const a = await openSptiTransportWith(win, 'D:');
    const b = await openSptiTransportWith(win, '\\\\.\\CdRom0');
    await a.exclusiveAccess!.acquire(false, 'discwright test');
    assert.deepEqual(lockRequests(win), [0]);
    assert.equal(d.lockOwner?.name, 'discwright test');
    assert.equal(await b.exclusiveAccess!.owner(), 'discwright test');
    await assert.rejects(
      b.exclusiveAccess!.acquire(true, 'other'),
      isDw(HR.E_IMAPI_RECORDER_LOCKED, /held by 'discwright test'/),
    );
    await a.exclusiveAccess!.release();
    assert.equal(d.lockOwner, undefined);
    await a.close();
    await b.close();
    assert.equal(win.handles.size, 0);
  });

  it('a mounted disc: locks and dismounts the volume first, keeps it locked until release', async () => {
    const { d, win } = setup({ mounted: true });
    const t = await openSptiTransportWith(win, 'D:');
    await t.exclusiveAccess!.acquire(false, 'discwright');
    const sequence = codes(win).filter(
      (c) => c !== CODE.QUERY_PROPERTY && c !== CODE.GET_DEVICE_NUMBER,
    );
    assert.deepEqual(sequence, [
      CODE.CDROM_EXCLUSIVE_ACCESS, // query state: nobody else holds it
      CODE.FSCTL_LOCK_VOLUME,
      CODE.FSCTL_DISMOUNT_VOLUME,
      CODE.CDROM_EXCLUSIVE_ACCESS, // lock
    ]);
    assert.deepEqual(lockRequests(win), [0]);
    assert.equal(d.mounted, false);
    assert.notEqual(d.volumeLockedBy, undefined);
    assert.equal(win.handles.get(d.volumeLockedBy!)?.path, '\\\\.\\D:');
    await t.exclusiveAccess!.release();
    assert.equal(d.volumeLockedBy, undefined);
    assert.equal(d.lockOwner, undefined);
    assert.equal(win.handles.size, 1, 'the volume handle is closed');
    await t.close();
  });

  it('files open on the disc: refused without force, nothing left locked', async () => {
    const { d, win } = setup({ mounted: true, openFiles: true });
    const t = await openSptiTransportWith(win, 'D:');
    await assert.rejects(
      t.exclusiveAccess!.acquire(false, 'discwright'),
      isDw(
        HR.E_ACCESSDENIED,
        /mounted and could not be locked \(files on \\\\\.\\D: are open \[ERROR_ACCESS_DENIED\]\)/,
      ),
    );
    assert.deepEqual(lockRequests(win), [0], 'CDROM_LOCK_IGNORE_VOLUME never sent');
    assert.equal(d.lockOwner, undefined);
    assert.equal(d.volumeLockedBy, undefined);
    assert.equal(win.handles.size, 1);
    await t.close();
  });

  it('files open on the disc with force: ignores the volume and says so', async () => {
    const { d, win } = setup({ mounted: true, openFiles: true });
    const t = await openSptiTransportWith(win, 'D:');
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await t.exclusiveAccess!.acquire(true, 'discwright');
      await tick();
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(lockRequests(win), [0, 1]);
    assert.equal(d.lockOwner?.name, 'discwright');
    const ex = t.exclusiveAccess as WindowsExclusiveAccess;
    assert.deepEqual(ex.ignoredVolumes, ['\\\\.\\D:']);
    const w = warnings.find((x) => (x as { code?: string }).code === FORCED_OVER_FILE_SYSTEM);
    assert.ok(w, 'a process warning names the forced lock');
    assert.match(w.message, /forced over a mounted file system \(files on \\\\\.\\D: are open/);
    await t.close();
    assert.equal(d.lockOwner, undefined);
    assert.deepEqual(ex.ignoredVolumes, []);
  });

  it('another program holds the drive: refused by name before any volume is touched', async () => {
    const { win } = setup({ mounted: true, lockOwner: { handle: undefined, name: 'IMAPI2' } });
    const t = await openSptiTransportWith(win, 'D:');
    assert.equal(await t.exclusiveAccess!.owner(), 'IMAPI2');
    await assert.rejects(
      t.exclusiveAccess!.acquire(true, 'discwright'),
      isDw(HR.E_IMAPI_RECORDER_LOCKED, /held by 'IMAPI2'/),
    );
    assert.ok(!codes(win).includes(CODE.FSCTL_LOCK_VOLUME));
    assert.ok(!codes(win).includes(CODE.FSCTL_DISMOUNT_VOLUME));
    await t.close();
  });
});

describe('SPTI drive listing', { skip }, () => {
  it('opens nothing for data access, mounts nothing, and lists by device number', async () => {
    const second = fakeDrive({
      number: 1,
      letters: ['E', 'G'],
      interfacePath: '\\\\?\\scsi#cdrom#1#{53f56308-b6bf-11d0-94f2-00a0c91efb8b}',
      vendor: 'ASUS',
      product: 'BW-16D1HT',
      revision: '3.10',
    });
    const { d, win } = setup({}, [second]);
    win.drives.reverse();
    const list = await listWindowsRecordersWith(win);
    assert.ok(win.opens.length > 0);
    for (const o of win.opens) assert.equal(o.access, 0, o.path);
    assert.equal(d.mounted, false);
    assert.equal(second.mounted, false);
    assert.deepEqual(
      list.map((r) => [r.path, r.devicePath, r.driveLetters, r.vendor, r.model, r.busType]),
      [
        ['D:', '\\\\.\\CdRom0', ['D:'], 'HL-DT-ST', 'DVDRAM GH24NSD1', 'sata'],
        ['E:', '\\\\.\\CdRom1', ['E:', 'G:'], 'ASUS', 'BW-16D1HT', 'sata'],
      ],
    );
    assert.ok(list.every((r) => r.problem === undefined));
    assert.equal(win.handles.size, 0);
    assert.ok(win.allFreed());
  });
});
