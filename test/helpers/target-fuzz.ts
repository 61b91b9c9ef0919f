// Fuzzing discwright's iSCSI target (test/iscsi/target/fuzz.test.ts): the good sessions the fuzz
// starts from (login, discovery with SendTargets, SCSI commands with immediate data and with
// R2T / Data-Out, NOP, Text, Task Management, Logout), laid out by the independent byte builder
// (iscsi-pdus.ts) as an initiator sends them; the mutations applied to them; and a raw client
// that sends one step's PDUs in one write, frames what the target answers, checks that every
// answer decodes with the initiator's codec, and tracks where the target's framer stands in the
// byte stream it was sent (RFC 7143 §11.1 framing, no digests), so a final NOP-Out probe can be
// laid on a PDU boundary.

import net from 'node:net';
import { decodeTargetPdu } from '../../src/transport/iscsi/pdu-target.js';
import type { TargetPdu } from '../../src/transport/iscsi/pdu-types.js';
import { cat } from './bytes.js';
import { reorderPdus, wireBytes } from './iscsi-pdus.js';

export const FUZZ_IQN = 'iqn.2026-01.dev.discwright:fuzz';
const LUN0 = new Uint8Array(8);
const TAG = 0xffffffff;
const enc = (s: string) => new TextEncoder().encode(s);
const BLOCK = 2048;
/** The Initiator Task Tag of the final NOP-Out probe. */
export const PROBE_TAG = 0x50524f42;

/** One step of a session: PDUs sent in one write, then a wait until `done` holds for an answer. */
export interface Step {
  readonly pdus: Uint8Array[];
  /** The answer that ends the wait (a Reject, a failed login or the connection's end also do). */
  readonly done: (a: TargetPdu) => boolean;
}
/** A session's steps; later steps may read the answers so far (the R2T's Target Transfer Tag). */
export type Script = ((answers: readonly TargetPdu[]) => Step)[];

const is = (type: TargetPdu['type'], itt?: number) => (a: TargetPdu) =>
  a.type === type && (itt === undefined || ('initiatorTaskTag' in a && a.initiatorTaskTag === itt));

function login(o: { csg: number; nsg: number; keys: string; isid: number }): Uint8Array {
  return wireBytes({
    type: 'login-request',
    transit: true,
    continue: false,
    csg: o.csg,
    nsg: o.nsg,
    versionMax: 0,
    versionMin: 0,
    isid: Uint8Array.of(0x80, 0, 0, 0, (o.isid >>> 8) & 0xff, o.isid & 0xff),
    tsih: new Uint8Array(2),
    initiatorTaskTag: 1,
    cid: 0,
    cmdSn: 1,
    expStatSn: 0,
    data: enc(o.keys),
  });
}

const OPERATIONAL =
  'HeaderDigest=None\0DataDigest=None\0MaxRecvDataSegmentLength=65536\0' +
  'MaxBurstLength=262144\0FirstBurstLength=65536\0ImmediateData=Yes\0InitialR2T=Yes\0' +
  'MaxOutstandingR2T=1\0ErrorRecoveryLevel=0\0DefaultTime2Wait=2\0DefaultTime2Retain=0\0' +
  'MaxConnections=1\0DataPDUInOrder=Yes\0DataSequenceInOrder=Yes\0';

/** The two login steps of a normal session: security (AuthMethod None), then operational. */
export function loginSteps(isid: number): Script {
  const keys = `InitiatorName=iqn.2026-01.test:fuzz\0TargetName=${FUZZ_IQN}\0SessionType=Normal\0`;
  return [
    () => ({
      pdus: [login({ csg: 0, nsg: 1, isid, keys: `${keys}AuthMethod=None\0` })],
      done: is('login-response'),
    }),
    () => ({
      pdus: [login({ csg: 1, nsg: 3, isid, keys: OPERATIONAL })],
      done: (a) => a.type === 'login-response' && a.transit,
    }),
  ];
}

export const command = (o: {
  itt: number;
  cmdSn: number;
  cdb: number[];
  edtl: number;
  write?: Uint8Array;
  immediate?: boolean;
}): Uint8Array =>
  wireBytes({
    type: 'scsi-command',
    immediate: o.immediate ?? false,
    final: true,
    read: o.write === undefined && o.edtl > 0,
    write: o.write !== undefined,
    attr: 1,
    lun: LUN0,
    initiatorTaskTag: o.itt,
    expectedDataTransferLength: o.edtl,
    cmdSn: o.cmdSn,
    expStatSn: 0,
    cdb: Uint8Array.of(...o.cdb, ...new Array<number>(16 - o.cdb.length).fill(0)),
    data: o.write ?? new Uint8Array(0),
  });

export const nopOut = (itt: number, cmdSn: number, data = new Uint8Array(0)): Uint8Array =>
  wireBytes({
    type: 'nop-out',
    immediate: true,
    lun: LUN0,
    initiatorTaskTag: itt,
    targetTransferTag: TAG,
    cmdSn,
    expStatSn: 0,
    data,
  });

export const rw10 = (op: number, lba: number, blocks: number) => [
  op,
  0,
  lba >>> 24,
  (lba >>> 16) & 0xff,
  (lba >>> 8) & 0xff,
  lba & 0xff,
  0,
  0,
  blocks,
  0,
];

/**
 * The full feature phase of a normal session on a random-access disc: NOP-Out, TEST UNIT READY,
 * INQUIRY, READ CAPACITY, Text SendTargets, a 32 KiB WRITE(10) at `lba` with 8 KiB of immediate
 * data and the rest in three Data-Out PDUs after the R2T, READ(10) of it, ABORT TASK of a task
 * that does not exist, Logout.
 */
export function fullFeatureSteps(lba: number, fill: number): Script {
  const data = new Uint8Array(16 * BLOCK).fill(fill);
  return [
    () => ({
      pdus: [
        nopOut(2, 1, enc('ping')),
        command({ itt: 3, cmdSn: 1, cdb: [0x00, 0, 0, 0, 0, 0], edtl: 0 }),
        command({ itt: 4, cmdSn: 2, cdb: [0x12, 0, 0, 0, 36, 0], edtl: 36 }),
        command({ itt: 5, cmdSn: 3, cdb: [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], edtl: 8 }),
        wireBytes({
          type: 'text-request',
          immediate: false,
          final: true,
          continue: false,
          lun: LUN0,
          initiatorTaskTag: 6,
          targetTransferTag: TAG,
          cmdSn: 4,
          expStatSn: 0,
          data: enc('SendTargets=All\0'),
        }),
        command({
          itt: 7,
          cmdSn: 5,
          cdb: rw10(0x2a, lba, 16),
          edtl: data.length,
          write: data.subarray(0, 8192),
        }),
      ],
      done: is('r2t', 7),
    }),
    (answers) => {
      const r2t = answers.find(is('r2t', 7));
      const ttt = r2t?.type === 'r2t' ? r2t.targetTransferTag : 2;
      const pdus = [8192, 16384, 24576].map((at) =>
        wireBytes({
          type: 'data-out',
          final: at === 24576,
          lun: LUN0,
          initiatorTaskTag: 7,
          targetTransferTag: ttt,
          expStatSn: 0,
          dataSn: at / 8192 - 1,
          bufferOffset: at,
          data: data.subarray(at, at + 8192),
        }),
      );
      return { pdus, done: is('scsi-response', 7) };
    },
    () => ({
      pdus: [
        command({ itt: 8, cmdSn: 6, cdb: rw10(0x28, lba, 16), edtl: data.length }),
        wireBytes({
          type: 'task-management-request',
          immediate: true,
          function: 1, // ABORT TASK
          lun: LUN0,
          initiatorTaskTag: 9,
          referencedTaskTag: 0x1234,
          cmdSn: 7,
          expStatSn: 0,
          refCmdSn: 0,
          expDataSn: 0,
        }),
        nopOut(10, 7, enc('pong')),
        wireBytes({
          type: 'logout-request',
          immediate: false,
          reasonCode: 0,
          initiatorTaskTag: 11,
          cid: 0,
          cmdSn: 7,
          expStatSn: 0,
        }),
      ],
      done: is('logout-response'),
    }),
  ];
}

/** A discovery session: one login step, SendTargets=All, Logout. */
export function discoverySteps(isid: number): Script {
  const keys = 'InitiatorName=iqn.2026-01.test:fuzz\0SessionType=Discovery\0AuthMethod=None\0';
  return [
    () => ({ pdus: [login({ csg: 0, nsg: 3, isid, keys })], done: is('login-response') }),
    () => ({
      pdus: [
        wireBytes({
          type: 'text-request',
          immediate: false,
          final: true,
          continue: false,
          lun: LUN0,
          initiatorTaskTag: 2,
          targetTransferTag: TAG,
          cmdSn: 1,
          expStatSn: 0,
          data: enc('SendTargets=All\0'),
        }),
      ],
      done: is('text-response', 2),
    }),
    () => ({
      pdus: [
        wireBytes({
          type: 'logout-request',
          immediate: false,
          reasonCode: 0,
          initiatorTaskTag: 3,
          cid: 0,
          cmdSn: 2,
          expStatSn: 0,
        }),
      ],
      done: is('logout-response'),
    }),
  ];
}

const INITIATOR_OPCODES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x1c, 0x3f];

/** A PDU of random bytes with an initiator opcode (or not) and a short true data segment. */
export function randomPdu(rnd: () => number): Uint8Array {
  const length = rnd() < 0.5 ? 0 : Math.floor(rnd() * 600);
  const b = new Uint8Array(48 + length + ((4 - (length % 4)) % 4));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  b[0] = INITIATOR_OPCODES[Math.floor(rnd() * INITIATOR_OPCODES.length)]! | (b[0]! & 0x40);
  b[4] = rnd() < 0.9 ? 0 : b[4]!; // TotalAHSLength
  b[5] = 0;
  b[6] = length >>> 8;
  b[7] = length & 0xff;
  return b;
}

/** Garbage: random bytes of random length, not laid out as a PDU. */
export function garbage(rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
}

/**
 * `pdus` mutated: reordered (reorderPdus), then 1-4 of: a header byte overwritten or flipped, a
 * data byte changed, DataSegmentLength set at random, the PDU cut short, a random PDU inserted.
 */
export function mutate(pdus: readonly Uint8Array[], rnd: () => number): Uint8Array[] {
  const list: Uint8Array[] = reorderPdus(pdus, rnd).map((p) => Uint8Array.from(p));
  if (list.length === 0) return list;
  const pick = () => Math.floor(rnd() * list.length);
  for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
    const i = pick();
    const p = list[i]!;
    const r = rnd();
    if (p.length < 48) continue; // cut short by an earlier mutation
    if (r < 0.5) {
      const at = Math.floor(rnd() * 48);
      p[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : p[at]! ^ (1 << Math.floor(rnd() * 8));
    } else if (r < 0.7 && p.length > 48) {
      p[48 + Math.floor(rnd() * (p.length - 48))] = Math.floor(rnd() * 256);
    } else if (r < 0.8) {
      const n = rnd() < 0.5 ? Math.floor(rnd() * 0x1000000) : Math.floor(rnd() * 70000);
      p.set([n >>> 16, (n >>> 8) & 0xff, n & 0xff], 5);
    } else if (r < 0.9) {
      list[i] = p.subarray(0, Math.floor(rnd() * p.length));
    } else {
      list.splice(i, 0, randomPdu(rnd));
    }
  }
  return list;
}

/** AHS, data segment and padding after the BHS `h` (no digests). */
function afterHeader(h: Uint8Array): number {
  const length = (h[5]! << 16) | (h[6]! << 8) | h[7]!;
  return h[4]! * 4 + length + ((4 - (length % 4)) % 4);
}

/**
 * The target's framer replayed on what was sent (no digests): how many bytes the PDU it is in
 * the middle of still needs (0 on a boundary).
 */
export class SentFraming {
  #header = new Uint8Array(48);
  #have = 0;
  #need = 48;
  #inHeader = true;

  push(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(this.#need, bytes.length - at);
      if (this.#inHeader) this.#header.set(bytes.subarray(at, at + n), this.#have);
      this.#have += n;
      this.#need -= n;
      at += n;
      if (this.#need > 0) return;
      if (this.#inHeader) {
        const rest = afterHeader(this.#header);
        this.#inHeader = rest === 0;
        this.#need = rest === 0 ? 48 : rest;
      } else {
        this.#inHeader = true;
        this.#need = 48;
      }
      this.#have = 0;
    }
  }

  /** Bytes still missing for the current BHS. */
  get headerMissing(): number {
    return this.#inHeader ? this.#need % 48 : 0;
  }

  /** Bytes still missing for the current PDU, when they are sent as zeroes. */
  get pending(): number {
    if (!this.#inHeader) return this.#need;
    if (this.#have === 0) return 0;
    const h = this.#header.slice();
    h.fill(0, this.#have);
    return this.#need + afterHeader(h);
  }
}

export interface Outcome {
  /** The target ended the connection. */
  closed: boolean;
  /** The target answered the final NOP-Out probe. */
  probed: boolean;
  rejects: number;
  loginRejects: number;
  answers: number;
  /** Answers that failed to decode with the initiator's codec. */
  malformed: number;
  /** PDUs sent (a cut PDU counts). */
  sent: number;
  /** A Logout Response arrived. */
  loggedOut: boolean;
}

/** Runs `script` (already mutated by `shape`) on a fresh connection to `port`. */
export async function runSession(
  port: number,
  script: Script,
  shape: (pdus: Uint8Array[], step: number) => Uint8Array[],
  o: { stepMs: number; probeMs: number },
): Promise<Outcome> {
  const out: Outcome = {
    closed: false,
    probed: false,
    rejects: 0,
    loginRejects: 0,
    answers: 0,
    malformed: 0,
    sent: 0,
    loggedOut: false,
  };
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  const answers: TargetPdu[] = [];
  let inbox: Buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  socket.on('data', (chunk: Buffer) => {
    inbox = inbox.length === 0 ? chunk : Buffer.concat([inbox, chunk]);
    while (inbox.length >= 48) {
      const length = inbox.readUInt32BE(4) & 0xffffff;
      const total = 48 + inbox[4]! * 4 + length + ((4 - (length % 4)) % 4);
      if (inbox.length < total) break;
      const bhs = inbox.subarray(0, 48);
      const ahsEnd = 48 + inbox[4]! * 4;
      try {
        const a = decodeTargetPdu({
          bhs,
          ahs: inbox.subarray(48, ahsEnd),
          data: inbox.subarray(ahsEnd, ahsEnd + length),
        });
        out.answers++;
        if (a.type === 'reject') out.rejects++;
        if (a.type === 'login-response' && a.statusClass !== 0) out.loginRejects++;
        if (a.type === 'nop-in' && a.initiatorTaskTag === PROBE_TAG) out.probed = true;
        if (a.type === 'logout-response') out.loggedOut = true;
        answers.push(a);
      } catch {
        out.malformed++;
      }
      inbox = inbox.subarray(total);
    }
    notify();
  });
  socket.on('close', () => {
    out.closed = true;
    notify();
  });
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  const framing = new SentFraming();
  const waitFor = async (ms: number, until: () => boolean) => {
    const deadline = Date.now() + ms;
    while (!until() && !out.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  };
  const send = (pdus: Uint8Array[]) => {
    if (pdus.length === 0 || out.closed) return;
    const bytes = cat(...pdus);
    framing.push(bytes);
    out.sent += pdus.length;
    socket.write(bytes);
  };
  for (let i = 0; i < script.length && !out.closed; i++) {
    const step = script[i]!(answers);
    const from = answers.length;
    const rejectsBefore = out.rejects + out.loginRejects;
    send(shape(step.pdus, i));
    await waitFor(
      o.stepMs,
      () => answers.slice(from).some(step.done) || out.rejects + out.loginRejects > rejectsBefore,
    );
  }
  // The probe: complete the PDU the target is in the middle of, then a NOP-Out. A target that
  // is still reading answers it (full feature phase) or closes (login phase, discovery).
  // A PDU longer than any limit the target declares closes it once the BHS is complete.
  if (!out.closed && framing.pending <= 300 * 1024) {
    socket.write(cat(new Uint8Array(framing.pending), nopOut(PROBE_TAG, 0)));
  } else if (!out.closed) {
    socket.write(new Uint8Array(framing.headerMissing));
  }
  await waitFor(o.probeMs, () => out.probed);
  socket.destroy();
  return out;
}
