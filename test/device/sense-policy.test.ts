// The sense policy (src/device/sense-policy.ts), table-driven: every sense key, the not-ready and
// unit-attention variants, recovered error, CHECK CONDITION without usable sense and the other
// statuses, for a typed helper's first and second attempt and for the engine's WRITE path; then
// every kind of transport rejection. Sense bytes are built by hand here, not by the encoder.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  commandUnsupported,
  completionVerdict,
  failureError,
  rejectionError,
  rejectionRetryable,
  rejectionVerdict,
  senseVerdict,
  statusOutcome,
  type Verdict,
} from '../../src/device/sense-policy.js';
import { DwError, HR } from '../../src/errors.js';
import { scsiCommand, type ScsiResult } from '../../src/scsi/command.js';
import { TransportErrors } from '../../src/transport/transport.js';
import { h } from '../helpers/bytes.js';

const WRITE_10 = scsiCommand('WRITE(10)', h('2A 00 00000040 00 0020 00'), 'out', {
  dataOut: new Uint8Array(0x20 * 2048),
});

/** Fixed sense by hand: 70h (71h deferred), key at byte 2, ASC/ASCQ at bytes 12/13. */
const fixed = (key: number, asc: number, ascq: number, deferred = false): Uint8Array =>
  Uint8Array.of(deferred ? 0x71 : 0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0);

const result = (status: number, sense: Uint8Array = new Uint8Array(0)): ScsiResult => ({
  status,
  sense,
  dataIn: new Uint8Array(0),
  residual: 0,
});

type Expect =
  | readonly ['success']
  | readonly ['recovered']
  | readonly ['retry-once' | 'retry-backoff' | 'fail', number];

const ok: Expect = ['success'];
const recovered: Expect = ['recovered'];
const fail = (hr: number): Expect => ['fail', hr];

/** The same verdict for a helper's first and second attempt and for the WRITE path. */
const all = (e: Expect): [Expect, Expect, Expect] => [e, e, e];
/** 2/04/07, 2/04/08: a helper fails, the WRITE path backs off and retries. */
const busy: [Expect, Expect, Expect] = [
  fail(HR.E_IMAPI_RECORDER_MEDIA_BUSY),
  fail(HR.E_IMAPI_RECORDER_MEDIA_BUSY),
  ['retry-backoff', HR.E_IMAPI_RECORDER_MEDIA_BUSY],
];
/** 6/28, 6/29: a helper's first attempt retries once; then, and on the WRITE path, it fails. */
const attention = (hr: number): [Expect, Expect, Expect] => [
  ['retry-once', hr],
  fail(hr),
  fail(hr),
];
/** No usable sense, or a status without sense: sendCommand* rejects, the engine retries that. */
const rejected = (hr: number): [Expect, Expect, Expect] => [
  fail(hr),
  fail(hr),
  ['retry-backoff', hr],
];

const U = HR.E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE;
const BAD = HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
const READY = HR.E_IMAPI_RECORDER_MEDIA_BECOMING_READY;
const FORMATTING = HR.E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS;
const NO_MEDIA = HR.E_IMAPI_RECORDER_MEDIA_NO_MEDIA;
const UNDERRUN = HR.E_IMAPI_LOSS_OF_STREAMING;
const PROTECTED = HR.E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED;

// [row, status, sense, helper (1st attempt), helper (2nd attempt), engine WRITE]. A status other
// than CHECK CONDITION, and unusable sense, make sendCommand* reject: the engine meets them as
// rejections, and retries them as it retries a transport I/O error.
const COMPLETIONS: [string, number, Uint8Array, Expect, Expect, Expect][] = [
  ['GOOD', 0x00, h(''), ...all(ok)],
  ['CONDITION MET', 0x04, h(''), ...all(ok)],
  ['0 NO SENSE under CHECK CONDITION', 0x02, fixed(0x0, 0, 0), ...all(fail(U))],
  ['1 RECOVERED ERROR', 0x02, fixed(0x1, 0x17, 0x01), ...all(recovered)],
  ['2/04/01 becoming ready', 0x02, fixed(0x2, 0x04, 0x01), ...all(fail(READY))],
  ['2/04/04 format in progress', 0x02, fixed(0x2, 0x04, 0x04), ...all(fail(FORMATTING))],
  ['2/04/07 operation in progress', 0x02, fixed(0x2, 0x04, 0x07), ...busy],
  ['2/04/08 long write in progress', 0x02, fixed(0x2, 0x04, 0x08), ...busy],
  ['2/04/08 deferred', 0x02, fixed(0x2, 0x04, 0x08, true), ...busy],
  ['2/04/08 in descriptor format', 0x02, h('72 02 04 08 00 00 00 00'), ...busy],
  ['2/04/00 not ready, other cause', 0x02, fixed(0x2, 0x04, 0x00), ...all(fail(READY))],
  ['2/3A/00 no medium', 0x02, fixed(0x2, 0x3a, 0x00), ...all(fail(NO_MEDIA))],
  ['3/0C/09 loss of streaming', 0x02, fixed(0x3, 0x0c, 0x09), ...all(fail(UNDERRUN))],
  ['3/0C/00 write error', 0x02, fixed(0x3, 0x0c, 0x00), ...all(fail(U))],
  ['4/44/00 hardware error', 0x02, fixed(0x4, 0x44, 0x00), ...all(fail(U))],
  ['5/21/02 invalid address', 0x02, fixed(0x5, 0x21, 0x02), ...all(fail(HR.ERROR_INVALID_ADDRESS))],
  ['5/24/00 invalid field in CDB', 0x02, fixed(0x5, 0x24, 0x00), ...all(fail(HR.E_INVALIDARG))],
  ['5/20/00 invalid opcode', 0x02, fixed(0x5, 0x20, 0x00), ...all(fail(HR.E_NOTIMPL))],
  ['6/28/00 medium may have changed', 0x02, fixed(0x6, 0x28, 0x00), ...attention(READY)],
  ['6/29/00 power on or reset', 0x02, fixed(0x6, 0x29, 0x00), ...attention(HR.ERROR_IO_DEVICE)],
  ['6/29/07 I_T nexus loss', 0x02, fixed(0x6, 0x29, 0x07), ...attention(HR.ERROR_IO_DEVICE)],
  ['6/2A/01 other unit attention', 0x02, fixed(0x6, 0x2a, 0x01), ...all(fail(U))],
  ['7/27/00 write protected', 0x02, fixed(0x7, 0x27, 0x00), ...all(fail(PROTECTED))],
  ['8 BLANK CHECK', 0x02, fixed(0x8, 0x00, 0x00), ...all(fail(U))],
  ['9 VENDOR SPECIFIC', 0x02, fixed(0x9, 0x80, 0x00), ...all(fail(U))],
  ['A COPY ABORTED', 0x02, fixed(0xa, 0x1d, 0x00), ...all(fail(U))],
  ['B ABORTED COMMAND', 0x02, fixed(0xb, 0x47, 0x00), ...all(fail(U))],
  ['C reserved', 0x02, fixed(0xc, 0x00, 0x00), ...all(fail(U))],
  ['D VOLUME OVERFLOW', 0x02, fixed(0xd, 0x00, 0x00), ...all(fail(U))],
  ['E MISCOMPARE', 0x02, fixed(0xe, 0x1d, 0x00), ...all(fail(U))],
  ['F COMPLETED', 0x02, fixed(0xf, 0x00, 0x00), ...all(fail(U))],
  ['CHECK CONDITION, no sense bytes', 0x02, h(''), ...rejected(BAD)],
  ['CHECK CONDITION, response code 7Fh', 0x02, h('7F 00 05 00'), ...rejected(BAD)],
  ['CHECK CONDITION, sense cut before the key', 0x02, h('70 00'), ...rejected(BAD)],
  ['BUSY', 0x08, h(''), ...rejected(HR.ERROR_IO_DEVICE)],
  ['RESERVATION CONFLICT', 0x18, h(''), ...rejected(HR.E_IMAPI_RECORDER_LOCKED)],
  ['TASK SET FULL', 0x28, h(''), ...rejected(HR.ERROR_IO_DEVICE)],
  ['ACA ACTIVE', 0x30, h(''), ...rejected(HR.ERROR_IO_DEVICE)],
  ['TASK ABORTED', 0x40, h(''), ...rejected(HR.ERROR_IO_DEVICE)],
];

function check(v: Verdict, expect: Expect, where: string): void {
  if (expect[0] === 'success' || expect[0] === 'recovered') {
    assert.deepEqual(v, { action: 'success', recovered: expect[0] === 'recovered' }, where);
    return;
  }
  assert.equal(v.action, expect[0], where);
  assert.equal(v.failure.hr, expect[1], `${where}: HRESULT`);
  assert.notEqual(v.failure.supersedes, true, `${where}: a completion never supersedes`);
}

describe('sense policy: completed commands (spec §2.4.5, §4.5, §7)', () => {
  for (const [row, status, sense, helper1, helper2, write] of COMPLETIONS) {
    it(row, () => {
      const r = result(status, sense);
      check(completionVerdict(WRITE_10, r, 'helper', 1), helper1, 'helper, 1st attempt');
      check(completionVerdict(WRITE_10, r, 'helper', 2), helper2, 'helper, 2nd attempt');
      check(completionVerdict(WRITE_10, r, 'write', 1), write, 'WRITE');
      check(completionVerdict(WRITE_10, r, 'write', 7), write, 'WRITE, 7th attempt');
      const s = statusOutcome(WRITE_10, r);
      if (s.kind === 'failure') {
        // What the engine gets from sendCommand* here is the recorder's rejection: same verdict.
        const rejected = rejectionVerdict(failureError(WRITE_10, s.failure), 'WRITE(10)');
        check(rejected, write, 'WRITE, as the recorder rejects it');
      }
      if (s.kind === 'sense') {
        // What sendCommand* hands out (18-byte fixed sense) gives the same verdict again.
        assert.equal(s.sense.length, 18);
        check(senseVerdict(s.sense, 0x2a, 'write', 1, 'WRITE(10)'), write, 'WRITE from 18 bytes');
        check(senseVerdict(s.sense, 0x2a, 'helper', 1, 'WRITE(10)'), helper1, 'helper, 18 bytes');
      }
    });
  }

  it('a sense failure carries the 18-byte sense, its decoded form and a message naming it', () => {
    const v = completionVerdict(WRITE_10, result(0x02, fixed(0x3, 0x0c, 0x09)), 'write', 1);
    assert.equal(v.action, 'fail');
    if (v.action !== 'fail') return;
    assert.deepEqual(v.failure.sense, fixed(0x3, 0x0c, 0x09));
    assert.deepEqual(
      [v.failure.senseInfo?.key, v.failure.senseInfo?.asc, v.failure.senseInfo?.ascq],
      [3, 0x0c, 0x09],
    );
    assert.match(v.failure.message, /^WRITE\(10\) failed: MEDIUM ERROR: /);
  });

  it('the opcode refines the HRESULT as spec §7 says', () => {
    const modeSense = scsiCommand('MODE SENSE(10)', h('5A 08 2A 00 00 00 00 00 08 00'), 'in', {
      allocationLength: 8,
    });
    const v = completionVerdict(modeSense, result(0x02, fixed(0x5, 0x24, 0x00)), 'helper', 1);
    assert.equal(v.action === 'fail' && v.failure.hr, HR.E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE);
  });

  it('status failures have no sense; unusable sense keeps its decoding error as cause', () => {
    const busy = statusOutcome(WRITE_10, result(0x08));
    assert.equal(busy.kind, 'failure');
    if (busy.kind === 'failure') {
      assert.equal(busy.failure.sense, undefined);
      assert.match(busy.failure.message, /SCSI status 0x08/);
    }
    const bad = statusOutcome(WRITE_10, result(0x02, h('7F 00 05 00')));
    assert.equal(bad.kind === 'failure' && bad.failure.cause instanceof DwError, true);
    // Sense that does not decode, handed to the WRITE path by some DiscRecorderEx.
    const zeros = senseVerdict(new Uint8Array(18), 0x2a, 'write', 1, 'WRITE(10)');
    assert.equal(zeros.action === 'fail' && zeros.failure.hr, BAD);
  });

  it('commandUnsupported: 5/20/00 and 5/24/00 only', () => {
    assert.equal(commandUnsupported(fixed(0x5, 0x20, 0x00)), true);
    assert.equal(commandUnsupported(fixed(0x5, 0x24, 0x00)), true);
    assert.equal(commandUnsupported(fixed(0x5, 0x24, 0x01)), false);
    assert.equal(commandUnsupported(fixed(0x5, 0x26, 0x00)), false);
    assert.equal(commandUnsupported(fixed(0x2, 0x20, 0x00)), false);
    assert.equal(commandUnsupported(new Uint8Array(18)), false);
  });
});

const errno = (code: string) => Object.assign(new Error(`${code}: from the OS`), { code });

// [row, what the transport rejected with, retried?, HRESULT reported]
const REJECTIONS: [string, unknown, boolean, number][] = [
  ['device gone', TransportErrors.deviceGone('unplugged'), false, HR.ERROR_DEV_NOT_EXIST],
  [
    'iSCSI connection closed, reconnect failed',
    TransportErrors.deviceGone('iscsi://t/iqn.x/1: connection lost; reconnect() to continue'),
    false,
    HR.ERROR_DEV_NOT_EXIST,
  ],
  [
    'disk full (HRESULT alone)',
    new DwError(HR.ERROR_DISK_FULL, { cause: errno('ENOSPC') }),
    false,
    0x80070070,
  ],
  [
    'disk full (TransportErrors.permanent)',
    TransportErrors.permanent(HR.ERROR_DISK_FULL, 'image file: no space left', errno('ENOSPC')),
    false,
    0x80070070,
  ],
  [
    'read-only image (EROFS)',
    new DwError(HR.E_ACCESSDENIED, { cause: errno('EROFS') }),
    false,
    HR.E_ACCESSDENIED,
  ],
  [
    'permission denied (EACCES)',
    new DwError(HR.E_ACCESSDENIED, { cause: errno('EACCES') }),
    false,
    HR.E_ACCESSDENIED,
  ],
  ['closed handle (EBADF)', TransportErrors.closed('/dev/sg1'), false, HR.ERROR_INVALID_HANDLE],
  [
    'image writer thread died',
    TransportErrors.permanent(HR.ERROR_IO_DEVICE, 'the image writer thread ended'),
    false,
    HR.ERROR_IO_DEVICE,
  ],
  ['invalid argument', new DwError(HR.E_INVALIDARG), false, HR.E_INVALIDARG],
  ['missing pointer', new DwError(HR.E_POINTER), false, HR.E_POINTER],
  ['not implemented', new DwError(HR.E_NOTIMPL), false, HR.E_NOTIMPL],
  ['cancelled', TransportErrors.aborted(WRITE_10), false, HR.E_IMAPI_REQUEST_CANCELLED],
  ['out of memory', new DwError(HR.E_OUTOFMEMORY), false, HR.E_OUTOFMEMORY],
  ['generic I/O error', TransportErrors.io('EIO on the bus'), true, HR.ERROR_IO_DEVICE],
  [
    'command timeout',
    TransportErrors.timeout(WRITE_10, 60_000),
    true,
    HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT,
  ],
  [
    'overlapped command (contract violation)',
    TransportErrors.overlapped(WRITE_10),
    true,
    HR.E_FAIL,
  ],
  ['a plain Error', new Error('socket hang up'), true, HR.ERROR_IO_DEVICE],
  ['not an Error at all', 'EPIPE', true, HR.ERROR_IO_DEVICE],
  [
    'an I/O error marked retryable: false',
    new DwError(HR.ERROR_IO_DEVICE, { retryable: false }),
    false,
    HR.ERROR_IO_DEVICE,
  ],
  [
    'disk full marked retryable: true (the marker decides)',
    new DwError(HR.ERROR_DISK_FULL, { retryable: true }),
    true,
    HR.ERROR_DISK_FULL,
  ],
];

describe('sense policy: rejected commands (spec §2.4.5, §4.7)', () => {
  for (const [row, e, retried, hr] of REJECTIONS) {
    it(`${row}: ${retried ? 'retried after a back-off' : 'fails at once'}`, () => {
      assert.equal(rejectionRetryable(e), retried);
      const v = rejectionVerdict(e, 'WRITE(10)');
      assert.equal(v.action, retried ? 'retry-backoff' : 'fail');
      assert.equal(v.failure.hr, hr);
      assert.equal(v.failure.cause, e);
      assert.equal(v.failure.supersedes === true, !retried, 'a permanent failure supersedes');
      assert.match(v.failure.message, /^WRITE\(10\) failed: /);
      // The recorder passes DwErrors through and reports anything else as an I/O error.
      const reported = rejectionError(WRITE_10, e);
      if (e instanceof DwError) assert.equal(reported, e);
      else {
        assert.equal(reported.hr, HR.ERROR_IO_DEVICE);
        assert.equal(reported.command, 'WRITE(10)');
        assert.equal(reported.cause, e);
      }
    });
  }
});
