import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  errorReport,
  formatDuration,
  formatMB,
  jsonResult,
  mediaFamilyOfProfile,
  oneXRate,
  progressLine,
  type ProgressFigures,
} from '../../src/cli/format.js';
import { exitCodeFor, ExitCode } from '../../src/cli/exit-codes.js';
import { DwError, HR } from '../../src/errors.js';

const base: ProgressFigures = {
  sectorCount: 1000,
  blocksWritten: 250,
  bytesPerSector: 2048,
  bytesPerSecond: 22_160_000,
  averageBytesPerSecond: 20_000_000,
  etaMs: 65_000,
  totalSystemBuffer: 8 * 1024 * 1024,
  usedSystemBuffer: 4 * 1024 * 1024,
  totalDeviceBuffer: 4 * 1024 * 1024,
  usedDeviceBuffer: 1024 * 1024,
  elapsedMs: 1000,
};

describe('cli progress line', () => {
  it('shows percent, MB of total, MB/s, speed factor, buffers and ETA', () => {
    const line = progressLine(base, 'DVD');
    assert.match(line, /^ 25% 0\.5 MB of 2\.0 MB /);
    assert.match(line, / 22\.2 MB\/s \(16\.0x\)/);
    assert.match(line, /host 50% drive 25%/);
    assert.match(line, /ETA 1:05$/);
  });
  it('falls back to the average rate and marks an unknown drive buffer', () => {
    const line = progressLine(
      { ...base, bytesPerSecond: 0, totalDeviceBuffer: null, usedDeviceBuffer: null, etaMs: null },
      'BD',
    );
    assert.match(line, / 20\.0 MB\/s \(4\.4x\)/);
    assert.match(line, /drive --/);
    assert.match(line, /ETA --:--/);
  });
  it('computes CD speed from 75 sectors per second of the sector size', () => {
    assert.equal(oneXRate('CD', 2048), 153_600);
    assert.equal(oneXRate('CD', 2352), 176_400);
    assert.equal(oneXRate('DVD', 2048), 1_385_000);
  });
  it('classifies profiles into media families', () => {
    assert.equal(mediaFamilyOfProfile(0x09), 'CD');
    assert.equal(mediaFamilyOfProfile(0x1b), 'DVD');
    assert.equal(mediaFamilyOfProfile(0x2b), 'DVD');
    assert.equal(mediaFamilyOfProfile(0x41), 'BD');
    assert.equal(mediaFamilyOfProfile(0x02), undefined);
  });
  it('formats durations and sizes', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(3_723_000), '1:02:03');
    assert.equal(formatDuration(null), '--:--');
    assert.equal(formatMB(123_456_789), '123 MB');
    assert.equal(formatMB(1_500_000), '1.5 MB');
  });
});

describe('cli errors and exit codes', () => {
  const deviceError = new DwError(HR.ERROR_INVALID_ADDRESS, {
    sense: new Uint8Array(18),
    senseInfo: {
      key: 5,
      asc: 0x21,
      ascq: 0x02,
      keyName: 'ILLEGAL REQUEST',
      text: 'INVALID ADDRESS FOR WRITE',
      deferred: false,
    },
    command: 'WRITE(10)',
    lba: 32,
    blocks: 32,
  });
  it('reports name, value, sense, LBA and hint', () => {
    const text = errorReport(deviceError);
    assert.match(text, /HRESULT_FROM_WIN32\(ERROR_INVALID_ADDRESS\) \(0x800701E7\)/);
    assert.match(text, /sense: 05\/21\/02 ILLEGAL REQUEST: INVALID ADDRESS FOR WRITE/);
    assert.match(text, /lba: 32 \(32 blocks\)/);
    assert.match(text, /what to do: /);
  });
  it('builds the JSON result object', () => {
    const r = jsonResult(deviceError, { lastWrittenLba: 31 });
    assert.equal(r.result, 'error');
    assert.equal(r.hresult, '0x800701E7');
    assert.equal(r.lastWrittenLba, 31);
    assert.deepEqual(r.sense, {
      key: 5,
      asc: 0x21,
      ascq: 2,
      keyName: 'ILLEGAL REQUEST',
      text: 'INVALID ADDRESS FOR WRITE',
    });
    assert.deepEqual(jsonResult(undefined, { lastWrittenLba: 9 }), {
      result: 'ok',
      hresult: '0x00000000',
      code: 'S_OK',
      lastWrittenLba: 9,
    });
  });
  it('maps outcomes to exit codes', () => {
    assert.equal(exitCodeFor(undefined), ExitCode.OK);
    assert.equal(exitCodeFor(new DwError(HR.E_INVALIDARG)), ExitCode.USAGE);
    assert.equal(
      exitCodeFor(new DwError(HR.E_INVALIDARG, { sense: new Uint8Array(18) })),
      ExitCode.FAILED,
    );
    assert.equal(exitCodeFor(new DwError(HR.E_IMAPI_REQUEST_CANCELLED)), ExitCode.CANCELLED);
    assert.equal(exitCodeFor(deviceError), ExitCode.FAILED);
    assert.equal(exitCodeFor(new Error('x')), ExitCode.FAILED);
  });
});
