// Waiting for the command window (RFC 7143 §4.2.2.1) without sockets: the wait pings while the
// window is closed, ends when a wake finds it open, and ends with the connection's loss, the
// command's abort or its deadline. None of these cases waits on a timer.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError, HR } from '../../src/errors.js';
import { testUnitReady } from '../../src/scsi/spc/test-unit-ready.js';
import { CmdSnWindow } from '../../src/transport/iscsi/cmdsn-window.js';
import type { IscsiConnection } from '../../src/transport/iscsi/connection.js';
import { WindowWait } from '../../src/transport/iscsi/window-wait.js';

/** A window whose CmdSN 10 is past MaxCmdSN 9 (closed), and a fake connection. */
function closedWindow(onPing: (left: number) => void = () => undefined) {
  const window = new CmdSnWindow(10, 9);
  const conn = { isOpen: true } as { isOpen: boolean };
  const pings: number[] = [];
  const lostError = new DwError(HR.ERROR_DEV_NOT_EXIST, { message: 'connection lost' });
  const wait = new WindowWait({
    window,
    ping: (_conn, left) => {
      pings.push(left);
      onPing(left);
      return Promise.resolve();
    },
    lost: () => lostError,
  });
  return {
    window,
    conn: conn as unknown as IscsiConnection,
    rawConn: conn,
    pings,
    lostError,
    wait,
  };
}

const far = () => performance.now() + 60_000;

describe('waiting for the command window', () => {
  it('returns at once, without a ping, when the window is open', async () => {
    const t = closedWindow();
    t.window.reset(10, 10);
    await t.wait.until(t.conn, testUnitReady(), far(), undefined, 60_000);
    assert.deepEqual(t.pings, []);
  });

  it('pings while closed and ends when the target raises MaxCmdSN and the session wakes it', async () => {
    const t = closedWindow();
    const done = t.wait.until(t.conn, testUnitReady(), far(), undefined, 60_000);
    assert.equal(t.pings.length, 1);
    assert.ok(t.pings[0]! > 59_000, 'the ping may use what is left of the deadline');
    assert.equal(t.window.update(10, 10), true); // a PDU with MaxCmdSN 10 arrives
    t.wait.wake();
    await done;
    assert.equal(t.pings.length, 1);
  });

  it('a wake that finds the window still closed pings again', async () => {
    let woken = 0;
    const t = closedWindow(() => {
      // Answer the first ping without opening the window, the second by opening it.
      queueMicrotask(() => {
        if (woken++ === 1) t.window.update(10, 10);
        t.wait.wake();
      });
    });
    await t.wait.until(t.conn, testUnitReady(), far(), undefined, 60_000);
    assert.equal(t.pings.length, 2);
  });

  it('rejects with what the session says was lost when the connection has closed', async () => {
    const t = closedWindow();
    t.rawConn.isOpen = false;
    await assert.rejects(
      t.wait.until(t.conn, testUnitReady(), far(), undefined, 60_000),
      (e: unknown) => e === t.lostError,
    );
    assert.deepEqual(t.pings, []);
  });

  it('rejects E_IMAPI_REQUEST_CANCELLED when the command is aborted', async () => {
    const t = closedWindow();
    const signal = AbortSignal.abort();
    await assert.rejects(
      t.wait.until(t.conn, testUnitReady(), far(), signal, 60_000),
      (e: unknown) => e instanceof DwError && e.hr === HR.E_IMAPI_REQUEST_CANCELLED,
    );
  });

  it('rejects with a command timeout naming the timeout once the deadline has passed', async () => {
    const t = closedWindow();
    await assert.rejects(
      t.wait.until(t.conn, testUnitReady(), performance.now() - 1, undefined, 2500),
      (e: unknown) =>
        e instanceof DwError &&
        e.hr === HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT &&
        /within 2500 ms: the target kept its command window closed/.test(e.message),
    );
    assert.deepEqual(t.pings, []);
  });

  it('a wake for a lost connection ends the wait with that loss', async () => {
    const t = closedWindow();
    const done = t.wait.until(t.conn, testUnitReady(), far(), undefined, 60_000);
    t.rawConn.isOpen = false;
    t.wait.wake();
    await assert.rejects(done, (e: unknown) => e === t.lostError);
  });
});
