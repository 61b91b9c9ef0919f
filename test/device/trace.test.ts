// Command tracing (src/device/trace.ts, docs/tracing.md): what the diagnostics channels carry for
// a section written through the engine to the virtual drive, checked against the drive's own
// command log; the raw IDiscRecorder2Ex commands and a transport rejection; that nothing is built
// or published without a subscriber; the trace line; the printer.

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { DiscRecorder } from '../../src/device/recorder.js';
import {
  COMMAND_FINISH_CHANNEL,
  COMMAND_START_CHANNEL,
  executeTraced,
  printTrace,
  traceFromEnv,
  traceLine,
  type CommandTraceMessage,
} from '../../src/device/trace.js';
import { WriteEngine } from '../../src/engine/index.js';
import { DwError, HR, hrName } from '../../src/errors.js';
import { scsiCommand, type ScsiCommand, type ScsiResult } from '../../src/scsi/command.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { openVirtualDrive, type LogEntry } from '../../src/transport/emulated/index.js';
import type { ExecuteOptions, Transport } from '../../src/transport/transport.js';
import { h } from '../helpers/bytes.js';
import { pattern, rejectsWith, rig } from '../helpers/recorder.js';
import { LOSS_OF_STREAMING } from '../helpers/sense.js';

interface Seen {
  readonly event: 'start' | 'finish';
  readonly message: CommandTraceMessage;
  /** The outcome fields as they were when the event was published. */
  readonly status: number | undefined;
  readonly durationUs: number | undefined;
}

/** Subscribes to both channels; `stop()` unsubscribes. */
function listen(): { seen: Seen[]; finished: () => CommandTraceMessage[]; stop: () => void } {
  const seen: Seen[] = [];
  const on =
    (event: Seen['event']) =>
    (m: unknown): void => {
      const message = m as CommandTraceMessage;
      seen.push({ event, message, status: message.status, durationUs: message.durationUs });
    };
  const onStart = on('start');
  const onFinish = on('finish');
  diagnosticsChannel.subscribe(COMMAND_START_CHANNEL, onStart);
  diagnosticsChannel.subscribe(COMMAND_FINISH_CHANNEL, onFinish);
  return {
    seen,
    finished: () => seen.filter((s) => s.event === 'finish').map((s) => s.message),
    stop: () => {
      diagnosticsChannel.unsubscribe(COMMAND_START_CHANNEL, onStart);
      diagnosticsChannel.unsubscribe(COMMAND_FINISH_CHANNEL, onFinish);
    },
  };
}

let stopListening: (() => void) | undefined;
afterEach(() => {
  stopListening?.();
  stopListening = undefined;
});

/** A traced command against the drive's record of the same command. */
function assertMatches(m: CommandTraceMessage, e: LogEntry): void {
  assert.equal(m.opcode, e.opcode);
  assert.deepEqual([...m.cdb], [...e.cdb]);
  assert.equal(m.name, e.name);
  assert.equal(m.status, e.status);
  assert.deepEqual([...(m.sense ?? [])], [...e.sense]);
  if (e.senseCode === undefined) {
    assert.equal(m.senseInfo, undefined);
  } else {
    assert.deepEqual(
      { key: m.senseInfo?.key, asc: m.senseInfo?.asc, ascq: m.senseInfo?.ascq },
      { key: e.senseCode.senseKey, asc: e.senseCode.asc, ascq: e.senseCode.ascq },
    );
  }
  if (m.direction === 'out') assert.equal(m.dataLength, e.dataOutBytes);
  if (m.direction === 'in') assert.equal(m.dataInLength, e.dataInBytes);
  assert.equal(m.transport, 'virtual');
  assert.equal(m.address, 'virtual:dvd+r');
  assert.equal(m.error, undefined);
  assert.ok(typeof m.durationUs === 'number' && m.durationUs >= 0);
}

describe('discwright:command:start / :finish', () => {
  it('carry every command of a section written through the engine, in order, with its sense', async () => {
    const t = await rig();
    const engine = new WriteEngine({ clock: t.clock });
    await engine.setRecorder(t.recorder);
    engine.bytesPerSector = 2048;
    // One WRITE answers 02/04/08; the engine backs off and sends it again.
    t.drive.control.faults.busy(1, 8);
    const from = t.log.length;
    const l = listen();
    stopListening = l.stop;
    await engine.writeSection(pattern(2048 * 100), 0, 100);
    await t.recorder.synchronizeCache();
    l.stop();

    const logged = t.log.slice(from);
    const finished = l.finished();
    assert.equal(finished.length, logged.length, 'one finish per command the drive logged');
    assert.ok(logged.length >= 6, String(logged.length));
    finished.forEach((m, i) => assertMatches(m, logged[i]!));

    // start and finish alternate (one command at a time), with the same object each time.
    assert.equal(l.seen.length, 2 * finished.length);
    for (let i = 0; i < l.seen.length; i += 2) {
      const [s, f] = [l.seen[i]!, l.seen[i + 1]!];
      assert.equal(s.event, 'start');
      assert.equal(f.event, 'finish');
      assert.equal(s.message, f.message);
      assert.equal(s.status, undefined, 'no outcome at start');
      assert.equal(s.durationUs, undefined);
      if (i > 0) assert.equal(s.message.seq, l.seen[i - 2]!.message.seq + 1);
    }

    const writes = finished.filter((m) => m.opcode === 0x2a);
    const busy = writes.filter((m) => m.status === 0x02);
    assert.equal(busy.length, 1, 'exactly one WRITE carried CHECK CONDITION');
    assert.deepEqual(
      { ...busy[0]!.senseInfo },
      {
        key: 2,
        asc: 0x04,
        ascq: 0x08,
        keyName: 'NOT READY',
        text: 'LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS',
        deferred: false,
      },
    );
    // The good WRITEs cover the section once: 32 + 32 + 32 + 4 blocks from LBA 0.
    const good = writes.filter((m) => m.status === 0x00);
    assert.equal(
      good.reduce((n, m) => n + (m.dataLength ?? 0), 0),
      2048 * 100,
    );
    assert.equal(finished.at(-1)!.name, 'SYNCHRONIZE CACHE(10)');
    await t.recorder.close();
  });

  it('carry the raw IDiscRecorder2Ex commands, sense included', async () => {
    const t = await rig();
    const from = t.log.length;
    const l = listen();
    stopListening = l.stop;
    await t.recorder.sendCommandNoData(h('00 00 00 00 00 00'), 10); // TEST UNIT READY
    const r = await t.recorder.sendCommandGetDataFromDevice(
      h('5a 00 3f 00 00 00 00 00 08 00'),
      10,
      8,
    );
    await t.recorder.sendCommandNoData(h('1e 00 00 00 00 00'), 10);
    // READ(10) of an unrecorded block: 05/21/00.
    const bad = await t.recorder.sendCommandGetDataFromDevice(
      h('28 00 00 00 10 00 00 00 01 00'),
      10,
      2048,
    );
    assert.equal(bad.hr, HR.S_IMAPI_COMMAND_HAS_SENSE_DATA);
    l.stop();
    const logged = t.log.slice(from);
    const finished = l.finished();
    assert.equal(finished.length, 4);
    assert.equal(logged.length, 4);
    finished.forEach((m, i) => assertMatches(m, logged[i]!));
    assert.equal(finished[1]!.dataLength, 8);
    assert.equal(finished[1]!.dataInLength, r.data.length);
    assert.equal(finished[3]!.senseInfo?.key, 5);
    assert.equal(finished[3]!.senseInfo?.asc, 0x21);
    await t.recorder.close();
  });

  it('carry the rejection when the transport rejects, with no status', async () => {
    const t = await rig();
    const l = listen();
    stopListening = l.stop;
    t.drive.control.faults.vanishAfter(0);
    const err = await rejectsWith(t.recorder.sendCommandNoData(h('00 00 00 00 00 00'), 10));
    l.stop();
    assert.equal(err.hr, HR.ERROR_DEV_NOT_EXIST);
    const [m] = l.finished();
    assert.ok(m !== undefined);
    assert.equal(m.status, undefined);
    assert.equal(m.result, undefined);
    assert.ok(m.error instanceof DwError);
    assert.equal(m.error.hr, HR.ERROR_DEV_NOT_EXIST);
    assert.ok(
      traceLine(m).startsWith(
        `trace #${m.seq} TEST UNIT READY 00 00 00 00 00 00 REJECTED ` +
          `${hrName(HR.ERROR_DEV_NOT_EXIST)} (0x80070037) device not available: `,
      ),
      traceLine(m),
    );
    assert.match(traceLine(m), / \d+µs$/);
    await t.recorder.close().catch(() => undefined);
  });
});

/** A transport over the virtual drive that counts reads of its address. */
class CountingTransport implements Transport {
  addressReads = 0;
  lastPromise: Promise<ScsiResult> | undefined;
  constructor(readonly inner: Transport) {}
  get address(): string {
    this.addressReads++;
    return this.inner.address;
  }
  execute(command: ScsiCommand, options?: ExecuteOptions): Promise<ScsiResult> {
    this.lastPromise = this.inner.execute(command, options);
    return this.lastPromise;
  }
  limits() {
    return this.inner.limits();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('without a subscriber', () => {
  it('builds no message and publishes nothing, on a whole section', async () => {
    const clock = new VirtualClock();
    const drive = await openVirtualDrive('virtual:dvd+r', { clock });
    const transport = new CountingTransport(drive);
    const recorder = await DiscRecorder.fromTransport(transport, { clock });
    const engine = new WriteEngine({ clock });
    await engine.setRecorder(recorder);
    engine.bytesPerSector = 2048;

    const start = diagnosticsChannel.channel(COMMAND_START_CHANNEL);
    const finish = diagnosticsChannel.channel(COMMAND_FINISH_CHANNEL);
    assert.equal(start.hasSubscribers, false);
    assert.equal(finish.hasSubscribers, false);
    let published = 0;
    // Own properties shadow the channels' publish, whichever prototype they have.
    const spy = (): void => {
      published++;
    };
    Object.defineProperty(start, 'publish', { value: spy, configurable: true });
    Object.defineProperty(finish, 'publish', { value: spy, configurable: true });
    try {
      // A message reads the transport's address once when it is built.
      const reads = transport.addressReads;
      const logFrom = drive.control.log.length;
      await engine.writeSection(pattern(2048 * 200), 0, 200);
      const commands = drive.control.log.length - logFrom;
      assert.ok(commands >= 7, String(commands));
      assert.equal(published, 0, 'nothing published');
      assert.equal(transport.addressReads, reads, 'no message built');

      // The same section with a subscriber builds one message per command (the control).
      delete (start as { publish?: unknown }).publish;
      delete (finish as { publish?: unknown }).publish;
      const l = listen();
      stopListening = l.stop;
      const reads2 = transport.addressReads;
      const logFrom2 = drive.control.log.length;
      await engine.writeSection(pattern(2048 * 200), 200, 200);
      l.stop();
      const commands2 = drive.control.log.length - logFrom2;
      assert.equal(transport.addressReads - reads2, commands2);
      assert.equal(l.finished().length, commands2);
    } finally {
      delete (start as { publish?: unknown }).publish;
      delete (finish as { publish?: unknown }).publish;
      await recorder.close();
    }
  });

  it("executeTraced is the transport's own call: same promise, nothing wrapped", async () => {
    const drive = await openVirtualDrive('virtual:dvd+r');
    const transport = new CountingTransport(drive);
    const tur = scsiCommand('TEST UNIT READY', new Uint8Array(6), 'none');
    const p = executeTraced(transport, tur, { timeoutMs: 1000 });
    assert.equal(p, transport.lastPromise);
    await p;
    const l = listen();
    stopListening = l.stop;
    const q = executeTraced(transport, tur, { timeoutMs: 1000 });
    assert.notEqual(q, transport.lastPromise, 'wrapped only while someone listens');
    await q;
    l.stop();
    assert.equal(l.finished().length, 1);
    assert.equal(l.finished()[0]!.transport, 'virtual');
    assert.equal(l.finished()[0]!.timeoutMs, 1000);
    await drive.close();
  });
});

/** A finished message as a subscriber sees it, for the line tests. */
function message(o: Partial<CommandTraceMessage> & { cdb: Uint8Array }): CommandTraceMessage {
  return {
    seq: 7,
    name: 'WRITE(10)',
    opcode: o.cdb[0] ?? 0,
    direction: 'none',
    dataLength: 0,
    timeoutMs: 10_000,
    transport: 'virtual',
    address: 'virtual:dvd+r',
    command: scsiCommand('X', o.cdb, 'none'),
    status: 0,
    sense: new Uint8Array(0),
    senseInfo: undefined,
    dataInLength: undefined,
    residual: 0,
    durationUs: 412,
    error: undefined,
    result: undefined,
    ...o,
  };
}

describe('traceLine', () => {
  it('WRITE(10): name, CDB, LBA and blocks from the CDB, bytes out, status, µs', () => {
    assert.equal(
      traceLine(
        message({
          cdb: h('2a 00 00 00 00 20 00 00 20 00'),
          direction: 'out',
          dataLength: 65536,
        }),
      ),
      'trace #7 WRITE(10) 2A 00 00 00 00 20 00 00 20 00 lba=32 blocks=32 out=65536 GOOD 412µs',
    );
  });

  it('CHECK CONDITION: sense key/ASC/ASCQ, key name and text, information, deferred', () => {
    assert.equal(
      traceLine(
        message({
          cdb: h('2a 00 ff ff ff 6a 00 00 10 00'),
          direction: 'out',
          dataLength: 32768,
          status: 0x02,
          senseInfo: { ...LOSS_OF_STREAMING, information: -150 >>> 0, deferred: true },
          durationUs: 35,
        }),
      ),
      'trace #7 WRITE(10) 2A 00 FF FF FF 6A 00 00 10 00 lba=-150 blocks=16 out=32768 CHECK CONDITION ' +
        '03/0C/09 MEDIUM ERROR: WRITE ERROR - LOSS OF STREAMING info=4294967146 deferred 35µs',
    );
  });

  it('READ(12) with data in: received of allocated; other commands without LBA', () => {
    assert.equal(
      traceLine(
        message({
          name: 'READ(12)',
          cdb: h('a8 00 00 01 00 00 00 00 00 02 00 00'),
          direction: 'in',
          dataLength: 4096,
          dataInLength: 4096,
        }),
      ),
      'trace #7 READ(12) A8 00 00 01 00 00 00 00 00 02 00 00 lba=65536 blocks=2 in=4096/4096 GOOD 412µs',
    );
    assert.equal(
      traceLine(
        message({
          name: 'INQUIRY',
          cdb: h('12 00 00 00 24 00'),
          direction: 'in',
          dataLength: 36,
          dataInLength: 36,
        }),
      ),
      'trace #7 INQUIRY 12 00 00 00 24 00 in=36/36 GOOD 412µs',
    );
  });

  it('a CDB too short for its opcode, unusable sense, an unknown status', () => {
    assert.equal(
      traceLine(message({ name: 'WRITE(10)', cdb: h('2a 00 00 00'), status: 0x02 })),
      'trace #7 WRITE(10) 2A 00 00 00 CHECK CONDITION (no usable sense) 412µs',
    );
    assert.equal(
      traceLine(message({ name: 'OPCODE 0xDF', cdb: h('df 00 00 00 00 00'), status: 0x22 })),
      'trace #7 OPCODE 0xDF DF 00 00 00 00 00 STATUS 0x22 412µs',
    );
  });

  it('a rejection: the HRESULT name, value and message', () => {
    const error = new DwError(HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT, {
      message: 'WRITE(10) did not complete within 60000 ms',
    });
    assert.equal(
      traceLine(
        message({
          cdb: h('2a 00 00 00 00 00 00 00 20 00'),
          direction: 'out',
          dataLength: 65536,
          status: undefined,
          sense: undefined,
          error,
          durationUs: 60_000_123,
        }),
      ),
      'trace #7 WRITE(10) 2A 00 00 00 00 00 00 00 20 00 lba=0 blocks=32 out=65536 REJECTED ' +
        'E_IMAPI_RECORDER_COMMAND_TIMEOUT (0xC0AA020D) WRITE(10) did not complete within 60000 ms 60000123µs',
    );
    assert.equal(
      traceLine(
        message({
          name: 'TEST UNIT READY',
          cdb: h('00 00 00 00 00 00'),
          status: undefined,
          error: new Error('first\n  second'),
          durationUs: 5,
        }),
      ),
      'trace #7 TEST UNIT READY 00 00 00 00 00 00 REJECTED first second 5µs',
    );
  });
});

describe('printTrace', () => {
  it('one whole line per finished command, one printer per sink, stoppable', async () => {
    const written: string[] = [];
    const sink = { write: (s: string) => written.push(s) };
    const t = await rig();
    printTrace(sink);
    const stop = printTrace(sink, { sharedTerminal: true }); // replaces the first
    await t.recorder.sendCommandNoData(h('00 00 00 00 00 00'), 10);
    stop();
    await t.recorder.sendCommandNoData(h('00 00 00 00 00 00'), 10);
    assert.equal(written.length, 1);
    const line = written[0]!;
    assert.ok(line.startsWith('\r\u001b[2Ktrace #'), JSON.stringify(line));
    assert.ok(line.endsWith('µs\n\u001b7'), JSON.stringify(line));
    assert.match(line.slice(5, -3), /^trace #\d+ TEST UNIT READY 00 00 00 00 00 00 GOOD \d+µs$/);
    assert.equal(diagnosticsChannel.channel(COMMAND_FINISH_CHANNEL).hasSubscribers, false);
    await t.recorder.close();
  });

  it('DISCWRIGHT_TRACE: set, not empty, not 0', () => {
    assert.equal(traceFromEnv({}), false);
    assert.equal(traceFromEnv({ DISCWRIGHT_TRACE: '' }), false);
    assert.equal(traceFromEnv({ DISCWRIGHT_TRACE: '0' }), false);
    assert.equal(traceFromEnv({ DISCWRIGHT_TRACE: '1' }), true);
    assert.equal(traceFromEnv({ DISCWRIGHT_TRACE: 'yes' }), true);
  });
});
