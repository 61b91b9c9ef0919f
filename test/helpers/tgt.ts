// A private tgtd (Linux SCSI target, user space) for the iSCSI tests: its own iSCSI port on
// 127.0.0.1, its own management socket (TGT_IPC_SOCKET in a temp dir + --control-port), and
// blank DVD+R logical units on empty backing files. tgtd ignores SIGTERM while targets exist,
// so stop() takes it down the way it wants: offline, close connections, delete targets and
// accounts, delete the system, and SIGKILL that one PID only as a last resort.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdtempSync,
  openSync,
  closeSync,
  truncateSync,
  rmSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TGT_IQN = 'iqn.2026-11.test:dvd';

/** Finds tgtd/tgtadm on PATH or in the sbin directories (PATH may lack them). */
export function findTgtBinary(name: 'tgtd' | 'tgtadm'): string | undefined {
  const dirs = (process.env.PATH ?? '')
    .split(':')
    .concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  for (const d of dirs) {
    if (d === '') continue;
    const p = path.join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * Whether tgt tests can run. Outside CI a missing tgtd skips them with a one-line message;
 * with CI=true it is a failure (the CI script installs tgt).
 */
export function tgtAvailability(): { run: true } | { run: false; message: string } {
  if (findTgtBinary('tgtd') !== undefined && findTgtBinary('tgtadm') !== undefined) {
    return { run: true };
  }
  const message =
    'tgt (tgtd, tgtadm) not installed: skipping the iSCSI tests against tgt (apt-get install tgt)';
  if (process.env.CI === 'true') throw new Error(`${message} — but CI=true requires them`);
  return { run: false, message };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TgtLun {
  readonly tid: number;
  readonly iqn: string;
  readonly image: string;
}

export class Tgt {
  readonly dir: string;
  readonly port: number;
  /** tgtd's --control-port: only names the management socket (in our dir); at most 32767. */
  private readonly ctrl: number;
  private readonly tgtd: string;
  private readonly tgtadm: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private alive = false;
  readonly targets = new Map<number, TgtLun>();

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.ctrl = port & 0x7fff;
    this.tgtd = findTgtBinary('tgtd')!;
    this.tgtadm = findTgtBinary('tgtadm')!;
  }

  /** Starts tgtd on a free loopback port with a private control socket. */
  static async start(): Promise<Tgt> {
    const dir = mkdtempSync(path.join(tmpdir(), 'discwright-tgt-'));
    for (let attempt = 0; ; attempt++) {
      const t = new Tgt(dir, await freePort());
      try {
        await t.launch();
        return t;
      } catch (e) {
        await t.shutdown().catch(() => undefined);
        if (attempt >= 2) {
          rmSync(dir, { recursive: true, force: true });
          throw e;
        }
      }
    }
  }

  /**
   * Starts tgtd again on the same port after kill(). tgtd keeps its configuration in memory
   * only, so the targets are re-created on their existing image files (not blanked).
   */
  async restart(): Promise<void> {
    await this.exited;
    await this.launch();
    const old = [...this.targets.values()];
    for (const t of old)
      await this.addDvdTarget(t.tid, t.iqn, { keepImage: true, writeCache: true });
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, TGT_IPC_SOCKET: path.join(this.dir, 'ipc') };
  }

  private async launch(): Promise<void> {
    rmSync(path.join(this.dir, `ipc.${this.ctrl}`), { force: true });
    rmSync(path.join(this.dir, `ipc.${this.ctrl}.lock`), { force: true });
    const log = openSync(path.join(this.dir, 'tgtd.log'), 'a');
    const child = spawn(
      this.tgtd,
      ['-f', '-C', String(this.ctrl), '--iscsi', `portal=127.0.0.1:${this.port}`],
      {
        env: this.env(),
        stdio: ['ignore', log, log],
        detached: true,
      },
    );
    closeSync(log);
    this.child = child;
    this.alive = true;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        // A killed predecessor's exit may be reported after a restart: only ours counts.
        if (this.child === child) this.alive = false;
        resolve();
      });
    });
    child.unref();
    // Never leave a tgtd behind, even when the test process ends abruptly.
    const pid = child.pid;
    process.once('exit', () => {
      if (pid !== undefined && this.child === child && this.alive) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    for (let i = 0; i < 100; i++) {
      if (!this.alive) throw new Error(`tgtd exited during startup (log: ${this.dir}/tgtd.log)`);
      const ok = await this.adm(['--mode', 'system', '--op', 'show']).then(
        () => true,
        () => false,
      );
      if (ok && (await portOpen(this.port))) return;
      await delay(50);
    }
    throw new Error('tgtd not ready after 5 s');
  }

  get running(): boolean {
    return this.alive;
  }

  /** tgtadm against this instance. */
  adm(args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.tgtadm,
        ['-C', String(this.ctrl), '--lld', 'iscsi', ...args],
        { env: this.env(), timeout: 10_000 },
        (err, stdout, stderr) => {
          if (err !== null) reject(new Error(`tgtadm ${args.join(' ')}: ${stderr || err.message}`));
          else resolve(stdout);
        },
      );
    });
  }

  /** Creates target `tid` with a blank DVD+R (0-byte backing file) on LUN 1. */
  async addDvdTarget(
    tid: number,
    iqn = tid === 1 ? TGT_IQN : `${TGT_IQN}-${tid}`,
    options: { keepImage?: boolean; writeCache?: boolean } = {},
  ): Promise<TgtLun> {
    const image = path.join(this.dir, `dvdr-${tid}.img`);
    if (options.keepImage !== true) closeSync(openSync(image, 'w'));
    await this.adm(['--mode', 'target', '--op', 'new', '--tid', String(tid), '--targetname', iqn]);
    await this.adm([
      '--mode',
      'logicalunit',
      '--op',
      'new',
      '--tid',
      String(tid),
      '--lun',
      '1',
      '--backing-store',
      image,
      '--device-type',
      'cd',
    ]);
    await this.lunParams(
      tid,
      `vendor_id=TGTTEST,product_id=DVDR-EMU,product_rev=0001,scsi_sn=DVD${tid}1`,
    );
    if (options.writeCache === true) {
      // Caching mode page 08h with WCE=1: tgt then skips the fdatasync() after every WRITE,
      // which on a slow disk costs milliseconds per command.
      await this.lunParams(tid, 'mode_page=8:0:10:4:0:0:0:0:0:0:0:0:0');
    }
    await this.adm([
      '--mode',
      'target',
      '--op',
      'bind',
      '--tid',
      String(tid),
      '--initiator-address',
      'ALL',
    ]);
    const lun = { tid, iqn, image };
    this.targets.set(tid, lun);
    return lun;
  }

  /** `tgtadm --mode logicalunit --op update` of LUN 1 in target `tid` with `--params`. */
  private lunParams(tid: number, params: string): Promise<string> {
    return this.adm([
      '--mode',
      'logicalunit',
      '--op',
      'update',
      '--tid',
      String(tid),
      '--lun',
      '1',
      '--params',
      params,
    ]);
  }

  /** Sets a target-side iSCSI key (HeaderDigest, MaxRecvDataSegmentLength, nop_interval, …). */
  async setParam(tid: number, name: string, value: string): Promise<void> {
    await this.adm([
      '--mode',
      'target',
      '--op',
      'update',
      '--tid',
      String(tid),
      '--name',
      name,
      '--value',
      value,
    ]);
  }

  /** Binds a CHAP account; `outgoing` makes it the target's own (mutual CHAP) identity. */
  async addAccount(tid: number, user: string, password: string, outgoing = false): Promise<void> {
    await this.adm(['--mode', 'account', '--op', 'new', '--user', user, '--password', password]);
    await this.adm([
      '--mode',
      'account',
      '--op',
      'bind',
      '--tid',
      String(tid),
      '--user',
      user,
      ...(outgoing ? ['--outgoing'] : []),
    ]);
  }

  /** A fresh blank DVD+R in target `tid`: LUN offline, truncate the image, re-open it. */
  async blank(tid: number): Promise<void> {
    const lun = this.targets.get(tid)!;
    await this.lunParams(tid, 'online=0');
    truncateSync(lun.image, 0);
    await this.lunParams(tid, `path=${lun.image}`);
  }

  /** The (tid, sid, cid) of every iSCSI connection. */
  async connections(): Promise<{ tid: number; sid: number; cid: number }[]> {
    const out = await this.adm(['--mode', 'target', '--op', 'show']);
    const list: { tid: number; sid: number; cid: number }[] = [];
    let tid = 0;
    let sid = 0;
    for (const line of out.split('\n')) {
      let m = /^Target (\d+):/.exec(line);
      if (m !== null) tid = Number(m[1]);
      m = /I_T nexus: (\d+)/.exec(line);
      if (m !== null) sid = Number(m[1]);
      m = /Connection: (\d+)/.exec(line);
      if (m !== null) list.push({ tid, sid, cid: Number(m[1]) });
    }
    return list;
  }

  /** Force-closes every connection of target `tid` from the target side. */
  async dropConnections(tid: number): Promise<void> {
    for (const c of await this.connections()) {
      if (c.tid !== tid) continue;
      await this.adm([
        '--mode',
        'conn',
        '--op',
        'delete',
        '--tid',
        String(c.tid),
        '--sid',
        String(c.sid),
        '--cid',
        String(c.cid),
      ]);
    }
  }

  /** Kills tgtd at once (a crash as the initiator sees it). */
  async kill(): Promise<void> {
    if (this.alive && this.child?.pid !== undefined) this.child.kill('SIGKILL');
    await this.exited;
  }

  url(tid = 1, userInfo = ''): string {
    const lun = this.targets.get(tid)!;
    return `iscsi://${userInfo === '' ? '' : `${userInfo}@`}127.0.0.1:${this.port}/${lun.iqn}/1`;
  }

  /** Tears tgtd down and removes the temp dir. Safe to call more than once. */
  async stop(): Promise<void> {
    await this.shutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async shutdown(): Promise<void> {
    if (this.alive) {
      const quiet = (args: string[]) => this.adm(args).catch(() => '');
      await quiet(['--op', 'update', '--mode', 'sys', '--name', 'State', '-v', 'offline']);
      const tids = [...this.targets.keys()];
      for (const t of tids)
        await quiet([
          '--mode',
          'target',
          '--op',
          'update',
          '--tid',
          String(t),
          '--name',
          'state',
          '--value',
          'offline',
        ]);
      for (const c of await this.connections().catch(() => [])) {
        await quiet([
          '--mode',
          'conn',
          '--op',
          'delete',
          '--tid',
          String(c.tid),
          '--sid',
          String(c.sid),
          '--cid',
          String(c.cid),
        ]);
      }
      for (let i = 0; i < 50; i++) {
        const show = await quiet(['--mode', 'target', '--op', 'show']);
        const left = [...show.matchAll(/^Target (\d+):/gm)].map((m) => m[1]!);
        if (left.length === 0) break;
        for (const t of left)
          await quiet(['--mode', 'target', '--op', 'delete', '--force', '--tid', t]);
        await delay(100);
      }
      const accounts = await quiet(['--mode', 'account', '--op', 'show']);
      for (const m of accounts.matchAll(/^ {4}(\S+)$/gm)) {
        await quiet(['--mode', 'account', '--op', 'delete', '--user', m[1]!]);
      }
      await quiet(['--op', 'delete', '--mode', 'system']);
      const gone = await Promise.race([
        this.exited.then(() => true),
        delay(5000).then(() => false),
      ]);
      if (!gone) await this.kill();
    }
  }
}
