// The recorder and the write engine over iSCSI to a target that misbehaves on one command of a
// burn or a read (docs/iscsi.md, "What the initiator checks and refuses"). The fake target runs
// every other command on the virtual drive (test/helpers/fake-iscsi-target.ts, driveBacked), so
// the blocks the engine reports written can be compared with the blocks the drive received;
// none is ever reported written that the drive did not get, and no refusal is retried.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readBlockChunks } from '../../src/device/media-ops.js';
import { DwError, HR } from '../../src/errors.js';
import { scsiCommand } from '../../src/scsi/command.js';
import { openVirtualDrive, type VirtualDrive } from '../../src/transport/emulated/index.js';
import type { ScsiCommandPdu } from '../../src/transport/iscsi/pdu-types.js';
import { cdbBlocks, writes } from '../helpers/recorder.js';
import {
  dataIn,
  driveBacked,
  lun0,
  r2t,
  respond,
  type DriveHooks,
} from '../helpers/fake-iscsi-target.js';
import { engineOverTarget, type EngineOverTarget } from '../helpers/iscsi-engine.js';
import { bhsBytes } from '../helpers/iscsi-pdus.js';
import { h } from '../helpers/bytes.js';

const BLOCKS = 256; // eight 64 KiB WRITEs
const source = Uint8Array.from({ length: BLOCKS * 2048 }, (_, i) => (i * 13 + (i >> 11)) & 0xff);

type Burn = EngineOverTarget;

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const f of cleanups.reverse()) await f().catch(() => undefined);
});

async function burnRig(hooks: DriveHooks | ((drive: VirtualDrive) => DriveHooks)): Promise<Burn> {
  const drive = await openVirtualDrive('virtual:dvd+r');
  const burn = await engineOverTarget(
    drive,
    { onPdu: driveBacked(drive, typeof hooks === 'function' ? hooks(drive) : hooks) },
    cleanups,
  );
  const { engine } = burn;
  // One WRITE in flight, so that "WRITEs sent" counts attempts; the queued path's faults are
  // queued-faults.test.ts's.
  engine.queueDepth = 1;
  // 64 KiB WRITEs (not the target's 256 KiB MaxBurstLength): what the drive behind it takes.
  engine.maxTransferSize = 65536;
  return burn;
}

/** Blocks the drive took with GOOD, and the blocks the engine reported written at the end. */
function account(b: Burn): { driveBlocks: number; reported: number } {
  const driveBlocks = writes(b.drive.control.log)
    .filter((e) => e.status === 0)
    .reduce((n, e) => n + cdbBlocks(e), 0);
  const last = b.events.at(-1);
  assert.ok(last?.final === true, 'no final update event');
  return { driveBlocks, reported: last.blocksWritten };
}

const isWrite = (p: ScsiCommandPdu) => p.cdb[0] === 0x2a || p.cdb[0] === 0xaa;

/** A hook that misbehaves on the `n`-th WRITE (1-based) instead of the drive. */
function onWrite(
  n: number,
  act: (p: ScsiCommandPdu, c: Parameters<NonNullable<DriveHooks['onCommand']>>[1]) => void,
): DriveHooks {
  let seen = 0;
  return {
    onCommand(p, c) {
      if (!isWrite(p) || ++seen !== n) return false;
      act(p, c);
      return true;
    },
  };
}

async function burnFails(b: Burn): Promise<DwError> {
  try {
    await b.engine.writeSection(source, 0, BLOCKS);
  } catch (e) {
    assert.ok(e instanceof DwError, String(e));
    return e;
  }
  assert.fail('the burn succeeded');
}

/** WRITE commands the target received, over every connection. */
const writesSent = (b: Burn) =>
  b.target.received().filter((p) => p.type === 'scsi-command' && isWrite(p)).length;

describe('a burn over iSCSI against a misbehaving target', () => {
  it('GOOD with an underflow residual (the target took nothing): an error naming both numbers, not retried', async () => {
    const b = await burnRig(
      onWrite(3, (p, c) =>
        respond(c, p.initiatorTaskTag, 0, undefined, {
          underflow: true,
          residualCount: p.expectedDataTransferLength,
        }),
      ),
    );
    const e = await burnFails(b);
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    assert.match(e.message, /took 0 of 65536 bytes \(residual 65536\)/);
    assert.match(e.message, /0 of 32 blocks from LBA 64; LBA 64 and after not written/);
    assert.equal(e.lba, 64);
    assert.equal(writesSent(b), 3);
    const { driveBlocks, reported } = account(b);
    assert.equal(driveBlocks, 64);
    assert.equal(reported, driveBlocks);
  });

  it('CHECK CONDITION RECOVERED ERROR with an underflow residual: an error, never counted written', async () => {
    // Sense 01/17/00 (recovered data with no error correction) would be a success on its own.
    const recovered = h('70 00 01 00 00 00 00 0A 00 00 00 00 17 00 00 00 00 00');
    const b = await burnRig(
      onWrite(3, (p, c) =>
        respond(c, p.initiatorTaskTag, 0x02, recovered, {
          underflow: true,
          residualCount: p.expectedDataTransferLength,
        }),
      ),
    );
    const e = await burnFails(b);
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    assert.match(e.message, /answered RECOVERED ERROR but took 0 of 65536 bytes/);
    assert.equal(e.lba, 64);
    assert.equal(writesSent(b), 3);
    const { driveBlocks, reported } = account(b);
    assert.equal(driveBlocks, 64);
    assert.equal(reported, driveBlocks);
  });

  it('GOOD with a residual after the drive took half: the half counts as written, the rest does not', async () => {
    let seen = 0;
    const b = await burnRig((drive) => ({
      beforeExecute(g, c) {
        if (!isWrite(g.pdu) || ++seen !== 3) return false;
        // The drive gets the first 16 of the 32 blocks; the target says so in its residual.
        const cdb = g.pdu.cdb.slice(0, 10);
        cdb[7] = 0;
        cdb[8] = 16;
        void drive
          .execute(scsiCommand('WRITE(10)', cdb, 'out', { dataOut: g.data.subarray(0, 32768) }))
          .then(() =>
            respond(c, g.pdu.initiatorTaskTag, 0, undefined, {
              underflow: true,
              residualCount: 32768,
            }),
          );
        return true;
      },
    }));
    const e = await burnFails(b);
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    assert.match(e.message, /took 32768 of 65536 bytes \(residual 32768\)/);
    assert.match(e.message, /16 of 32 blocks from LBA 64/);
    assert.equal(writesSent(b), 3);
    const { driveBlocks, reported } = account(b);
    assert.equal(driveBlocks, 80);
    assert.equal(reported, driveBlocks);
    assert.equal(b.events.at(-1)!.lastWrittenLba, 79);
  });

  it('GOOD before the data was asked for: a protocol violation, not retried, nothing more counted', async () => {
    const b = await burnRig(onWrite(4, (p, c) => respond(c, p.initiatorTaskTag)));
    const e = await burnFails(b);
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    assert.match(e.message, /claims 65536 of 65536 bytes taken, but only 8192 were sent/);
    assert.equal(writesSent(b), 4);
    const { driveBlocks, reported } = account(b);
    assert.equal(driveBlocks, 96);
    assert.equal(reported, driveBlocks);
  });

  it('an R2T beyond the transfer: a protocol violation, one attempt, not 700', async () => {
    const b = await burnRig(onWrite(2, (p, c) => r2t(c, p, 0, 8192, 1 << 24)));
    const e = await burnFails(b);
    assert.equal(e.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    assert.equal(writesSent(b), 2);
    const { driveBlocks, reported } = account(b);
    assert.equal(reported, driveBlocks);
  });

  it('a Reject of a WRITE: 0x8007045D at once, not retried', async () => {
    const b = await burnRig(
      onWrite(2, (p, c) => {
        c.send({ type: 'reject', reason: 0x04, ...c.sn(), dataSnR2tSn: 0, data: bhsBytes(p) });
        c.statSn++;
      }),
    );
    const e = await burnFails(b);
    assert.equal(e.hr, HR.ERROR_IO_DEVICE);
    assert.equal(writesSent(b), 2);
    const { driveBlocks, reported } = account(b);
    assert.equal(reported, driveBlocks);
  });

  it('an Async Message asking for logout mid-burn: logs out, logs in again, and the burn completes', async () => {
    const written = new Uint8Array(source.length);
    let announced = false;
    let logoutAt = -1;
    const b = await burnRig({
      beforeExecute(g, c) {
        if (isWrite(g.pdu)) {
          const lba =
            (g.pdu.cdb[2]! << 24) | (g.pdu.cdb[3]! << 16) | (g.pdu.cdb[4]! << 8) | g.pdu.cdb[5]!;
          written.set(g.data.subarray(0, g.received), lba * 2048);
          // After the WRITE at LBA 128 the target asks for a logout (RFC 7143 §11.9.1, event 1).
          if (lba === 128 && !announced) {
            announced = true;
            c.send({
              type: 'async-message',
              lun: lun0,
              ...c.sn(),
              asyncEvent: 1,
              asyncVCode: 0,
              parameter1: 0,
              parameter2: 0,
              parameter3: 5,
              data: new Uint8Array(0),
            });
            logoutAt = c.received.length;
          }
        }
        return false;
      },
    });
    await b.engine.writeSection(source, 0, BLOCKS);
    assert.deepEqual(written, source);
    assert.equal(b.t.stats.logins, 2);
    const first = b.target.conns[0]!.received;
    const logout = first.findIndex((p) => p.type === 'logout-request');
    assert.ok(logout >= logoutAt && logoutAt >= 0);
    // Nothing but the logout went out on that connection after the target asked.
    assert.ok(first.slice(logout + 1).every((p) => p.type !== 'scsi-command'));
    const { driveBlocks, reported } = account(b);
    assert.equal(driveBlocks, BLOCKS);
    assert.equal(reported, BLOCKS);
  });
});

describe('reads over iSCSI against a target that returns short data', () => {
  it('a residual on one chunk fails readBlockChunks at that LBA: never zeros, never a shift', async () => {
    // READ(10)s are answered here: block k holds k in every byte; the chunk at LBA 4096 comes
    // back half, with a consistent underflow residual.
    const b = await burnRig({
      onCommand(p, c) {
        if (p.cdb[0] !== 0x28) return false;
        const lba = (p.cdb[2]! << 24) | (p.cdb[3]! << 16) | (p.cdb[4]! << 8) | p.cdb[5]!;
        const blocks = (p.cdb[7]! << 8) | p.cdb[8]!;
        const give = lba === 4096 ? blocks / 2 : blocks;
        const data = new Uint8Array(give * 2048);
        for (let k = 0; k < give; k++) data.fill((lba + k) & 0xff, k * 2048, (k + 1) * 2048);
        // In Data-In PDUs within the 256 KiB MaxRecvDataSegmentLength the initiator declared.
        const SEGMENT = 65536;
        for (let at = 0, sn = 0; at < data.length; at += SEGMENT, sn++) {
          const last = at + SEGMENT >= data.length;
          dataIn(c, p, {
            dataSn: sn,
            bufferOffset: at,
            data: data.subarray(at, at + SEGMENT),
            ...(last
              ? { status: 0, underflow: give < blocks, residualCount: (blocks - give) * 2048 }
              : {}),
          });
        }
        return true;
      },
    });
    const chunks: Uint8Array[] = [];
    let error: unknown;
    try {
      for await (const chunk of readBlockChunks(b.recorder, { lba: 0, blocks: 8192 }))
        chunks.push(chunk);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof DwError);
    assert.equal(error.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    assert.equal(error.lba, 4096 + 2048);
    assert.match(error.message, /4194304 of 8388608 bytes/);
    // Only whole, right chunks came before the failure.
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]!.length, 4096 * 2048);
    for (let k = 0; k < 4096; k += 511) assert.equal(chunks[0]![k * 2048], k & 0xff);
  });
});
