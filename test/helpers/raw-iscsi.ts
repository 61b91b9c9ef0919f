// A raw iSCSI initiator connection for the target's tests: PDUs are sent with the independent
// byte builder (iscsi-pdus.ts), answers are read whole and checked at their RFC 7143 byte
// offsets by the tests. `loggedIn` goes straight to the full feature phase with AuthMethod None
// and the default operational keys.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before } from 'node:test';
import {
  IscsiTarget,
  type ConnectionEvent,
  type IscsiTargetOptions,
} from '../../src/transport/iscsi/target/index.js';
import { openVirtualDrive, type VirtualDrive } from '../../src/transport/emulated/index.js';
import type { Pdu } from '../../src/transport/iscsi/pdu-types.js';
import { wireBytes } from './iscsi-pdus.js';

export const LUN0 = new Uint8Array(8);

export function lunField(n: number): Uint8Array {
  const l = new Uint8Array(8);
  l[1] = n;
  return l;
}

export interface Answer {
  readonly bhs: Buffer;
  readonly data: Buffer;
}

/** A raw connection: `send` PDUs, `next` reads one answer, `closed` resolves when it ends. */
export class Raw {
  readonly #socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  readonly closed: Promise<void>;
  constructor(port: number) {
    this.#socket = net.connect(port, '127.0.0.1');
    this.#socket.on('data', (b: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, b]);
      this.#wake?.();
    });
    this.closed = new Promise((resolve) =>
      this.#socket.on('close', () => {
        this.#wake?.();
        resolve();
      }),
    );
    this.#socket.on('error', () => undefined);
  }
  send(p: Pdu | Uint8Array): void {
    this.#socket.write(p instanceof Uint8Array ? p : wireBytes(p));
  }
  async next(): Promise<Answer> {
    for (;;) {
      if (this.#buffer.length >= 48) {
        const length = this.#buffer.readUInt32BE(4) & 0xffffff;
        const total = 48 + length + ((4 - (length % 4)) % 4);
        if (this.#buffer.length >= total) {
          const a = {
            bhs: this.#buffer.subarray(0, 48),
            data: this.#buffer.subarray(48, 48 + length),
          };
          this.#buffer = this.#buffer.subarray(total);
          return a;
        }
      }
      if (this.#socket.destroyed) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.#buffer.length;
  }
  destroy(): void {
    this.#socket.destroy();
  }
}

/**
 * A normal session logged in with CmdSN 10 next; `isid` tells sessions (I_T nexuses) apart;
 * `keys` (`Key=Value` each) are offered too, and the target's answers go to `o.answers`.
 */
export async function loggedIn(
  port: number,
  targetName: string,
  o: { initiatorName?: string; isid?: number; keys?: string[]; answers?: Map<string, string> } = {},
): Promise<Raw> {
  const raw = new Raw(port);
  const name = o.initiatorName ?? 'iqn.2026-01.test:raw';
  raw.send({
    type: 'login-request',
    transit: true,
    continue: false,
    csg: 0,
    nsg: 3,
    versionMax: 0,
    versionMin: 0,
    isid: new Uint8Array([0x80, 0, 0, 0, 0, o.isid ?? 2]),
    tsih: new Uint8Array(2),
    initiatorTaskTag: 1,
    cid: 0,
    cmdSn: 10,
    expStatSn: 0,
    data: new TextEncoder().encode(
      `InitiatorName=${name}\0TargetName=${targetName}\0SessionType=Normal\0AuthMethod=None\0` +
        (o.keys ?? []).map((k) => `${k}\0`).join(''),
    ),
  });
  const a = await raw.next();
  assert.equal(a.bhs[0]! & 0x3f, 0x23); // Login Response
  assert.equal(a.bhs[1]! & 0x83, 0x83); // T, NSG = full feature phase
  assert.equal(a.bhs.readUInt16BE(36), 0); // success
  assert.notEqual(a.bhs.readUInt16BE(14), 0); // TSIH given
  assert.equal(a.bhs.readUInt32BE(28), 10); // ExpCmdSN
  for (const pair of a.data.toString('latin1').split('\0')) {
    const eq = pair.indexOf('=');
    if (eq > 0) o.answers?.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return raw;
}

export const nopOut = (itt: number, cmdSn: number, data = new Uint8Array(0)): Pdu => ({
  type: 'nop-out',
  immediate: true,
  lun: LUN0,
  initiatorTaskTag: itt,
  targetTransferTag: 0xffffffff,
  cmdSn,
  expStatSn: 0,
  data,
});

/** A SCSI Command: a read of `edtl` bytes (none when 0), or a write when `write` is given. */
export const command = (
  itt: number,
  cmdSn: number,
  cdb: number[],
  edtl: number,
  lun: Uint8Array = LUN0,
  write?: { immediate: Uint8Array },
): Pdu => ({
  type: 'scsi-command',
  immediate: false,
  final: true,
  read: write === undefined && edtl > 0,
  write: write !== undefined,
  attr: 1,
  lun,
  initiatorTaskTag: itt,
  expectedDataTransferLength: edtl,
  cmdSn,
  expStatSn: 0,
  cdb: new Uint8Array([...cdb, ...new Array<number>(16 - cdb.length).fill(0)]),
  data: write?.immediate ?? new Uint8Array(0),
});

/** A Task Management Function Request, sent immediate. */
export const taskManagement = (
  fn: number,
  itt: number,
  cmdSn: number,
  o: { lun?: Uint8Array; referencedTaskTag?: number; refCmdSn?: number } = {},
): Pdu => ({
  type: 'task-management-request',
  immediate: true,
  function: fn,
  lun: o.lun ?? LUN0,
  initiatorTaskTag: itt,
  referencedTaskTag: o.referencedTaskTag ?? 0xffffffff,
  cmdSn,
  expStatSn: 0,
  refCmdSn: o.refCmdSn ?? 0,
  expDataSn: 0,
});

/** Status and fixed-format sense key/ASC/ASCQ of a SCSI Response (or GOOD collapsed in Data-In). */
export function statusOf(a: Answer): { status: number; sense?: [number, number, number] } {
  const opcode = a.bhs[0]! & 0x3f;
  if (opcode === 0x25) return { status: a.bhs[3]! };
  assert.equal(opcode, 0x21, `SCSI Response expected, opcode 0x${opcode.toString(16)}`);
  const status = a.bhs[3]!;
  if (a.data.length < 2) return { status };
  const s = a.data.subarray(2);
  return { status, sense: [s[2]! & 0x0f, s[12]!, s[13]!] };
}

export interface ServedOptions extends Omit<IscsiTargetOptions, 'luns' | 'targetName' | 'port'> {
  /** One virtual drive address per LUN, LUN 0 first; default one blank DVD+R. */
  readonly addresses?: readonly string[];
  /** How long `close` waits for the initiators' logouts (IscsiTarget.close), default its own. */
  readonly logoutWaitMs?: number;
}

export interface Served {
  /** Where the target listens. */
  readonly port: number;
  /** The LUNs' drives, LUN 0 first. */
  readonly drives: readonly VirtualDrive[];
  /** Every connection event the target reported, oldest first. */
  readonly events: readonly ConnectionEvent[];
  /** The reasons of the `closed` events, oldest first. */
  readonly closed: readonly string[];
}

/**
 * For a `describe` block: a discwright target serving virtual drives (one blank DVD+R unless
 * `addresses` says otherwise) on a free port, started before its tests and closed after them.
 */
export function servedTarget(targetName: string, o: ServedOptions = {}): Served {
  const { addresses = ['virtual:dvd+r'], logoutWaitMs, ...options } = o;
  const drives: VirtualDrive[] = [];
  const events: ConnectionEvent[] = [];
  let target: IscsiTarget | undefined;
  before(async () => {
    for (const address of addresses) drives.push(await openVirtualDrive(address));
    target = new IscsiTarget({
      ...options,
      luns: drives,
      targetName,
      port: 0,
      onEvent: (e) => {
        events.push(e);
        options.onEvent?.(e);
      },
    });
    await target.listen();
  });
  after(async () => {
    await target?.close(logoutWaitMs);
    for (const d of drives) await d.close();
  });
  return {
    get port() {
      return target!.port;
    },
    drives,
    events,
    get closed() {
      return events.flatMap((e) => (e.kind === 'closed' ? [e.reason] : []));
    },
  };
}

/** `servedTarget` with its default LUN: one blank virtual DVD+R. */
export function servedDvdR(targetName: string, o: Omit<ServedOptions, 'addresses'> = {}): Served {
  return servedTarget(targetName, o);
}
