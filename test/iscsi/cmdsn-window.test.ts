// The command window and ExpStatSN (RFC 7143 §4.2.2.1-§4.2.2.2) without sockets: serial number
// arithmetic (RFC 1982) across the 2^32 wrap, the window open and closed, and stale or invalid
// ExpCmdSN/MaxCmdSN updates ignored.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CmdSnWindow, expStatSnAfter, snGreater } from '../../src/transport/iscsi/cmdsn-window.js';
import type { TargetPdu } from '../../src/transport/iscsi/pdu-types.js';
import { pduArbitraries } from '../helpers/iscsi-pdus.js';

const MAX = 0xffffffff;

describe('serial number arithmetic (RFC 1982, 32 bits)', () => {
  const table: [a: number, b: number, aGreater: boolean][] = [
    [1, 0, true],
    [0, 1, false],
    [7, 7, false],
    [0, MAX, true], // 0 follows FFFFFFFFh
    [MAX, 0, false],
    [5, 0xfffffffe, true],
    [0x7fffffff, 0, true], // 2^31 - 1 ahead: the farthest that still counts as greater
    [0x80000000, 0, false], // 2^31 apart: undefined in RFC 1982, so not greater either way
    [0, 0x80000000, false],
    [0x80000001, 0, false], // more than 2^31 ahead is behind
  ];
  for (const [a, b, expected] of table) {
    it(`${a.toString(16)} > ${b.toString(16)} is ${expected}`, () => {
      assert.equal(snGreater(a, b), expected);
    });
  }

  it('is antisymmetric', () => {
    const u32 = fc.nat({ max: MAX });
    fc.assert(fc.property(u32, u32, (a, b) => !(snGreater(a, b) && snGreater(b, a))));
  });
});

describe('CmdSN window', () => {
  it('starts at CmdSN 1 with a window of that one command', () => {
    const w = new CmdSnWindow();
    assert.deepEqual([w.cmdSn, w.expCmdSn, w.maxCmdSn, w.isOpen], [1, 1, 1, true]);
    assert.equal(w.take(), 1);
    assert.equal(w.isOpen, false);
  });

  // After reset(ExpCmdSN, MaxCmdSN): how many commands may go out before the window closes.
  const windows: [expCmdSn: number, maxCmdSn: number, commands: number][] = [
    [10, 10, 1],
    [10, 25, 16],
    [10, 9, 0], // MaxCmdSN = ExpCmdSN - 1: a closed window
    [MAX, 2, 4], // FFFFFFFFh, 0, 1, 2
    [0xfffffff0, 0xfffffff0, 1],
    [0, MAX, 0], // MaxCmdSN one below 0
  ];
  for (const [exp, max, commands] of windows) {
    it(`ExpCmdSN ${exp.toString(16)}, MaxCmdSN ${max.toString(16)}: ${commands} commands`, () => {
      const w = new CmdSnWindow();
      w.reset(exp, max);
      const taken: number[] = [];
      while (w.isOpen && taken.length < 100) taken.push(w.take());
      assert.equal(taken.length, commands);
      assert.deepEqual(
        taken,
        Array.from({ length: commands }, (_, i) => (exp + i) >>> 0),
      );
      assert.equal(w.cmdSn, (exp + commands) >>> 0);
    });
  }

  // From ExpCmdSN 10, MaxCmdSN 12, one update after another: [ExpCmdSN, MaxCmdSN] of the PDU,
  // whether MaxCmdSN moved on, and the ExpCmdSN and MaxCmdSN held after it.
  const updates: [pdu: [number, number], moved: boolean, held: [number, number], why: string][] = [
    [[11, 13], true, [11, 13], 'both move on'],
    [[11, 13], false, [11, 13], 'the same again'],
    [[10, 12], false, [11, 13], 'stale: a PDU overtaken by a newer one'],
    [[12, 12], false, [12, 13], 'a newer ExpCmdSN with a stale MaxCmdSN'],
    [[20, 15], false, [12, 13], 'invalid: MaxCmdSN below ExpCmdSN - 1, both ignored'],
    [[14, 13], false, [14, 13], 'MaxCmdSN = ExpCmdSN - 1 is valid: the window is closed'],
    [[14, 20], true, [14, 20], 'the window opens again'],
    [[0x80000014, 0x80000020], false, [14, 20], 'invalid: 2^31 away counts as behind'],
  ];
  it('takes ExpCmdSN and MaxCmdSN only when valid and newer (RFC 7143 §4.2.2.1)', () => {
    const w = new CmdSnWindow();
    w.reset(10, 12);
    for (const [[exp, max], moved, held, why] of updates) {
      assert.equal(w.update(exp, max), moved, why);
      assert.deepEqual([w.expCmdSn, w.maxCmdSn], held, why);
    }
    assert.equal(w.cmdSn, 10, 'updates never move CmdSN');
  });

  it('updates across the wrap, and a closed window opens when MaxCmdSN moves on', () => {
    const w = new CmdSnWindow();
    w.reset(0xfffffffe, 0xfffffffe);
    assert.equal(w.take(), 0xfffffffe);
    assert.equal(w.isOpen, false);
    assert.equal(w.update(MAX, 0xfffffffe), false);
    assert.equal(w.isOpen, false);
    assert.equal(w.update(MAX, 1), true);
    assert.deepEqual([w.isOpen, w.take(), w.take(), w.take(), w.isOpen], [true, MAX, 0, 1, false]);
    assert.deepEqual([w.expCmdSn, w.maxCmdSn], [MAX, 1]);
  });
});

describe('ExpStatSN', () => {
  const sn = { statSn: 41, expCmdSn: 1, maxCmdSn: 2 };
  const lun = new Uint8Array(8);
  const data = new Uint8Array(0);
  const dataIn = (statusPresent: boolean): TargetPdu => ({
    type: 'data-in',
    final: statusPresent,
    acknowledge: false,
    overflow: false,
    underflow: false,
    statusPresent,
    status: 0,
    lun,
    initiatorTaskTag: 1,
    targetTransferTag: MAX,
    ...sn,
    dataSn: 0,
    bufferOffset: 0,
    residualCount: 0,
    data,
  });
  const nopIn = (initiatorTaskTag: number): TargetPdu => ({
    type: 'nop-in',
    lun,
    initiatorTaskTag,
    targetTransferTag: initiatorTaskTag === MAX ? 9 : MAX,
    ...sn,
    data,
  });
  const r2t: TargetPdu = {
    type: 'r2t',
    lun,
    initiatorTaskTag: 1,
    targetTransferTag: 2,
    ...sn,
    r2tSn: 0,
    bufferOffset: 0,
    desiredDataTransferLength: 1,
  };
  const table: [p: TargetPdu, held: number, after: number, why: string][] = [
    [dataIn(true), 41, 42, 'Data-In with status'],
    [dataIn(false), 41, 41, 'Data-In without status'],
    [nopIn(7), 41, 42, 'NOP-In answering our ping'],
    [nopIn(MAX), 41, 41, "the target's own ping"],
    [r2t, 41, 41, 'R2T'],
    [dataIn(true), 50, 50, 'never backwards'],
    [{ ...dataIn(true), statSn: MAX }, MAX, 0, 'across the wrap'],
  ];
  for (const [p, held, after, why] of table) {
    it(`${why}: ${held} → ${after}`, () => {
      assert.equal(expStatSnAfter(p, held), after);
    });
  }

  it('moves to StatSN + 1 on every response type, and never for a Login Response', () => {
    const responses = new Set([
      'scsi-response',
      'task-management-response',
      'logout-response',
      'reject',
      'async-message',
      'text-response',
    ]);
    fc.assert(
      fc.property(fc.oneof(...pduArbitraries()), (p) => {
        if (!('statSn' in p) || !responses.has(p.type)) return;
        assert.equal(expStatSnAfter(p, p.statSn), (p.statSn + 1) >>> 0, p.type);
      }),
    );
    const login: TargetPdu = {
      type: 'login-response',
      transit: true,
      continue: false,
      csg: 1,
      nsg: 3,
      versionMax: 0,
      versionActive: 0,
      isid: new Uint8Array(6),
      tsih: new Uint8Array(2),
      initiatorTaskTag: 0,
      ...sn,
      statusClass: 0,
      statusDetail: 0,
      data,
    };
    assert.equal(expStatSnAfter(login, 7), 7);
  });
});
