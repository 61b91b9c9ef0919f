// Fuzzing a target over TCP (issue 16): the real initiator (openIscsiTransport, as discwright
// uses it) against the scripted fake target on 127.0.0.1, which answers each READ or WRITE with
// the PDUs of a good answer (the independent byte builder's, with the connection's current
// sequence numbers) mutated at random: PDUs dropped, repeated or swapped, header bytes
// overwritten. Header bytes only: without a data digest a flipped data byte cannot be told from
// the target's data by any initiator. Short timeouts are configured, so every case must end
// within a bound derived from them (a hang guard, not a performance assertion), with an error or
// a true result: a READ returns only the target's bytes at their offsets, a WRITE never counts
// bytes the target did not receive intact. What the initiator holds unframed stays bounded.
// Cases run on a few transports at once; each case's mutations come from mulberry32(seed, case).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DwError } from '../../src/errors.js';
import { scsiCommand } from '../../src/scsi/command.js';
import { openIscsiTransport, type IscsiTransport } from '../../src/transport/iscsi/index.js';
import { RESERVED_TAG } from '../../src/transport/iscsi/pdu-layout.js';
import type { InitiatorPdu, ScsiCommandPdu } from '../../src/transport/iscsi/pdu-types.js';
import { answerTaskManagement, FakeTarget, type Conn } from '../helpers/fake-iscsi-target.js';
import { reorderPdus, scsiResponsePdu, wireBytes } from '../helpers/iscsi-pdus.js';
import { cat } from '../helpers/bytes.js';
import { mulberry32 } from '../helpers/prng.js';

const SEED = Number(process.env['DW_FUZZ_SEED'] ?? 1616);
const CASES = 1000;
const WORKERS = 8;
const CONNECT_TIMEOUT_MS = 1000;
const LOGIN_TIMEOUT_MS = 1000;
const COMMAND_TIMEOUT_MS = 150;
const TMF_TIMEOUT_MS = 150;
/** A re-login is two round trips here (security, then operational negotiation). */
const LOGIN_ROUND_TRIPS = 2;
/** Event-loop delay on a shared, loaded CPU: a hang is far longer than this. */
const SLACK_MS = 1500;
/** The longest a case may take: re-login, then the command, its ABORT TASK (or a Logout). */
const CASE_BOUND_MS =
  CONNECT_TIMEOUT_MS +
  LOGIN_ROUND_TRIPS * LOGIN_TIMEOUT_MS +
  COMMAND_TIMEOUT_MS +
  TMF_TIMEOUT_MS +
  SLACK_MS;

const LENGTH = 16384;
const SEGMENT = 2048;
const source = Uint8Array.from({ length: LENGTH }, (_, i) => (i * 7 + (i >> 10)) & 0xff);
/** The case number rides in the CDB's LBA, so the target knows which mutations to apply. */
const cdb = (op: number, n: number) =>
  Uint8Array.of(op, 0, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, 0, 0, 8, 0);
const caseRandom = (n: number) => mulberry32((SEED ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0);

/** `pdus` mutated: one PDU dropped, repeated or swapped (or none), then 1-4 header bytes. */
function mutate(pdus: Uint8Array[], rnd: () => number): Uint8Array {
  const list = reorderPdus(pdus, rnd);
  const pick = () => Math.floor(rnd() * list.length);
  const copies = list.map((p) => Uint8Array.from(p));
  for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
    const p = copies[pick()]!;
    const at = Math.floor(rnd() * 48);
    p[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : p[at]! ^ (1 << Math.floor(rnd() * 8));
  }
  return cat(...copies);
}

/** Per WRITE case: which bytes of `source` reached the target intact. */
const intact = new Map<number, Uint8Array>();

function readAnswer(c: Conn, cmd: ScsiCommandPdu): Uint8Array[] {
  const pdus: Uint8Array[] = [];
  for (let at = 0; at < LENGTH; at += SEGMENT) {
    const last = at + SEGMENT >= LENGTH;
    pdus.push(
      wireBytes({
        type: 'data-in',
        final: last,
        acknowledge: false,
        overflow: false,
        underflow: false,
        statusPresent: last,
        status: 0,
        lun: cmd.lun,
        initiatorTaskTag: cmd.initiatorTaskTag,
        targetTransferTag: RESERVED_TAG,
        ...c.sn(),
        dataSn: at / SEGMENT,
        bufferOffset: at,
        residualCount: 0,
        data: source.subarray(at, at + SEGMENT),
      }),
    );
  }
  c.statSn++;
  return pdus;
}

function received(n: number, offset: number, data: Uint8Array): void {
  const got = intact.get(n);
  // A late Data-Out of a case already over counts for nothing.
  if (got === undefined) return;
  for (let i = 0; i < data.length && offset + i < LENGTH; i++) {
    if (data[i] === source[offset + i]) got[offset + i] = 1;
  }
}

interface PendingWrite {
  readonly n: number;
  readonly rnd: () => number;
  readonly mutateResponse: boolean;
}

/** Answers READs and WRITEs with mutated good answers; ABORT TASK properly. */
function script(): (p: InitiatorPdu, c: Conn) => void {
  // Per connection (the transports' tags overlap), by Initiator Task Tag.
  const byConn = new WeakMap<Conn, Map<number, PendingWrite>>();
  return (p, c) => {
    let writes = byConn.get(c);
    if (writes === undefined) byConn.set(c, (writes = new Map<number, PendingWrite>()));
    if (p.type === 'task-management-request') answerTaskManagement(c, p.initiatorTaskTag);
    if (p.type === 'data-out') {
      const w = writes.get(p.initiatorTaskTag);
      if (w === undefined) return;
      received(w.n, p.bufferOffset, p.data);
      if (!p.final) return;
      writes.delete(p.initiatorTaskTag);
      const good = wireBytes(
        scsiResponsePdu({
          initiatorTaskTag: p.initiatorTaskTag,
          status: 0,
          ...c.sn(),
          data: new Uint8Array(0),
        }),
      );
      c.statSn++;
      c.raw(w.mutateResponse ? mutate([good], w.rnd) : good);
    }
    if (p.type !== 'scsi-command') return;
    const n = new DataView(p.cdb.buffer, p.cdb.byteOffset).getUint32(2);
    const rnd = caseRandom(n);
    if (p.read) {
      c.raw(mutate(readAnswer(c, p), rnd));
      return;
    }
    // A WRITE: the immediate data, then one R2T for the rest, then the SCSI Response; the R2T,
    // the response or both mutated.
    intact.set(n, new Uint8Array(LENGTH));
    received(n, 0, p.data);
    const r = rnd();
    writes.set(p.initiatorTaskTag, { n, rnd, mutateResponse: r >= 0.4 });
    const at = p.data.length;
    const good = wireBytes({
      type: 'r2t',
      lun: p.lun,
      initiatorTaskTag: p.initiatorTaskTag,
      targetTransferTag: 0x1000,
      ...c.sn(),
      r2tSn: 0,
      bufferOffset: at,
      desiredDataTransferLength: LENGTH - at,
    });
    c.raw(r < 0.4 || r >= 0.8 ? mutate([good], rnd) : good);
  };
}

const targets: FakeTarget[] = [];
const transports: IscsiTransport[] = [];
after(async () => {
  for (const t of transports) await t.close();
  for (const t of targets) await t.close();
});

describe('fuzzed target answers over TCP (issue 16)', () => {
  it(`every case ends in time with an error or a true result (seed ${SEED})`, async () => {
    const target = new FakeTarget({ onPdu: script() });
    targets.push(target);
    const url = target.url(await target.listen());
    const tally = { ok: 0, errors: 0, relogins: 0, maxBacklog: 0 };
    let next = 0;
    const worker = async () => {
      const t = await openIscsiTransport(url, {
        keepAliveIntervalMs: 0,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        loginTimeoutMs: LOGIN_TIMEOUT_MS,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        taskManagementTimeoutMs: TMF_TIMEOUT_MS,
      });
      transports.push(t);
      let usable = true;
      while (next < CASES) {
        const n = next++;
        const what = `seed ${SEED} case ${n} (DW_FUZZ_SEED=${SEED} replays it)`;
        const started = performance.now();
        if (!usable) {
          await t.reconnect();
          tally.relogins++;
        }
        const read = caseRandom(n + CASES)() < 0.5;
        const command = read
          ? scsiCommand('READ(10)', cdb(0x28, n), 'in', { allocationLength: LENGTH })
          : scsiCommand('WRITE(10)', cdb(0x2a, n), 'out', { dataOut: source });
        try {
          const r = await t.execute(command);
          usable = true;
          assert.ok(r.residual >= 0 && r.residual <= LENGTH, `${what}: residual ${r.residual}`);
          if (r.status === 0 && read) {
            assert.equal(r.dataIn.length + r.residual, LENGTH, what);
            assert.deepEqual(r.dataIn, source.subarray(0, r.dataIn.length), `${what}: wrong data`);
          } else if (r.status === 0) {
            const got = intact.get(n)!;
            const taken = LENGTH - r.residual;
            assert.ok(
              got.subarray(0, taken).every((b) => b === 1),
              `${what}: ${taken} bytes counted written, not all received intact`,
            );
          }
          tally.ok++;
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          assert.ok(e instanceof DwError, `${what}: ${String(e)}`);
          usable = false;
          tally.errors++;
        }
        const ms = performance.now() - started;
        assert.ok(ms < CASE_BOUND_MS, `${what}: took ${ms.toFixed(0)} ms`);
        // At most one partial PDU is held between reads: its header, AHS, digests and segment.
        const backlog = t.receiveBacklog;
        const segment = t.parameters?.initiatorMaxRecvDataSegmentLength ?? 0;
        assert.ok(backlog <= 48 + 1020 + 8 + segment + 3, `${what}: ${backlog} bytes unframed`);
        tally.maxBacklog = Math.max(tally.maxBacklog, backlog);
        intact.delete(n);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    // Both outcomes occur: mutations of fields nobody needs leave a usable answer.
    assert.ok(tally.ok > 0 && tally.errors > 0, JSON.stringify(tally));
    console.log(`# ${CASES} cases: ${JSON.stringify(tally)}`);
  });
});
