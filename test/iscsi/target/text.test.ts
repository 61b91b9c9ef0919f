// Text negotiation across several PDUs on the target (RFC 7143 §11.10-§11.11), PDU by PDU,
// with the initiator's MaxRecvDataSegmentLength at 512: a request in three PDUs (C bit, keys
// cut mid-pair) answered with empty responses carrying the Target Transfer Tag, then an answer
// longer than 512 bytes in PDUs with the C bit, each asked for by an empty request echoing the
// tag, the last with F and FFFFFFFFh; a request echoing a tag not in force closes the connection.
// A login text in three Login Requests (C bit): empty answers in the same stage, then the login.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pdu } from '../../../src/transport/iscsi/pdu-types.js';
import { LUN0, Raw, loggedIn, type Answer, servedDvdR } from '../../helpers/raw-iscsi.js';

const IQN = 'iqn.2026-01.dev.discwright:text';
const RESERVED = 0xffffffff;

const login = (data: Uint8Array, cont: boolean): Pdu => ({
  type: 'login-request',
  transit: !cont,
  continue: cont,
  csg: 1,
  nsg: 3,
  versionMax: 0,
  versionMin: 0,
  isid: new Uint8Array([0x80, 0, 0, 0, 0, 9]),
  tsih: new Uint8Array(2),
  initiatorTaskTag: 1,
  cid: 0,
  cmdSn: 10,
  expStatSn: 0,
  data,
});

const text = (ttt: number, data: Uint8Array, cont: boolean): Pdu => ({
  type: 'text-request',
  immediate: true,
  final: !cont,
  continue: cont,
  lun: LUN0,
  initiatorTaskTag: 5,
  targetTransferTag: ttt,
  cmdSn: 10,
  expStatSn: 0,
  data,
});

/** F, C, Target Transfer Tag of a Text Response. */
function flags(a: Answer): [boolean, boolean, number] {
  assert.equal(a.bhs[0]! & 0x3f, 0x24); // Text Response
  assert.equal(a.bhs.readUInt32BE(16), 5);
  return [(a.bhs[1]! & 0x80) !== 0, (a.bhs[1]! & 0x40) !== 0, a.bhs.readUInt32BE(20)];
}

describe('iSCSI target: multi-PDU Text', () => {
  const target = servedDvdR(IQN);

  it('gathers a request sent in parts and answers in parts', async () => {
    const raw = await loggedIn(target.port, IQN, { keys: ['MaxRecvDataSegmentLength=512'] });
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `X-discwright-key-${i}=v${i}`);
      const request = Buffer.from([...keys, 'SendTargets=All'].map((k) => `${k}\0`).join(''));
      raw.send(text(RESERVED, request.subarray(0, 333), true));
      const [f1, c1, ttt] = flags(await raw.next());
      assert.deepEqual([f1, c1], [false, false]);
      assert.notEqual(ttt, RESERVED);
      raw.send(text(ttt, request.subarray(333, 700), true));
      const second = await raw.next();
      assert.deepEqual(flags(second), [false, false, ttt]);
      assert.equal(second.data.length, 0);
      raw.send(text(ttt, request.subarray(700), false));
      const parts: Buffer[] = [];
      for (;;) {
        const a = await raw.next();
        const [f, c, t] = flags(a);
        assert.ok(a.data.length <= 512);
        parts.push(Buffer.from(a.data));
        if (f) {
          assert.deepEqual([c, t], [false, RESERVED]);
          break;
        }
        assert.deepEqual([c, t], [true, ttt]);
        raw.send(text(ttt, new Uint8Array(0), false));
      }
      assert.ok(parts.length >= 3);
      const answer = Buffer.concat(parts).toString('latin1').split('\0').filter(Boolean);
      assert.deepEqual(
        answer.slice(0, 40),
        keys.map((k) => `${k.split('=')[0]}=NotUnderstood`),
      );
      assert.equal(answer[40], `TargetName=${IQN}`);
      assert.match(answer[41]!, /^TargetAddress=127\.0\.0\.1:\d+,1$/);
    } finally {
      raw.destroy();
    }
  });

  it('closes the connection on a Text Request echoing a tag not in force', async () => {
    const raw = await loggedIn(target.port, IQN);
    raw.send(text(77, new TextEncoder().encode('SendTargets=All\0'), false));
    await raw.closed;
  });

  it('gathers a login text sent in three Login Requests', async () => {
    const raw = new Raw(target.port);
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `X-discwright-login-${i}=v${i}`);
      const request = Buffer.from(
        [
          `InitiatorName=iqn.2026-01.test:multi`,
          `TargetName=${IQN}`,
          ...keys,
          'MaxBurstLength=8192',
        ]
          .map((k) => `${k}\0`)
          .join(''),
      );
      for (const [from, to] of [
        [0, 300],
        [300, 700],
      ]) {
        raw.send(login(request.subarray(from, to), true));
        const a = await raw.next();
        assert.equal(a.bhs[0]! & 0x3f, 0x23); // Login Response
        assert.equal(a.bhs[1]! & 0xc0, 0); // neither T nor C
        assert.equal(a.bhs.readUInt16BE(36), 0); // success
        assert.equal(a.data.length, 0);
      }
      raw.send(login(request.subarray(700), false));
      const a = await raw.next();
      assert.equal(a.bhs[1]! & 0x83, 0x83); // T, NSG = full feature phase
      assert.equal(a.bhs.readUInt16BE(36), 0);
      const answer = a.data.toString('latin1').split('\0');
      assert.ok(answer.includes('MaxBurstLength=8192'));
      assert.ok(answer.includes('X-discwright-login-29=NotUnderstood'));
    } finally {
      raw.destroy();
    }
  });
});
