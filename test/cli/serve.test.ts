// `discwright serve` as a user runs it: it prints the portal, target and LUNs, serves the virtual
// drive to discwright's own initiator, prints a line per login and logout, and on Ctrl-C stops
// and saves the image (a block written over iSCSI is in the image afterwards). A non-loopback
// --listen is refused without CHAP or --no-auth; --chap-user takes its secret from the
// environment and refuses a short one.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openIscsiTransport } from '../../src/transport/iscsi/index.js';
import { write10 } from '../../src/scsi/block/write-10.js';
import { scsiCommand } from '../../src/scsi/command.js';
import { collect, collectOpen, onJsonLines, run, start } from '../helpers/cli.js';

describe('discwright serve', () => {
  it('serves a virtual DVD+R, logs logins, logouts and (--trace) commands, saves the image on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'discwright-serve-'));
    let child: ReturnType<typeof start> | undefined;
    try {
      const img = join(dir, 'd.img');
      const c = start([
        'serve',
        `virtual:dvd+r?image=${img}`,
        '--listen',
        '127.0.0.1:0',
        '--json',
        '--trace',
      ]);
      child = c;
      const ended = collectOpen(c);
      const lines: Record<string, unknown>[] = [];
      const listening = new Promise<Record<string, unknown>>((resolve) =>
        onJsonLines(c, (l) => {
          lines.push(l);
          if (l.event === 'listening') resolve(l);
        }),
      );
      const l = await listening;
      assert.match(String(l.portal), /^127\.0\.0\.1:\d+$/);
      assert.deepEqual(l.luns, [{ lun: 0, address: `virtual:dvd+r?image=${img}` }]);
      const t = await openIscsiTransport(`iscsi://${String(l.portal)}/${String(l.target)}/0`);
      const block = new Uint8Array(2048).fill(0x5a);
      const r = await t.execute(write10({ lba: 0, transferLength: 1, data: block }));
      assert.equal(r.status, 0);
      // A page the drive does not have: the trace shows the sense it answered.
      const vpd = await t.execute(
        scsiCommand('INQUIRY', Uint8Array.of(0x12, 1, 0x83, 0, 255, 0), 'in', {
          allocationLength: 255,
        }),
      );
      assert.equal(vpd.status, 2);
      await t.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      c.kill('SIGINT');
      const done = await ended;
      assert.equal(done.code, 0, done.stderr);
      const events = lines.map((x) => x.event);
      assert.ok(events.includes('login'), JSON.stringify(lines));
      assert.ok(events.includes('logout'), JSON.stringify(lines));
      assert.equal(events.at(-1), 'stopped');
      const commands = lines.filter((x) => x.event === 'command');
      const write = commands.find((x) => x.command === 'WRITE(10)');
      assert.ok(write !== undefined, JSON.stringify(commands));
      assert.equal(write.status, 0);
      assert.equal(write.dataOut, 2048);
      assert.equal(write.lun, 0);
      assert.equal(write.cdb, '2a000000000000000100' + '00'.repeat(6));
      const inquiry = commands.find((x) => x.cdb === '120183' + '00ff00' + '00'.repeat(10));
      assert.equal(inquiry?.sense, '5/24/00', JSON.stringify(commands));
      assert.deepEqual(new Uint8Array(readFileSync(img).subarray(0, 2048)), block);
    } finally {
      // A failed assertion must not leave the server running (the test would never end).
      if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a non-loopback address without --no-auth, before opening anything', async () => {
    const r = await run(['serve', 'virtual:dvd+r', '--listen', '0.0.0.0:0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /needs CHAP.*--no-auth/);
  });

  it('refuses an address that is not a virtual drive', async () => {
    const r = await collect(start(['serve', '/dev/sr0', '--listen', '127.0.0.1:0']));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /virtual drives only/);
  });

  it('requires CHAP with --chap-user, the secret from the environment, never from argv', async () => {
    const env = { ...process.env, DISCWRIGHT_CHAP_SECRET: 'cli-chap-secret-1' };
    const c = start(
      ['serve', 'virtual:cd-rw', '--listen', '127.0.0.1:0', '--json', '--chap-user', 'burner'],
      env,
    );
    const ended = collectOpen(c);
    try {
      const l = await new Promise<Record<string, unknown>>((resolve) =>
        onJsonLines(c, (x) => {
          if (x.event === 'listening') resolve(x);
        }),
      );
      assert.equal(l.auth, 'CHAP');
      const base = `${String(l.portal)}/${String(l.target)}/0`;
      await assert.rejects(openIscsiTransport(`iscsi://${base}`, { autoReconnect: false }));
      const t = await openIscsiTransport(`iscsi://burner%cli-chap-secret-1@${base}`);
      await t.close();
    } finally {
      c.kill('SIGINT');
    }
    const done = await ended;
    assert.equal(done.code, 0, done.stderr);
    assert.doesNotMatch(done.stdout.toString(), /cli-chap-secret-1/);
  });

  it('refuses a CHAP secret shorter than 12 characters', async () => {
    const env = { ...process.env, DISCWRIGHT_CHAP_SECRET: 'short' };
    const r = await collect(
      start(['serve', 'virtual:dvd+r', '--listen', '127.0.0.1:0', '--chap-user', 'u'], env),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /at least 12 characters/);
  });
});
