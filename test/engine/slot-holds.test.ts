// The write engine's side of the zero-copy hand-off (pipeline.ts SlotHolds, DataOutHold): a
// transport that keeps a WRITE's bytes past completion gets its slot back only when it releases
// it, the engine never refills a held slot, and a section ends only after every hold came back.
// Driven at the CDB level: a transport that holds like the image-backed drive does, in front of
// the virtual drive.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteEngine } from '../../src/engine/index.js';
import { SlotQueue, AbortFlag } from '../../src/engine/pipeline.js';
import { DiscRecorder } from '../../src/device/index.js';
import { HR } from '../../src/errors.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { openVirtualDrive, type VirtualDrive } from '../../src/transport/emulated/index.js';
import { ScsiStatus, scsiCommand, type DataOutHold } from '../../src/scsi/command.js';
import type {
  ExecuteOptions,
  ScsiCommand,
  ScsiResult,
  Transport,
  TransportLimits,
} from '../../src/transport/transport.js';
import { pattern, writes } from '../helpers/recorder.js';

const SECTOR = 2048;

interface Held {
  readonly hold: DataOutHold;
  readonly data: Uint8Array;
  /** The bytes as the WRITE carried them. */
  readonly copy: Uint8Array;
}

/**
 * Holds every GOOD WRITE that offers a hold, like the image-backed drive: `later` releases them
 * a few at a time on a timer (checking first that the engine left the bytes alone); `early`
 * releases before it even answers.
 */
class HoldingTransport implements Transport {
  readonly pending: Held[] = [];
  heldCount = 0;
  releases = 0;
  /** Held WRITEs whose bytes changed before their release. */
  changed = 0;
  /** Most WRITEs held at once. */
  most = 0;
  /** Called with the number of WRITEs held so far, after each. */
  onHeld: ((count: number) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly drive: VirtualDrive,
    private readonly mode: 'later' | 'early',
    private readonly keepAtMost = 6,
  ) {}

  get address(): string {
    return this.drive.address;
  }

  limits(): TransportLimits {
    return this.drive.limits();
  }

  close(): Promise<void> {
    return this.drive.close();
  }

  async execute(command: ScsiCommand, options?: ExecuteOptions): Promise<ScsiResult> {
    const r = await this.drive.execute(command, options);
    const hold = command.dataOutHold;
    if (hold === undefined || command.dataOut === undefined || r.status !== ScsiStatus.GOOD) {
      return r;
    }
    this.heldCount++;
    this.onHeld?.(this.heldCount);
    if (this.mode === 'early') {
      this.releases++;
      hold.release();
      return { ...r, dataOutHeld: true };
    }
    this.pending.push({ hold, data: command.dataOut, copy: command.dataOut.slice() });
    this.most = Math.max(this.most, this.pending.length);
    this.timer ??= setTimeout(() => this.releaseSome(), 1);
    return { ...r, dataOutHeld: true };
  }

  private releaseSome(): void {
    this.timer = undefined;
    // Keep up to `keepAtMost` for a while longer, so the engine runs short of free slots.
    const n = this.pending.length > this.keepAtMost ? this.pending.length - this.keepAtMost : 1;
    for (const h of this.pending.splice(0, n)) {
      if (!Buffer.from(h.data).equals(Buffer.from(h.copy))) this.changed++;
      this.releases++;
      h.hold.release();
    }
    if (this.pending.length > 0) this.timer = setTimeout(() => this.releaseSome(), 1);
  }
}

async function holdingEngine(mode: 'later' | 'early', hostBufferSize = 512 * 1024) {
  const clock = new VirtualClock();
  const drive = await openVirtualDrive('virtual:bd-r?speed=max', { clock });
  const transport = new HoldingTransport(drive, mode);
  const recorder = await DiscRecorder.fromTransport(transport, { clock });
  const engine = new WriteEngine({ clock });
  await engine.setRecorder(recorder);
  engine.bytesPerSector = SECTOR;
  engine.hostBufferSize = hostBufferSize;
  return { drive, transport, recorder, engine };
}

describe('zero-copy hand-off: the engine keeps held slots out of use', () => {
  it('never refills a held slot, and resolves only after every hold came back', async () => {
    // 8 slots of 64 KiB, up to 6 held at a time: the reader can only go on through releases.
    const t = await holdingEngine('later');
    const blocks = 40 * 32 + 5;
    const data = pattern(blocks * SECTOR);
    await t.engine.writeSection(data, 0, blocks);
    assert.equal(t.transport.pending.length, 0, 'writeSection resolved with slots still held');
    assert.equal(t.transport.releases, t.transport.heldCount);
    assert.equal(t.transport.heldCount, writes(t.drive.control.log).length);
    assert.ok(t.transport.most >= 6, `at most ${t.transport.most} held`);
    assert.equal(t.transport.changed, 0, 'the engine changed a slot the transport still held');
    assert.deepEqual(await t.drive.control.media.readBlocks(0, blocks), data);
    // The pool is whole again: a second section runs through the same slots.
    await t.engine.writeSection(data.subarray(0, 64 * SECTOR), blocks, 64);
    assert.equal(t.transport.changed, 0);
    assert.equal(t.transport.pending.length, 0);
    await t.recorder.close();
  });

  it('a hold released before the WRITE completes frees the slot when it completes', async () => {
    const t = await holdingEngine('early');
    const blocks = 20 * 32;
    const data = pattern(blocks * SECTOR);
    await t.engine.writeSection(data, 0, blocks);
    assert.equal(t.transport.releases, 20);
    assert.deepEqual(await t.drive.control.media.readBlocks(0, blocks), data);
    await t.recorder.close();
  });

  it('a cancelled section still waits for its held slots', async () => {
    const t = await holdingEngine('later');
    const blocks = 200 * 32;
    const abort = new AbortController();
    t.transport.onHeld = (count) => {
      if (count === 10) abort.abort(); // with WRITEs still held
    };
    const e = await t.engine
      .writeSection(pattern(blocks * SECTOR), 0, blocks, { signal: abort.signal })
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    assert.equal((e as { hr?: number } | undefined)?.hr, HR.E_IMAPI_REQUEST_CANCELLED);
    assert.ok(t.transport.heldCount >= 10 && t.transport.heldCount < 200);
    assert.equal(t.transport.pending.length, 0);
    assert.equal(t.transport.releases, t.transport.heldCount);
    assert.equal(t.transport.changed, 0);
    await t.recorder.close();
  });
});

describe('SendCommandSendDataToDevice with a hold', () => {
  it('passes the hold to the transport and reports dataOutHeld only when it kept the data', async () => {
    const drive = await openVirtualDrive('virtual:bd-r?speed=max');
    const seen: (DataOutHold | undefined)[] = [];
    let keep = true;
    const transport: Transport = {
      address: drive.address,
      limits: () => drive.limits(),
      close: () => drive.close(),
      async execute(command, options) {
        seen.push(command.dataOutHold);
        const r = await drive.execute(command, options);
        return command.dataOutHold !== undefined && keep ? { ...r, dataOutHeld: true } : r;
      },
    };
    const recorder = await DiscRecorder.fromTransport(transport);
    const hold: DataOutHold = { release: () => undefined };
    const cdb = (lba: number) => Uint8Array.from([0x2a, 0, 0, 0, 0, lba, 0, 0, 1, 0]);
    const r1 = await recorder.sendCommandSendDataToDevice(cdb(0), 10, pattern(SECTOR), { hold });
    assert.equal(r1.hr, HR.S_OK);
    assert.equal(r1.dataOutHeld, true);
    assert.equal(seen.at(-1), hold);
    keep = false;
    const r2 = await recorder.sendCommandSendDataToDevice(cdb(1), 10, pattern(SECTOR), { hold });
    assert.equal(r2.dataOutHeld, undefined);
    const r3 = await recorder.sendCommandSendDataToDevice(cdb(2), 10, pattern(SECTOR));
    assert.equal(r3.dataOutHeld, undefined);
    assert.equal(seen.at(-1), undefined, 'no hold offered, none passed on');
    await recorder.close();
  });
});

describe('SlotQueue ring', () => {
  it('keeps FIFO order across the end of its ring and refuses more slots than the pool has', () => {
    const q = new SlotQueue(new AbortFlag(), 4);
    for (const i of [0, 1, 2]) q.put(i);
    assert.equal(q.tryTake(), 0);
    assert.equal(q.tryTake(), 1);
    for (const i of [3, 0, 1]) q.put(i); // wraps
    assert.equal(q.length, 4);
    assert.throws(() => q.put(2), /more slots than the pool has/);
    assert.deepEqual(
      [q.tryTake(), q.tryTake(), q.tryTake(), q.tryTake(), q.tryTake()],
      [2, 3, 0, 1, undefined],
    );
    assert.equal(q.takeIf(0), false);
    q.put(2);
    assert.equal(q.peek(), 2);
    assert.equal(q.takeIf(2), true);
    assert.equal(q.length, 0);
  });
});

describe('scsiCommand', () => {
  it('gives every command the same fields, whatever its direction', () => {
    const cdb = new Uint8Array(10);
    const keys = (c: ScsiCommand) => Object.keys(c).join(',');
    const none = scsiCommand('TEST UNIT READY', new Uint8Array(6), 'none');
    const din = scsiCommand('INQUIRY', new Uint8Array(6), 'in', { allocationLength: 36 });
    const dout = scsiCommand('WRITE(10)', cdb, 'out', { dataOut: new Uint8Array(2048) });
    assert.equal(keys(none), keys(din));
    assert.equal(keys(din), keys(dout));
    assert.equal(din.allocationLength, 36);
    assert.equal(din.dataOut, undefined);
    assert.equal(dout.dataOut?.length, 2048);
    assert.equal(dout.allocationLength, undefined);
  });
});
