// The write engine's side of the zero-copy hand-off (held writes: pipeline.ts SlotHolds, the
// recorder's heldWrites, Transport.heldWrites): a transport that keeps a WRITE's bytes past
// completion gets its slot back only when it releases it, the engine never refills a held slot,
// a section ends only after every hold came back, and only a transport that declares held writes
// is offered holds. Driven at the CDB level: a transport that holds like the image-backed drive
// does, in front of the virtual drive.

import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteEngine } from '../../src/engine/index.js';
import { SlotQueue, AbortFlag } from '../../src/engine/pipeline.js';
import { DiscRecorder } from '../../src/device/index.js';
import { HR } from '../../src/errors.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { openVirtualDrive, type VirtualDrive } from '../../src/transport/emulated/index.js';
import { ScsiStatus, scsiCommand } from '../../src/scsi/command.js';
import type {
  DataOutHold,
  ExecuteOptions,
  HeldWriteCapability,
  HeldWriteResult,
  ScsiCommand,
  ScsiResult,
  Transport,
  TransportLimits,
} from '../../src/transport/transport.js';
import { COMMAND_FINISH_CHANNEL, type CommandTraceMessage } from '../../src/device/trace.js';
import { pattern, writes } from '../helpers/recorder.js';

const SECTOR = 2048;

interface Held {
  readonly hold: DataOutHold;
  readonly data: Uint8Array;
  /** The bytes as the WRITE carried them. */
  readonly copy: Uint8Array;
}

/**
 * Holds every GOOD WRITE sent through its held writes, like the image-backed drive: `later`
 * releases them a few at a time on a timer (checking first that the engine left the bytes alone);
 * `early` releases before it even answers.
 */
class HoldingTransport implements Transport {
  readonly heldWrites: HeldWriteCapability = {
    executeHeld: (command, hold, options) => this.executeHeld(command, hold, options),
  };
  readonly pending: Held[] = [];
  heldCount = 0;
  releases = 0;
  /** Held WRITEs whose bytes changed before their release. */
  changed = 0;
  /** Most WRITEs held at once. */
  most = 0;
  /** Called with the number of WRITEs held so far, after each. */
  onHeld: ((count: number) => void) | undefined;
  /** Data-out commands sent through execute(), not offered a hold. */
  plainWrites = 0;
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

  execute(command: ScsiCommand, options?: ExecuteOptions): Promise<ScsiResult> {
    this.plainWrites += command.direction === 'out' ? 1 : 0;
    return this.drive.execute(command, options);
  }

  private async executeHeld(
    command: ScsiCommand,
    hold: DataOutHold,
    options?: ExecuteOptions,
  ): Promise<HeldWriteResult> {
    const result = await this.drive.execute(command, options);
    if (command.dataOut === undefined || result.status !== ScsiStatus.GOOD) {
      return { result, held: false };
    }
    this.heldCount++;
    this.onHeld?.(this.heldCount);
    if (this.mode === 'early') {
      this.releases++;
      hold.release();
      return { result, held: true };
    }
    this.pending.push({ hold, data: command.dataOut, copy: command.dataOut.slice() });
    this.most = Math.max(this.most, this.pending.length);
    this.timer ??= setTimeout(() => this.releaseSome(), 1);
    return { result, held: true };
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

describe("the recorder's held writes", () => {
  /** A transport over the virtual drive, with held writes that keep what `keep` says. */
  const overDrive = (drive: VirtualDrive, declare: boolean) => {
    const seen: DataOutHold[] = [];
    const state = { keep: true, plain: 0 };
    const transport: Transport = {
      address: drive.address,
      limits: () => drive.limits(),
      close: () => drive.close(),
      execute(command, options) {
        if (command.direction === 'out') state.plain++;
        return drive.execute(command, options);
      },
      ...(declare
        ? {
            heldWrites: {
              async executeHeld(command, hold, options) {
                seen.push(hold);
                const result = await drive.execute(command, options);
                return { result, held: state.keep && result.status === ScsiStatus.GOOD };
              },
            },
          }
        : {}),
    };
    return { transport, seen, state };
  };
  const cdb = (lba: number) => Uint8Array.from([0x2a, 0, 0, 0, 0, lba, 0, 0, 1, 0]);

  it('are present while the transport declares them, pass the hold on and say whether it was kept', async () => {
    const drive = await openVirtualDrive('virtual:bd-r?speed=max');
    const { transport, seen, state } = overDrive(drive, true);
    const recorder = await DiscRecorder.fromTransport(transport);
    const held = recorder.heldWrites;
    assert.ok(held !== undefined);
    const hold: DataOutHold = { release: () => undefined };
    const r1 = await held.sendCommandSendDataToDevice(cdb(0), 10, pattern(SECTOR), hold);
    assert.equal(r1.hr, HR.S_OK);
    assert.equal(r1.held, true);
    assert.equal(seen.length, 1);
    assert.equal(seen[0], hold);
    state.keep = false;
    const r2 = await held.sendCommandSendDataToDevice(cdb(1), 10, pattern(SECTOR), hold);
    assert.equal(r2.held, false);
    // The same argument checks as SendCommandSendDataToDevice, before anything is sent.
    const e = await held.sendCommandSendDataToDevice(cdb(2), 10, new Uint8Array(0), hold).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.equal((e as { hr?: number } | undefined)?.hr, HR.E_INVALIDARG);
    assert.equal(seen.length, 2);
    // IMAPI2's SendCommandSendDataToDevice offers no hold: execute(), a result without `held`.
    const plainBefore = state.plain;
    const r3 = await recorder.sendCommandSendDataToDevice(cdb(2), 10, pattern(SECTOR));
    assert.equal(r3.hr, HR.S_OK);
    assert.equal('held' in r3, false);
    assert.equal(state.plain, plainBefore + 1);
    assert.equal(seen.length, 2, 'no hold offered, none passed on');
    await recorder.close();
    assert.equal(recorder.heldWrites, undefined, 'none after close');
  });

  it('are absent when the transport does not declare them, and the engine then sends plain WRITEs', async () => {
    const clock = new VirtualClock();
    const drive = await openVirtualDrive('virtual:bd-r?speed=max', { clock });
    const { transport, seen, state } = overDrive(drive, false);
    const recorder = await DiscRecorder.fromTransport(transport, { clock });
    assert.equal(recorder.heldWrites, undefined);
    const engine = new WriteEngine({ clock });
    await engine.setRecorder(recorder);
    engine.bytesPerSector = SECTOR;
    const blocks = 10 * 32;
    const data = pattern(blocks * SECTOR);
    await engine.writeSection(data, 0, blocks);
    assert.equal(seen.length, 0);
    assert.equal(state.plain, writes(drive.control.log).length);
    assert.deepEqual(await drive.control.media.readBlocks(0, blocks), data);
    await recorder.close();
  });

  it('are traced at the execute point like every other command', async () => {
    const t = await holdingEngine('later');
    const traced: string[] = [];
    const finish = diagnosticsChannel.channel(COMMAND_FINISH_CHANNEL);
    const onFinish = (m: unknown) => {
      const c = m as CommandTraceMessage;
      if (c.status === ScsiStatus.GOOD) traced.push(c.name);
    };
    finish.subscribe(onFinish);
    try {
      await t.engine.writeSection(pattern(8 * 32 * SECTOR), 0, 8 * 32);
    } finally {
      finish.unsubscribe(onFinish);
    }
    assert.equal(t.transport.heldCount, 8);
    assert.equal(traced.filter((n) => n === 'WRITE(10)').length, 8);
    await t.recorder.close();
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
