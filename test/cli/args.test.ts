// Strict argument parsers of the discwright command.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError } from 'commander';
import { parseBufferSize, parseInteger, parseMiB, parseSpeedHint } from '../../src/cli/args.js';

describe('cli argument parsers', () => {
  it('accepts decimal integers in range and nothing else', () => {
    assert.equal(parseInteger('42', 0, 100), 42);
    assert.equal(parseInteger('-150', -200, 0), -150);
    assert.equal(parseInteger('+7', 0, 10), 7);
    for (const bad of ['', ' ', '1.0', '1e3', '0x10', '12x', 'NaN', 'Infinity', '--1', '1 2']) {
      assert.throws(() => parseInteger(bad, -1000, 1000), InvalidArgumentError, bad);
    }
    assert.throws(() => parseInteger('101', 0, 100), /outside 0\.\.100/);
    assert.throws(() => parseInteger('99999999999999999999', 0, 2 ** 40), InvalidArgumentError);
  });

  it('round-trips every integer in range and rejects every one outside', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        assert.equal(parseInteger(String(n), -(2 ** 31), 2 ** 31 - 1), n);
        if (n < 0) assert.throws(() => parseInteger(String(n), 0, 2 ** 31 - 1));
      }),
    );
  });

  it('speed hints are -1 or positive', () => {
    assert.equal(parseSpeedHint('-1'), -1);
    assert.equal(parseSpeedHint('676'), 676);
    assert.throws(() => parseSpeedHint('0'), /0 is not a speed/);
    assert.throws(() => parseSpeedHint('-2'), InvalidArgumentError);
  });

  it('host buffer sizes are multiples of 4096 within the engine bounds', () => {
    assert.equal(parseBufferSize('524288'), 524288);
    assert.equal(parseBufferSize('512k'), 524288);
    assert.equal(parseBufferSize('8M'), 8 * 1024 * 1024);
    for (const bad of ['128k1', '4096', '131073', '2048M', '1.5M', 'lots']) {
      assert.throws(() => parseBufferSize(bad), InvalidArgumentError, bad);
    }
  });

  it('demo sizes are 1..4096 MiB', () => {
    assert.equal(parseMiB('64'), 64);
    assert.throws(() => parseMiB('0'), InvalidArgumentError);
    assert.throws(() => parseMiB('4097'), InvalidArgumentError);
  });
});
