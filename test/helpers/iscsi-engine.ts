// A write engine over iSCSI to the fake target (test/helpers/fake-iscsi-target.ts) whose script
// runs the commands on a virtual drive, for tests that compare what the engine reports written
// with what the drive received (its command log).

import { DiscRecorder } from '../../src/device/recorder.js';
import { WriteEngine, type WriteEngineEventArgs } from '../../src/engine/index.js';
import type { VirtualDrive } from '../../src/transport/emulated/index.js';
import { openIscsiTransport, type IscsiTransport } from '../../src/transport/iscsi/index.js';
import { FakeTarget, type TargetScript } from './fake-iscsi-target.js';

export interface EngineOverTarget {
  readonly drive: VirtualDrive;
  readonly target: FakeTarget;
  readonly t: IscsiTransport;
  readonly recorder: DiscRecorder;
  readonly engine: WriteEngine;
  /** Every 'update' event's arguments, in order. */
  readonly events: WriteEngineEventArgs[];
}

/**
 * A FakeTarget with `script` (its onPdu typically driveBacked(drive, ...)), a logged-in iSCSI
 * transport to it, a recorder and a WriteEngine of 2,048-byte sectors on that recorder. The
 * drive, target and recorder are closed by `cleanups` (run in reverse by the test's `after`).
 */
export async function engineOverTarget(
  drive: VirtualDrive,
  script: TargetScript,
  cleanups: (() => Promise<unknown>)[],
): Promise<EngineOverTarget> {
  const target = new FakeTarget(script);
  const port = await target.listen();
  const t = await openIscsiTransport(target.url(port), { keepAliveIntervalMs: 0 });
  const recorder = await DiscRecorder.fromTransport(t);
  cleanups.push(
    () => drive.close(),
    () => target.close(),
    () => recorder.close(),
  );
  const engine = new WriteEngine();
  await engine.setRecorder(recorder);
  engine.bytesPerSector = 2048;
  const events: WriteEngineEventArgs[] = [];
  engine.on('update', (_sender, args) => events.push(args));
  return { drive, target, t, recorder, engine, events };
}
