import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCdb, requiredCdbLength } from '../../src/device/cdb-check.js';
import { DwError, HR } from '../../src/errors.js';

const hrOf = (f: () => void): number => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof DwError);
    return e.hr;
  }
  return HR.S_OK;
};
const cdb = (op: number, n: number) => {
  const b = new Uint8Array(n);
  b[0] = op;
  return b;
};

describe('CDB length check (spec §4.4)', () => {
  it('requires the opcode group length', () => {
    assert.equal(requiredCdbLength(0x00), 6);
    assert.equal(requiredCdbLength(0x2a), 10);
    assert.equal(requiredCdbLength(0x5a), 10);
    assert.equal(requiredCdbLength(0x88), 16);
    assert.equal(requiredCdbLength(0xaa), 12);
    assert.equal(
      hrOf(() => checkCdb(cdb(0x2a, 12))),
      HR.E_INVALIDARG,
    );
    assert.equal(
      hrOf(() => checkCdb(cdb(0xaa, 10))),
      HR.E_INVALIDARG,
    );
    assert.equal(
      hrOf(() => checkCdb(cdb(0x12, 10))),
      HR.E_INVALIDARG,
    );
    assert.equal(
      hrOf(() => checkCdb(cdb(0x2a, 10))),
      HR.S_OK,
    );
    assert.equal(
      hrOf(() => checkCdb(cdb(0x88, 16))),
      HR.S_OK,
    );
  });
  it('accepts any length 6..16 for reserved, vendor and exempt opcodes', () => {
    for (const op of [0x60, 0x7f, 0xc0, 0xff, 0x02, 0x2d, 0x20]) {
      for (const n of [6, 10, 12, 16])
        assert.equal(
          hrOf(() => checkCdb(cdb(op, n))),
          HR.S_OK,
        );
      assert.equal(
        hrOf(() => checkCdb(cdb(op, 5))),
        HR.E_INVALIDARG,
      );
      assert.equal(
        hrOf(() => checkCdb(cdb(op, 17))),
        HR.E_INVALIDARG,
      );
    }
  });
  it('rejects a missing CDB with E_POINTER and a non-byte CDB with E_INVALIDARG', () => {
    assert.equal(
      hrOf(() => checkCdb(null)),
      HR.E_POINTER,
    );
    assert.equal(
      hrOf(() => checkCdb([0x00, 0, 0, 0, 0, 0])),
      HR.E_INVALIDARG,
    );
  });
});
