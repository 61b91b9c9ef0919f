// Queued writes at a distance (docs/decisions.md, "Queued writes"; docs/iscsi.md, "Drives at a
// distance"): the write engine over iSCSI with several WRITEs in flight, through the delay proxy
// (test/helpers/delay-proxy.ts), to the fake target over the virtual DVD+R (driveBacked). A fault
// at the k-th WRITE of the stream: CHECK CONDITION, a busy drive, a dropped connection, a target
// restart. Each time the reported lastWrittenLba is the end of what the drive holds in order,
// nothing after the fault is reported written, the update events never go back, and
// resumeSection completes the image exactly.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DiscRecorder } from '../../src/device/recorder.js';
import { resumeSection, WriteEngine, type WriteEngineEventArgs } from '../../src/engine/index.js';
import { DwError, HR } from '../../src/errors.js';
import { openVirtualDrive, type VirtualDrive } from '../../src/transport/emulated/index.js';
import { openIscsiTransport, type IscsiTransport } from '../../src/transport/iscsi/index.js';
import type { ScsiCommandPdu } from '../../src/transport/iscsi/pdu-types.js';
import { h } from '../helpers/bytes.js';
import { DelayProxy } from '../helpers/delay-proxy.js';
import { driveBacked, FakeTarget, respond, type DriveHooks } from '../helpers/fake-iscsi-target.js';
import { cdbBlocks, cdbLba, writes } from '../helpers/recorder.js';

const CHUNK = 32; // 64 KiB WRITEs of 2048-byte blocks
const BLOCKS = 24 * CHUNK;
const K = 6; // the fault's WRITE (1-based)
const source = Uint8Array.from({ length: BLOCKS * 2048 }, (_, i) => (i * 31 + (i >> 11)) & 0xff);

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const f of cleanups.reverse()) await f().catch(() => undefined);
});

const isWrite = (p: ScsiCommandPdu) => p.cdb[0] === 0x2a || p.cdb[0] === 0xaa;

interface Rig {
  readonly drive: VirtualDrive;
  readonly t: IscsiTransport;
  target: FakeTarget;
  readonly proxy: DelayProxy;
  readonly recorder: DiscRecorder;
  readonly engine: WriteEngine;
  readonly events: WriteEngineEventArgs[];
  /** Most WRITEs the target had received and not yet answered or dropped, at once. */
  maxOutstanding: number;
}

/** A target over `drive` behind a fresh delay proxy (2 ms each way), `hooks` misbehaving. */
async function serve(drive: VirtualDrive, hooks: DriveHooks) {
  const target = new FakeTarget({ onPdu: driveBacked(drive, hooks) });
  const port = await target.listen();
  const proxy = new DelayProxy({ target: { host: '127.0.0.1', port }, delayMs: 2, jitterMs: 1 });
  const proxyPort = await proxy.listen();
  cleanups.push(
    () => proxy.close(),
    () => target.close(),
  );
  return { target, proxy, url: `iscsi://127.0.0.1:${proxyPort}/iqn.2026-01.test:fake/0` };
}

async function makeRig(fault: (rig: Rig) => DriveHooks): Promise<Rig> {
  const drive = await openVirtualDrive('virtual:dvd+r');
  cleanups.push(() => drive.close());
  const ref: { rig?: Rig } = {};
  let received = 0;
  let done = 0;
  const hooks: DriveHooks = {
    onCommand(p) {
      if (isWrite(p))
        ref.rig!.maxOutstanding = Math.max(ref.rig!.maxOutstanding, ++received - done);
      return false;
    },
    beforeExecute(g, c) {
      if (!isWrite(g.pdu)) return false;
      done++;
      return faulty.beforeExecute?.(g, c) ?? false;
    },
  };
  const { target, proxy, url } = await serve(drive, hooks);
  const t = await openIscsiTransport(url, { keepAliveIntervalMs: 0, commandTimeoutMs: 5000 });
  const recorder = await DiscRecorder.fromTransport(t);
  cleanups.push(() => recorder.close());
  const engine = new WriteEngine();
  await engine.setRecorder(recorder);
  engine.bytesPerSector = 2048;
  // CHUNK-block WRITEs (not the target's 256 KiB MaxBurstLength), what the drive behind takes;
  // the queue depth of the faults' accounting: 8 in flight.
  engine.maxTransferSize = CHUNK * 2048;
  engine.queueDepth = 8;
  const events: WriteEngineEventArgs[] = [];
  engine.on('update', (_s, a) => events.push(a));
  const rig: Rig = { drive, t, target, proxy, recorder, engine, events, maxOutstanding: 0 };
  ref.rig = rig;
  const faulty = fault(rig);
  return rig;
}

/** Blocks the drive holds from LBA 0 on, in order (WRITEs it completed GOOD, contiguous). */
function heldInOrder(drive: VirtualDrive): number {
  const good = writes(drive.control.log)
    .filter((e) => e.status === 0)
    .map((e) => ({ lba: cdbLba(e), n: cdbBlocks(e) }))
    .sort((a, b) => a.lba - b.lba);
  let end = 0;
  for (const w of good) {
    assert.equal(w.lba, end, `the drive holds a WRITE at LBA ${w.lba} past a gap at ${end}`);
    end += w.n;
  }
  return end;
}

/** The update events never go back, and the final one says `blocks` were written. */
function checkEvents(events: readonly WriteEngineEventArgs[], blocks: number): void {
  let last = -1;
  for (const e of events) {
    assert.ok(e.lastWrittenLba >= last, 'lastWrittenLba went back');
    assert.ok(e.blocksWritten <= blocks, `an update reported ${e.blocksWritten} blocks written`);
    last = e.lastWrittenLba;
  }
  const final = events.at(-1)!;
  assert.equal(final.final, true);
  assert.equal(final.blocksWritten, blocks);
  assert.equal(final.lastWrittenLba, blocks - 1);
}

/** Reads the whole section back and compares it with the source. */
async function imageIsSource(recorder: DiscRecorder): Promise<void> {
  for (let lba = 0; lba < BLOCKS; lba += CHUNK) {
    const got = await recorder.readBlocks(lba, CHUNK);
    assert.deepEqual(
      Buffer.from(got),
      Buffer.from(source.subarray(lba * 2048, (lba + CHUNK) * 2048)),
      `blocks ${lba}..${lba + CHUNK - 1} differ from the source`,
    );
  }
}

async function fails(rig: Rig): Promise<DwError> {
  try {
    await rig.engine.writeSection(source, 0, BLOCKS);
  } catch (e) {
    assert.ok(e instanceof DwError, String(e));
    return e;
  }
  assert.fail('the section was written despite the fault');
}

/** A hook acting on the k-th WRITE the drive would run (1-based), once. */
function atWrite(k: number, act: NonNullable<DriveHooks['beforeExecute']>): DriveHooks {
  let seen = 0;
  return { beforeExecute: (g, c) => ++seen === k && act(g, c) };
}

/** The k-th WRITE answered CHECK CONDITION with `sense` instead of reaching the drive. */
function checkConditionAtWrite(k: number, sense: Uint8Array): DriveHooks {
  return atWrite(k, (g, c) => {
    respond(c, g.pdu.initiatorTaskTag, 0x02, sense);
    return true;
  });
}

describe('queued WRITEs at a distance, a fault at the k-th command', () => {
  it('no fault: several WRITEs in flight, ORDERED, the image equals the source', async () => {
    const rig = await makeRig(() => ({}));
    await rig.engine.writeSection(source, 0, BLOCKS);
    assert.ok(rig.maxOutstanding > 1, `at most ${rig.maxOutstanding} WRITE in flight`);
    const attrs = rig.target
      .received()
      .filter((p): p is ScsiCommandPdu => p.type === 'scsi-command' && isWrite(p))
      .map((p) => p.attr);
    assert.ok(attrs.length === BLOCKS / CHUNK && attrs.every((a) => a === 2), 'not ORDERED');
    assert.equal(heldInOrder(rig.drive), BLOCKS);
    checkEvents(rig.events, BLOCKS);
    await imageIsSource(rig.recorder);
  });

  it('CHECK CONDITION (3/0C/00): the prefix counts, nothing after it, the resume completes', async () => {
    const rig = await makeRig(() =>
      checkConditionAtWrite(K, h('70 00 03 00 00 00 00 0A 00 00 00 00 0C 00 00 00 00 00')),
    );
    const e = await fails(rig);
    assert.equal(e.lba, (K - 1) * CHUNK);
    assert.ok(rig.maxOutstanding > 1);
    const held = heldInOrder(rig.drive);
    assert.equal(held, (K - 1) * CHUNK);
    checkEvents(rig.events, held);
    const r = await resumeSection(rig.engine, source, 0, BLOCKS);
    assert.equal(r.resumedAt, held);
    assert.equal(heldInOrder(rig.drive), BLOCKS);
    await imageIsSource(rig.recorder);
  });

  it('a busy drive (2/04/08) at the k-th: resent from the first unacknowledged block, all written', async () => {
    const rig = await makeRig(() =>
      checkConditionAtWrite(K, h('70 00 02 00 00 00 00 0A 00 00 00 00 04 08 00 00 00 00')),
    );
    await rig.engine.writeSection(source, 0, BLOCKS);
    assert.equal(heldInOrder(rig.drive), BLOCKS);
    checkEvents(rig.events, BLOCKS);
    await imageIsSource(rig.recorder);
  });

  it('TASK SET FULL at the k-th: one in flight from then on, resent from the first unacknowledged block', async () => {
    const rig = await makeRig(() =>
      atWrite(K, (g, c) => {
        respond(c, g.pdu.initiatorTaskTag, 0x28);
        return true;
      }),
    );
    assert.equal(rig.t.queuedWrites.depth > 1, true);
    await rig.engine.writeSection(source, 0, BLOCKS);
    assert.equal(rig.t.queuedWrites.depth, 1);
    assert.equal(heldInOrder(rig.drive), BLOCKS);
    checkEvents(rig.events, BLOCKS);
    await imageIsSource(rig.recorder);
  });

  it('cancelWrite() at the k-th: WRITEs in flight finish and count, none is sent after, and the resume completes', async () => {
    const rig = await makeRig((r) =>
      atWrite(K, () => {
        r.engine.cancelWrite();
        return false;
      }),
    );
    const e = await fails(rig);
    assert.equal(e.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    const held = heldInOrder(rig.drive);
    assert.ok(held >= K * CHUNK && held < BLOCKS, `${held} blocks held`);
    // Every WRITE sent was in flight at the cancel: at most the queue depth after the k-th.
    assert.ok(held <= (K + 8) * CHUNK);
    checkEvents(rig.events, held);
    const r = await resumeSection(rig.engine, source, 0, BLOCKS);
    assert.equal(r.resumedAt, held);
    await imageIsSource(rig.recorder);
  });

  it('the connection drops at the k-th: 0x80070037, the prefix counts, the resume completes', async () => {
    const rig = await makeRig((r) =>
      atWrite(K, () => {
        // Once the answers to the WRITEs before it have crossed the proxy (2 + 1 ms each way):
        // an answer lost with the connection would leave blocks held but never acknowledged.
        setTimeout(() => r.proxy.cut(), 30);
        return true;
      }),
    );
    const e = await fails(rig);
    assert.equal(e.hr, HR.ERROR_DEV_NOT_EXIST);
    const held = heldInOrder(rig.drive);
    assert.equal(held, (K - 1) * CHUNK);
    checkEvents(rig.events, held);
    // The transport logs in again on the next command (autoReconnect).
    const r = await resumeSection(rig.engine, source, 0, BLOCKS);
    assert.equal(r.resumedAt, held);
    await imageIsSource(rig.recorder);
  });

  it('the target restarts at the k-th: the prefix counts, a new session resumes exactly', async () => {
    const rig = await makeRig((r) =>
      atWrite(K, () => {
        setTimeout(() => void r.target.close(), 30);
        return true;
      }),
    );
    const e = await fails(rig);
    assert.equal(e.hr, HR.ERROR_DEV_NOT_EXIST);
    const held = heldInOrder(rig.drive);
    assert.equal(held, (K - 1) * CHUNK);
    checkEvents(rig.events, held);
    // The target comes back (a new process over the same drive, on a new portal).
    const { url } = await serve(rig.drive, {});
    const recorder = await DiscRecorder.fromTransport(
      await openIscsiTransport(url, { keepAliveIntervalMs: 0 }),
    );
    cleanups.push(() => recorder.close());
    await rig.engine.setRecorder(recorder);
    const r = await resumeSection(rig.engine, source, 0, BLOCKS);
    assert.equal(r.resumedAt, held);
    assert.equal(heldInOrder(rig.drive), BLOCKS);
    await imageIsSource(recorder);
  });
});
