// A WRITE the transport rejects (spec §2.4.5, docs/decisions.md "One sense policy"): a failure
// waiting cannot mend — a full image, a read-only one, a closed handle, a dead writer thread —
// fails the section at once with its own HRESULT; a generic I/O error is retried after a
// back-off. A transport in front of the virtual drive injects the rejections and counts every
// WRITE attempt, on a virtual clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteEngine, type WriteEngineEventArgs } from '../../src/engine/index.js';
import { backoffMs } from '../../src/engine/write-chunk.js';
import { DiscRecorder } from '../../src/device/recorder.js';
import { DwError, HR } from '../../src/errors.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { openVirtualDrive, type VirtualDrive } from '../../src/transport/emulated/index.js';
import { TransportErrors, type Transport } from '../../src/transport/transport.js';
import { pattern, rejectsWith } from '../helpers/recorder.js';

interface Attempt {
  readonly lba: number;
  /** Virtual time the WRITE reached the transport. */
  readonly at: number;
}

/** The rejection for the `n`th WRITE attempt at `lba` (1-based), or undefined to let it pass. */
type Injector = (lba: number, n: number) => Error | undefined;

interface Bench {
  readonly clock: VirtualClock;
  readonly drive: VirtualDrive;
  readonly recorder: DiscRecorder;
  readonly engine: WriteEngine;
  readonly events: WriteEngineEventArgs[];
  /** Every WRITE(10) that reached the transport, rejected or not. */
  readonly attempts: Attempt[];
}

async function bench(inject: Injector): Promise<Bench> {
  const clock = new VirtualClock();
  const drive = await openVirtualDrive('virtual:dvd+r', { clock });
  const attempts: Attempt[] = [];
  const transport: Transport = {
    address: drive.address,
    execute(command, options) {
      const c = command.cdb;
      if (c[0] === 0x2a) {
        // WRITE(10): LBA in bytes 2..5, read here independently of the codec.
        const lba = (c[2]! << 24) | (c[3]! << 16) | (c[4]! << 8) | c[5]!;
        attempts.push({ lba, at: clock.now() });
        const e = inject(lba, attempts.filter((a) => a.lba === lba).length);
        if (e !== undefined) return Promise.reject(e);
      }
      return drive.execute(command, options);
    },
    limits: () => drive.limits(),
    close: () => drive.close(),
  };
  const recorder = await DiscRecorder.fromTransport(transport, { clock });
  const engine = new WriteEngine({ clock });
  await engine.setRecorder(recorder);
  engine.bytesPerSector = 2048;
  const events: WriteEngineEventArgs[] = [];
  engine.on('update', (_sender, args) => events.push(args));
  return { clock, drive, recorder, engine, events, attempts };
}

const diskFull = () =>
  new DwError(HR.ERROR_DISK_FULL, {
    message: 'writing the image file failed: ENOSPC',
    cause: Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
  });

describe('WRITE rejections the transport cannot mend (spec §2.4.5)', () => {
  it('0x80070070 (disk full) fails the section at once: no retry, its own HRESULT', async () => {
    const t = await bench((lba) => (lba === 64 ? diskFull() : undefined));
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 200), 0, 200));
    assert.equal(err.hr, 0x80070070);
    assert.equal(err.code, 'HRESULT_FROM_WIN32(ERROR_DISK_FULL)');
    assert.equal(err.lba, 64);
    assert.equal(err.blocks, 32);
    assert.equal(err.attempts, 1);
    assert.equal(err.command, 'WRITE(10)');
    // Chunks at LBA 0 and 32, then the one at 64, once: nothing was sent again.
    assert.deepEqual(
      t.attempts.map((a) => a.lba),
      [0, 32, 64],
    );
    // Promptly: the section settled before the first back-off would have ended.
    const rejectedAt = t.attempts.at(-1)!.at;
    assert.ok(t.clock.now() - rejectedAt < backoffMs(1), `${t.clock.now() - rejectedAt} ms`);
    const final = t.events.at(-1)!;
    assert.equal(final.final, true);
    assert.equal(final.lastWrittenLba, 63, 'the last block the drive acknowledged');
    assert.equal(final.blocksWritten, 64);
    await t.recorder.close();
  });

  it('every other permanent failure likewise: read-only, closed handle, dead writer, no memory', async () => {
    const cases: [string, () => Error, number][] = [
      ['EROFS', () => new DwError(HR.E_ACCESSDENIED, { message: 'EROFS' }), HR.E_ACCESSDENIED],
      ['EBADF', () => TransportErrors.closed('virtual:dvd+r'), HR.ERROR_INVALID_HANDLE],
      [
        'writer thread died',
        () => TransportErrors.permanent(HR.ERROR_IO_DEVICE, 'the image writer thread ended'),
        HR.ERROR_IO_DEVICE,
      ],
      ['ENOMEM', () => new DwError(HR.E_OUTOFMEMORY), HR.E_OUTOFMEMORY],
      ['bad request', () => new DwError(HR.E_INVALIDARG), HR.E_INVALIDARG],
    ];
    for (const [name, make, hr] of cases) {
      const t = await bench((lba) => (lba === 32 ? make() : undefined));
      const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 96), 0, 96));
      assert.equal(err.hr, hr, name);
      assert.equal(err.attempts, 1, name);
      assert.equal(t.attempts.filter((a) => a.lba === 32).length, 1, name);
      assert.equal(t.events.at(-1)!.lastWrittenLba, 31, name);
      await t.recorder.close();
    }
  });

  it('a permanent failure after busy retries reports itself, not the first failure', async () => {
    const t = await bench((lba, n) => (lba === 0 && n === 3 ? diskFull() : undefined));
    t.drive.control.faults.busy(2, 8);
    const err = await rejectsWith(t.engine.writeSection(pattern(2048 * 32), 0, 32));
    assert.equal(err.hr, HR.ERROR_DISK_FULL);
    assert.equal(err.attempts, 3);
    assert.equal(err.lastHr, HR.ERROR_DISK_FULL);
    await t.recorder.close();
  });
});

describe('WRITE rejections waiting may mend (spec §2.4.5)', () => {
  it('a generic transport I/O error is retried after 10 ms and the section completes', async () => {
    const t = await bench((lba, n) =>
      lba === 32 && n === 1 ? TransportErrors.io('EIO: bus reset') : undefined,
    );
    await t.engine.writeSection(pattern(2048 * 96), 0, 96);
    const at32 = t.attempts.filter((a) => a.lba === 32);
    assert.equal(at32.length, 2);
    assert.ok(at32[1]!.at - at32[0]!.at >= backoffMs(1));
    assert.equal(t.events.at(-1)!.blocksWritten, 96);
    await t.recorder.close();
  });

  it('a plain Error from a transport is an I/O error, retried', async () => {
    const t = await bench((lba, n) =>
      lba === 0 && n <= 2 ? new Error('socket hang up') : undefined,
    );
    await t.engine.writeSection(pattern(2048 * 32), 0, 32);
    assert.equal(t.attempts.length, 3);
    await t.recorder.close();
  });
});
