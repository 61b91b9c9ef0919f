// Exclusive access taken while a recorder opens (DiscRecorderOptions.exclusive): the lock comes
// before the first command reaches the transport, a refusal sends nothing and closes the
// transport, a failure after the lock lets it go, and over the image-backed virtual drive a
// second recorder is refused with the holder named. Also the EBUSY message of a local drive.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DiscRecorder } from '../../src/device/recorder.js';
import { openRecorder } from '../../src/device/open.js';
import { DwError, HR } from '../../src/errors.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { openVirtualDrive } from '../../src/transport/emulated/index.js';
import { errnoError } from '../../src/transport/sgio/errno.js';
import type { Transport } from '../../src/transport/transport.js';
import { scratchImages } from '../helpers/images.js';
import { rejectsWith } from '../helpers/recorder.js';

const { imagePath } = scratchImages('discwright-excl-open-');

interface Recording {
  readonly transport: Transport;
  /** Everything that reached the transport, in order. */
  readonly calls: string[];
}

/** A virtual drive behind a wrapper that records each command and exclusive-access call. */
async function recording(
  address: string,
  o: { refuse?: DwError; failCommands?: boolean } = {},
): Promise<Recording> {
  const drive = await openVirtualDrive(address, { clock: new VirtualClock() });
  const calls: string[] = [];
  const hooks = drive.exclusiveAccess;
  const transport: Transport = {
    address: drive.address,
    execute(c, opts) {
      calls.push(c.name);
      if (o.failCommands === true) return Promise.reject(new DwError(HR.ERROR_IO_DEVICE));
      return drive.execute(c, opts);
    },
    limits: () => drive.limits(),
    async close() {
      calls.push('close');
      await drive.close();
    },
    exclusiveAccess: {
      async acquire(force, clientName) {
        calls.push(`acquire ${String(force)} ${clientName}`);
        if (o.refuse !== undefined) throw o.refuse;
        await hooks.acquire(force, clientName);
      },
      async release() {
        calls.push('release');
        await hooks.release();
      },
      owner: () => hooks.owner(),
    },
  };
  return { transport, calls };
}

describe('opening a recorder with exclusive access', () => {
  it('takes the lock before the first command reaches the transport', async () => {
    const { transport, calls } = await recording('virtual:dvd+r');
    const recorder = await DiscRecorder.fromTransport(transport, {
      exclusive: { clientName: 'discwright test' },
    });
    assert.equal(calls[0], 'acquire false discwright test');
    assert.equal(calls[1], 'INQUIRY');
    assert.ok(calls.length > 2, 'the identity probe ran after it');
    assert.equal(recorder.exclusiveAccessCount, 1);
    assert.equal(await recorder.getExclusiveAccessOwner(), 'discwright test');
    await recorder.close();
    assert.deepEqual(calls.slice(-2), ['release', 'close']);
  });

  it('passes force through', async () => {
    const { transport, calls } = await recording('virtual:dvd+r');
    const recorder = await DiscRecorder.fromTransport(transport, {
      exclusive: { clientName: 'burner', force: true },
    });
    assert.equal(calls[0], 'acquire true burner');
    await recorder.close();
  });

  it('refused: rejects with the transport error, sends nothing and closes the transport', async () => {
    const refusal = new DwError(HR.E_IMAPI_RECORDER_LOCKED, { message: 'held by someone' });
    const { transport, calls } = await recording('virtual:dvd+r', { refuse: refusal });
    const e = await rejectsWith(
      DiscRecorder.fromTransport(transport, { exclusive: { clientName: 'burner' } }),
    );
    assert.equal(e, refusal);
    assert.deepEqual(calls, ['acquire false burner', 'close']);
  });

  it('lets the lock go when the identity probe fails after it', async () => {
    const { transport, calls } = await recording('virtual:dvd+r', { failCommands: true });
    const e = await rejectsWith(
      DiscRecorder.fromTransport(transport, { exclusive: { clientName: 'burner' } }),
    );
    assert.equal(e.hr, HR.ERROR_IO_DEVICE);
    assert.deepEqual(calls, ['acquire false burner', 'INQUIRY', 'release', 'close']);
  });

  it('an invalid client name fails before anything is opened or sent', async () => {
    const image = imagePath();
    const e = await rejectsWith(
      openRecorder(`virtual:dvd+r?image=${image}`, { exclusive: { clientName: 'bad/name' } }),
    );
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID);
    assert.equal(existsSync(image), false, 'the drive was opened');
    const { transport, calls } = await recording('virtual:dvd+r');
    const e2 = await rejectsWith(
      DiscRecorder.fromTransport(transport, { exclusive: { clientName: '' } }),
    );
    assert.equal(e2.hr, HR.E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID);
    assert.deepEqual(calls, ['close']);
  });

  it('over an image-backed virtual drive a second recorder is refused until the first closes', async () => {
    const address = `virtual:dvd+r?image=${imagePath()}`;
    const first = await openRecorder(address, { exclusive: { clientName: 'first burner' } });
    const e = await rejectsWith(openRecorder(address, { exclusive: { clientName: 'second' } }));
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_LOCKED);
    assert.ok(e.message.includes(`'first burner' (pid ${process.pid}`), e.message);
    const onlyLooking = await openRecorder(address);
    assert.equal(await onlyLooking.getExclusiveAccessOwner(), 'first burner');
    await first.close();
    assert.equal(await onlyLooking.getExclusiveAccessOwner(), '');
    await onlyLooking.close();
    const second = await openRecorder(address, { exclusive: { clientName: 'second' } });
    assert.equal(await second.getExclusiveAccessOwner(), 'second');
    await second.close();
  });
});

describe('a local drive another program holds (EBUSY on O_EXCL)', () => {
  it('is E_IMAPI_RECORDER_LOCKED: in use by another program or mounted, with what to do', () => {
    const e = errnoError('EBUSY', { op: 'lock', path: '/dev/sr0' });
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_LOCKED);
    assert.match(e.message, /^\/dev\/sr0 is in use by another program or mounted/);
    assert.match(e.hint ?? '', /growisofs/);
    assert.match(e.hint ?? '', /udisksctl unmount -b \/dev\/sr0/);
    assert.match(e.hint ?? '', /--force/);
  });
});
