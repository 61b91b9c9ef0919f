// The iSCSI transport against a real target: Debian's tgt with its emulated DVD+R recorder
// (test/helpers/tgt.ts starts a private tgtd). Login and negotiation, the MMC commands a burn
// needs, the R2T/Data-Out write path under the engine, read-back against the backing file,
// CHAP (one-way and mutual), digests, cancel, timeout, target-side disconnect and a tgtd crash.
// Skipped with a message when tgt is not installed (fails instead under CI=true).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DwError, HR } from '../../src/errors.js';
import { ScsiStatus, type ScsiResult } from '../../src/scsi/command.js';
import { decodeSense } from '../../src/scsi/sense.js';
import { hrFromSenseCodes } from '../../src/scsi/sense-hresult.js';
import { inquiry, decodeInquiryData } from '../../src/scsi/spc/inquiry.js';
import { testUnitReady } from '../../src/scsi/spc/test-unit-ready.js';
import { write10 } from '../../src/scsi/block/write-10.js';
import { read10 } from '../../src/scsi/block/read-10.js';
import { synchronizeCache10 } from '../../src/scsi/block/synchronize-cache-10.js';
import {
  getConfiguration,
  decodeGetConfigurationData,
} from '../../src/scsi/mmc/get-configuration.js';
import {
  readDiscInformation,
  decodeReadDiscInformationData,
  DiscStatus,
} from '../../src/scsi/mmc/read-disc-information.js';
import {
  readTrackInformation,
  decodeReadTrackInformationData,
  ReadTrackAddressType,
} from '../../src/scsi/mmc/read-track-information.js';
import {
  readBufferCapacity,
  decodeReadBufferCapacityData,
} from '../../src/scsi/mmc/read-buffer-capacity.js';
import { getWriteSpeeds, decodeWriteSpeedData } from '../../src/scsi/mmc/get-performance.js';
import { setStreaming } from '../../src/scsi/mmc/set-streaming.js';
import { closeTrackSession, CloseFunction } from '../../src/scsi/mmc/close-track-session.js';
import {
  discoverTargets,
  openIscsiTransport,
  type IscsiTransport,
} from '../../src/transport/iscsi/index.js';
import { DiscRecorder } from '../../src/device/recorder.js';
import { WriteEngine } from '../../src/engine/write-engine.js';
import { Tgt, tgtAvailability, TGT_IQN } from '../helpers/tgt.js';

const availability = tgtAvailability();
const skip = availability.run ? false : availability.message;

function assertGood(r: ScsiResult, what: string): void {
  if (r.status !== ScsiStatus.GOOD) {
    const s = decodeSense(r.sense);
    assert.fail(`${what}: status ${r.status} sense ${s.senseKey}/${s.asc}/${s.ascq}`);
  }
}

function senseTriple(r: ScsiResult): [number, number, number] {
  assert.equal(r.status, ScsiStatus.CHECK_CONDITION);
  const s = decodeSense(r.sense);
  return [s.senseKey, s.asc, s.ascq];
}

/** Consumes the unit attention tgt raises on every new I_T nexus (06/29/00). */
async function clearUnitAttention(t: IscsiTransport): Promise<void> {
  const r = await t.execute(testUnitReady());
  if (r.status !== ScsiStatus.GOOD) assert.deepEqual(senseTriple(r), [6, 0x29, 0]);
}

/** Resolves once `cond` holds, checking after every turn of the event loop (no sleeps). */
async function until(cond: () => boolean, turns = 1_000_000): Promise<void> {
  for (let i = 0; i < turns && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

const BLOCK = 2048;
const CHAP_USER = 'testuser';
const CHAP_SECRET = 'testsecret12';
const TARGET_USER = 'tgtuser';
const TARGET_SECRET = 'tgtsecret123';

describe('iSCSI transport against tgt', { skip }, () => {
  let tgt: Tgt;

  before(async () => {
    tgt = await Tgt.start();
    await tgt.addDvdTarget(1, TGT_IQN, { writeCache: true });
    // 2: one-way CHAP; 3: mutual CHAP; 4: header and data digests.
    await tgt.addDvdTarget(2);
    await tgt.addAccount(2, CHAP_USER, CHAP_SECRET);
    await tgt.addDvdTarget(3);
    await tgt.addAccount(3, 'mutualuser', CHAP_SECRET);
    await tgt.addAccount(3, TARGET_USER, TARGET_SECRET, true);
    await tgt.addDvdTarget(4, `${TGT_IQN}-digests`, { writeCache: true });
    await tgt.setParam(4, 'HeaderDigest', 'CRC32C');
    await tgt.setParam(4, 'DataDigest', 'CRC32C');
  });

  after(async () => {
    await tgt?.stop();
  });

  it('discovers the targets with SendTargets', async () => {
    const found = await discoverTargets(`127.0.0.1:${tgt.port}`);
    const names = found.map((f) => f.targetName).sort();
    assert.ok(names.includes(TGT_IQN));
    const one = found.find((f) => f.targetName === TGT_IQN)!;
    assert.deepEqual(one.portals, [{ host: '127.0.0.1', port: tgt.port, portalGroupTag: 1 }]);
  });

  it('logs in with tgt’s parameters and reports the first-command unit attention', async () => {
    const t = await openIscsiTransport(tgt.url(1));
    try {
      const p = t.parameters!;
      // tgt does not declare its 8 KiB MaxRecvDataSegmentLength and forces InitialR2T=Yes.
      assert.equal(p.targetMaxRecvDataSegmentLength, 8192);
      assert.equal(p.initialR2T, true);
      assert.equal(p.immediateData, true);
      assert.equal(p.firstBurstLength, 65536);
      assert.equal(p.maxBurstLength, 262144);
      assert.equal(p.maxOutstandingR2T, 1);
      assert.equal(p.errorRecoveryLevel, 0);
      assert.equal(p.headerDigest, false);
      assert.equal(p.dataDigest, false);
      assert.equal(t.limits().busType, 'iscsi');
      assert.equal(t.address, tgt.url(1));

      // INQUIRY is exempt from the unit attention; the next command gets 06/29/00.
      const inq = await t.execute(inquiry({ allocationLength: 96 }));
      assertGood(inq, 'INQUIRY');
      const d = decodeInquiryData(inq.dataIn);
      assert.equal(d.peripheralDeviceType, 0x05);
      assert.equal(d.vendorIdentification, 'TGTTEST');
      assert.equal(d.productIdentification, 'DVDR-EMU');
      const ua = await t.execute(testUnitReady());
      assert.deepEqual(senseTriple(ua), [6, 0x29, 0]);
      assert.equal(hrFromSenseCodes(6, 0x29, 0), HR.ERROR_IO_DEVICE);
      assertGood(await t.execute(testUnitReady()), 'TEST UNIT READY');
    } finally {
      await t.close();
    }
  });

  it('answers the MMC commands a burn needs', async () => {
    const t = await openIscsiTransport(tgt.url(1));
    try {
      await clearUnitAttention(t);
      const conf = await t.execute(getConfiguration({ allocationLength: 1024 }));
      assertGood(conf, 'GET CONFIGURATION');
      // tgt pads to the allocation length: the data length field is what counts.
      assert.equal(conf.dataIn.length, 1024);
      assert.equal(decodeGetConfigurationData(conf.dataIn).currentProfile, 0x1b);

      const rdi = await t.execute(readDiscInformation());
      assertGood(rdi, 'READ DISC INFORMATION');
      assert.equal(decodeReadDiscInformationData(rdi.dataIn).discStatus, DiscStatus.EMPTY);

      const rti = await t.execute(
        readTrackInformation({ addressNumberType: ReadTrackAddressType.TRACK, address: 1 }),
      );
      assertGood(rti, 'READ TRACK INFORMATION');
      const ti = decodeReadTrackInformationData(rti.dataIn);
      assert.equal(ti.blank, true);
      assert.equal(ti.nwaV, true);
      assert.equal(ti.nextWritableAddress, 0);
      assert.equal(ti.freeBlocks, 2_295_104);

      const rbc = await t.execute(readBufferCapacity());
      assertGood(rbc, 'READ BUFFER CAPACITY');
      const cap = decodeReadBufferCapacityData(rbc.dataIn);
      assert.equal(cap.blockDataReturned, false);
      if (!cap.blockDataReturned) assert.equal(cap.bufferLengthBytes, 0x1000 * BLOCK);

      const perf = await t.execute(getWriteSpeeds({ maximumNumberOfDescriptors: 4 }));
      assertGood(perf, 'GET PERFORMANCE');
      const speeds = decodeWriteSpeedData(perf.dataIn);
      assert.equal(speeds.descriptors[0]?.writeSpeedKBps, 3324);

      const ss = await t.execute(
        setStreaming({
          endLba: 2_295_103,
          readSizeKB: 3324,
          readTimeMs: 1000,
          writeSizeKB: 3324,
          writeTimeMs: 1000,
        }),
      );
      assertGood(ss, 'SET STREAMING');
    } finally {
      await t.close();
    }
  });

  it('writes 64 MiB through the write engine, closes, reads back and matches the backing file', async () => {
    await tgt.blank(1);
    const t = await openIscsiTransport(tgt.url(1));
    const recorder = await DiscRecorder.fromTransport(t);
    try {
      await clearUnitAttention(t);
      const blocks = 32768; // 64 MiB
      const source = new Uint8Array(randomBytes(blocks * BLOCK));
      const engine = new WriteEngine();
      await engine.setRecorder(recorder);
      engine.bytesPerSector = BLOCK;
      await engine.writeSection(source, 0, blocks);
      const stats = t.stats;
      // InitialR2T=Yes: every WRITE beyond its 8 KiB of immediate data went by R2T.
      assert.ok(stats.r2ts > 0);
      assert.ok(stats.dataOutPdus >= (blocks * BLOCK) / 8192 - stats.commands);

      // A few more transfer shapes: immediate data only, several R2Ts per command.
      const small = new Uint8Array(randomBytes(BLOCK));
      assertGood(
        await t.execute(write10({ lba: blocks, transferLength: 1, data: small })),
        'WRITE 1',
      );
      const big = new Uint8Array(randomBytes(600 * BLOCK));
      assertGood(
        await t.execute(write10({ lba: blocks + 1, transferLength: 600, data: big })),
        'WRITE 600',
      );
      // Reads are refused on a DVD+R until it is closed (tgt): 05/21/00, the invalid-address error.
      const early = await t.execute(read10({ lba: 0, transferLength: 1, blockSize: BLOCK }));
      const [k, a, q] = senseTriple(early);
      assert.deepEqual([k, a, q], [5, 0x21, 0]);
      assert.equal(hrFromSenseCodes(k, a, q, 0x28), HR.ERROR_INVALID_ADDRESS);

      assertGood(await t.execute(synchronizeCache10()), 'SYNCHRONIZE CACHE');
      assertGood(
        await t.execute(
          closeTrackSession({ closeFunction: CloseFunction.CLOSE_TRACK, logicalTrackNumber: 1 }),
        ),
        'CLOSE TRACK',
      );
      assertGood(
        await t.execute(closeTrackSession({ closeFunction: CloseFunction.CLOSE_SESSION })),
        'CLOSE SESSION',
      );

      // Closed: now a DVD-ROM; a WRITE is refused with 05/30/05 (incompatible medium).
      const late = await t.execute(write10({ lba: 0, transferLength: 1, data: small }));
      const [k2, a2, q2] = senseTriple(late);
      assert.deepEqual([k2, a2, q2], [5, 0x30, 0x05]);
      assert.equal(hrFromSenseCodes(k2, a2, q2, 0x2a), HR.E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);

      const expected = Buffer.concat([source, small, big]);
      const per = 512; // 1 MiB per READ(10): many Data-In PDUs each
      for (let lba = 0; lba < blocks + 601; lba += per) {
        const n = Math.min(per, blocks + 601 - lba);
        const r = await t.execute(read10({ lba, transferLength: n, blockSize: BLOCK }));
        assertGood(r, `READ(10) ${lba}`);
        assert.equal(r.residual, 0);
        assert.ok(
          Buffer.from(r.dataIn).equals(expected.subarray(lba * BLOCK, (lba + n) * BLOCK)),
          `read-back mismatch at LBA ${lba}`,
        );
      }
      assert.ok(readFileSync(tgt.targets.get(1)!.image).equals(expected), 'backing file differs');
    } finally {
      await recorder.close();
    }
  });

  it('CHAP: a good secret logs in; a wrong one or none fails with E_ACCESSDENIED', async () => {
    const good = await openIscsiTransport(tgt.url(2, `${CHAP_USER}%${CHAP_SECRET}`));
    try {
      assertGood(await good.execute(inquiry()), 'INQUIRY over CHAP');
    } finally {
      await good.close();
    }
    // The secret may come from the environment instead of the address.
    const fromEnv = await openIscsiTransport(tgt.url(2, CHAP_USER), {
      env: { DISCWRIGHT_ISCSI_PASSWORD: CHAP_SECRET },
    });
    await fromEnv.close();
    for (const url of [tgt.url(2, `${CHAP_USER}%wrongsecret1`), tgt.url(2)]) {
      await assert.rejects(
        openIscsiTransport(url),
        (e: unknown) => e instanceof DwError && e.hr === HR.E_ACCESSDENIED,
      );
    }
  });

  it('mutual CHAP: the target proves its secret; a wrong expected secret fails', async () => {
    const url = (secret: string) =>
      tgt.url(3, `mutualuser%${CHAP_SECRET}`) +
      `?target_user=${TARGET_USER}&target_password=${secret}`;
    const t = await openIscsiTransport(url(TARGET_SECRET));
    try {
      assertGood(await t.execute(inquiry()), 'INQUIRY over mutual CHAP');
      assert.ok(!t.address.includes(CHAP_SECRET) && !t.address.includes(TARGET_SECRET));
    } finally {
      await t.close();
    }
    await assert.rejects(
      openIscsiTransport(url('notthesecret')),
      (e: unknown) =>
        e instanceof DwError && e.hr === HR.E_ACCESSDENIED && /mutual/.test(e.message),
    );
  });

  it('runs with CRC32C header and data digests', async () => {
    const t = await openIscsiTransport(tgt.url(4), {
      headerDigest: ['CRC32C'],
      dataDigest: ['CRC32C'],
    });
    try {
      assert.equal(t.parameters!.headerDigest, true);
      assert.equal(t.parameters!.dataDigest, true);
      await clearUnitAttention(t);
      const data = new Uint8Array(randomBytes(1000 * BLOCK + 0)); // odd burst tails
      assertGood(await t.execute(write10({ lba: 0, transferLength: 1000, data })), 'WRITE');
      assertGood(
        await t.execute(closeTrackSession({ closeFunction: CloseFunction.CLOSE_SESSION })),
        'CLOSE SESSION',
      );
      const r = await t.execute(read10({ lba: 0, transferLength: 1000, blockSize: BLOCK }));
      assertGood(r, 'READ(10)');
      assert.ok(Buffer.from(r.dataIn).equals(data));
    } finally {
      await t.close();
    }
  });

  it('cancel and timeout abort the task (ABORT TASK); the session stays usable', async () => {
    await tgt.blank(1);
    const t = await openIscsiTransport(tgt.url(1));
    try {
      await clearUnitAttention(t);
      const data = new Uint8Array(16 * 1024 * 1024);
      const ac = new AbortController();
      const r2tsBefore = t.stats.r2ts;
      const pending = t.execute(write10({ lba: 0, transferLength: data.length / BLOCK, data }), {
        signal: ac.signal,
      });
      await until(() => t.stats.r2ts > r2tsBefore);
      ac.abort();
      await assert.rejects(
        pending,
        (e: unknown) => e instanceof DwError && e.hr === HR.E_IMAPI_REQUEST_CANCELLED,
      );
      assert.equal(t.stats.abortsSent, 1);
      assertGood(await t.execute(testUnitReady()), 'TEST UNIT READY after cancel');

      await assert.rejects(
        t.execute(write10({ lba: 0, transferLength: data.length / BLOCK, data }), {
          timeoutMs: 1,
        }),
        (e: unknown) => e instanceof DwError && e.hr === HR.E_IMAPI_RECORDER_COMMAND_TIMEOUT,
      );
      assert.equal(t.stats.abortsSent, 2);
      assertGood(await t.execute(testUnitReady()), 'TEST UNIT READY after timeout');
      assert.equal(t.stats.logins, 1);
    } finally {
      await t.close();
    }
  });

  it('re-logs in after the target closes the connection', async () => {
    const t = await openIscsiTransport(tgt.url(1));
    try {
      await clearUnitAttention(t);
      await tgt.dropConnections(1);
      await until(() => !t.connected);
      // A new session is a new I_T nexus: tgt raises its unit attention again.
      const ua = await t.execute(testUnitReady());
      assert.deepEqual(senseTriple(ua), [6, 0x29, 0]);
      assertGood(await t.execute(testUnitReady()), 'TEST UNIT READY after re-login');
      assert.equal(t.stats.logins, 2);
    } finally {
      await t.close();
    }
  });
});

describe('iSCSI transport when tgtd dies mid-write', { skip }, () => {
  let tgt: Tgt;
  before(async () => {
    tgt = await Tgt.start();
    await tgt.addDvdTarget(1, TGT_IQN, { writeCache: true });
  });
  after(async () => {
    await tgt?.stop();
  });

  it('fails the write with 0x80070037, keeps every acknowledged block, and reconnects', async () => {
    const t = await openIscsiTransport(tgt.url(1), { commandTimeoutMs: 20_000 });
    try {
      await clearUnitAttention(t);
      const per = 32;
      const acknowledged: Uint8Array[] = [];
      let failure: unknown;
      for (let i = 0; i < 100_000 && failure === undefined; i++) {
        const data = new Uint8Array(randomBytes(per * BLOCK));
        const pending = t.execute(write10({ lba: i * per, transferLength: per, data }));
        if (i === 50) void tgt.kill();
        try {
          assertGood(await pending, 'WRITE');
          acknowledged.push(data);
        } catch (e) {
          failure = e;
        }
      }
      assert.ok(failure instanceof DwError, 'the write failed');
      assert.equal(failure.hr, HR.ERROR_DEV_NOT_EXIST);
      assert.ok(acknowledged.length >= 50);
      // Everything the target acknowledged is in the backing file.
      const image = readFileSync(tgt.targets.get(1)!.image);
      assert.ok(image.length >= acknowledged.length * per * BLOCK);
      acknowledged.forEach((d, i) => {
        const at = i * per * BLOCK;
        assert.ok(image.subarray(at, at + d.length).equals(d), `acknowledged WRITE ${i} lost`);
      });

      // While the target is down the next command fails fast, also with 0x80070037.
      await assert.rejects(
        t.execute(testUnitReady()),
        (e: unknown) => e instanceof DwError && e.hr === HR.ERROR_DEV_NOT_EXIST,
      );
      // Target back (a restarted tgtd derives the medium from the file: now a DVD-ROM).
      await tgt.restart();
      const ua = await t.execute(testUnitReady());
      assert.deepEqual(senseTriple(ua), [6, 0x29, 0]);
      const conf = await t.execute(getConfiguration({ allocationLength: 8 }));
      assertGood(conf, 'GET CONFIGURATION');
      assert.equal(decodeGetConfigurationData(conf.dataIn).currentProfile, 0x10);
      assert.ok(t.stats.logins >= 2);
    } finally {
      await t.close();
    }
  });
});
