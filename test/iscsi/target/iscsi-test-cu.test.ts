// libiscsi's conformance tool iscsi-test-cu (Debian libiscsi-bin) against discwright's iSCSI
// target: every suite (`-t ALL`, destructive tests allowed) runs against one LUN serving a
// formatted DVD+RW in memory with `loadAttention=off`, and each test of the recorded pass list
// (test/fixtures/iscsi-test-cu/pass-list.txt, built as docs/serve.md "iscsi-test-cu" says) must
// pass; the SCSI suites run again against the default drive, where StartStopUnit.Simple alone
// of the list fails (the 06/28/00 after a load, docs/serve.md). The per-test results are read from the CUnit XML report the tool writes with -x. Skipped
// with one line when iscsi-test-cu is not installed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVirtualDrive } from '../../../src/transport/emulated/index.js';
import { IscsiTarget } from '../../../src/transport/iscsi/target/index.js';

const IQN = 'iqn.2026-01.dev.discwright:iscsi-test-cu';
const present = spawnSync('sh', ['-c', 'command -v iscsi-test-cu']).status === 0;
const here = path.dirname(fileURLToPath(import.meta.url));
// dist/test/iscsi/target → the source tree's fixture.
const PASS_LIST = path.resolve(here, '../../../../test/fixtures/iscsi-test-cu/pass-list.txt');

/** Suite.Test → passed, from CUnit's CUnitAutomated-Results.xml. */
function results(xml: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const suite of xml.split('<CUNIT_RUN_SUITE>').slice(1)) {
    const name = /<SUITE_NAME>\s*(\S+)\s*<\/SUITE_NAME>/.exec(suite)?.[1];
    if (name === undefined) continue;
    for (const record of suite.split('<CUNIT_RUN_TEST_RECORD>').slice(1)) {
      const test = /<TEST_NAME>\s*(\S+)\s*<\/TEST_NAME>/.exec(record)?.[1];
      if (test !== undefined) {
        out.set(`${name}.${test}`, record.includes('<CUNIT_RUN_TEST_SUCCESS>'));
      }
    }
  }
  return out;
}

const SIMPLE = 'StartStopUnit.Simple';

/**
 * Serves `address` as LUN 0 in this process, runs `iscsi-test-cu -d -x -t <tests>` against it in
 * a fresh directory, and returns the per-test results of its XML report.
 */
async function runTool(address: string, tests: string): Promise<Map<string, boolean>> {
  const drive = await openVirtualDrive(address);
  const target = new IscsiTarget({ luns: [drive], targetName: IQN, port: 0 });
  const dir = mkdtempSync(path.join(tmpdir(), 'dw-iscsi-test-cu-'));
  try {
    await target.listen();
    const url = `iscsi://${target.portal}/${IQN}/0`;
    // Asynchronous: the target runs in this process and must keep serving meanwhile.
    const run = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        'iscsi-test-cu',
        ['-d', '-x', '-t', tests, url],
        { cwd: dir, timeout: 110_000, maxBuffer: 64 * 1024 * 1024 },
        (e, stdout, stderr) =>
          resolve({ code: e === null ? 0 : Number(e.code ?? 1), out: `${stdout}${stderr}` }),
      );
    });
    // Its exit status counts the failed tests, listed or not: the XML report is what counts.
    const report = path.join(dir, 'CUnitAutomated-Results.xml');
    assert.ok(existsSync(report), `no report (exit ${run.code}): ${run.out.slice(-2000)}`);
    return results(readFileSync(report, 'utf8'));
  } finally {
    await target.close(0);
    await drive.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function passList(): string[] {
  const wanted = readFileSync(PASS_LIST, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(wanted.length > 200, 'the pass list was read');
  return wanted;
}

if (!present) {
  describe('iSCSI target: iscsi-test-cu', () => {
    it('skipped', (t) => t.skip('iscsi-test-cu (libiscsi-bin) is not installed'));
  });
} else {
  describe('iSCSI target: iscsi-test-cu', () => {
    // As `discwright serve` opens it: the 16 MiB transfer bound (src/cli/serve.ts).
    const LUN = 'virtual:dvd+rw?formatted=true&maxTransfer=16777216';

    it(
      'passes every test of the recorded pass list with loadAttention=off',
      { timeout: 120_000 },
      async () => {
        const got = await runTool(`${LUN}&loadAttention=off`, 'ALL');
        const failed = passList().filter((t) => got.get(t) !== true);
        assert.deepEqual(failed, [], `failed or not run: ${failed.join(', ')}`);
      },
    );

    // The SCSI family only: the iSCSI.* suites (most of the run's time) do not depend on it.
    it(
      `by default fails ${SIMPLE} only (06/28/00 after the load), of the SCSI tests listed`,
      { timeout: 120_000 },
      async () => {
        const got = await runTool(LUN, 'SCSI');
        assert.equal(got.get(SIMPLE), false, `${SIMPLE} ran and failed`);
        const scsi = passList().filter((t) => !t.startsWith('iSCSI') && t !== SIMPLE);
        const failed = scsi.filter((t) => got.get(t) !== true);
        assert.deepEqual(failed, [], `failed or not run: ${failed.join(', ')}`);
      },
    );
  });
}
