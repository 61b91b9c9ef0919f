// What the fuzz test (fuzz.test.ts) found, each kept bounded: an initiator that sends NOP-Outs
// and never reads the NOP-Ins is no longer read once 1 MiB of answers waits for it (the answers
// would otherwise pile up in the target without end); immediate commands beyond a window's worth
// queued get a Reject (reason 06h, too many immediate commands) instead of each being queued with
// its immediate data while a WRITE waits for its Data-Out. Both connections are served on.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { openVirtualDrive, type VirtualDrive } from '../../../src/transport/emulated/index.js';
import { decodeTargetPdu } from '../../../src/transport/iscsi/pdu-target.js';
import type { TargetPdu } from '../../../src/transport/iscsi/pdu-types.js';
import { IscsiTarget } from '../../../src/transport/iscsi/target/index.js';
import { wireBytes } from '../../helpers/iscsi-pdus.js';
import { FUZZ_IQN, command, loginSteps, nopOut, rw10 } from '../../helpers/target-fuzz.js';

/** A logged-in raw connection; `answers` fills as PDUs arrive (when `reading`). */
async function loggedIn(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const answers: TargetPdu[] = [];
  let inbox: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    inbox = Buffer.concat([inbox, chunk]);
    for (;;) {
      if (inbox.length < 48) return;
      const length = inbox.readUInt32BE(4) & 0xffffff;
      const total = 48 + length + ((4 - (length % 4)) % 4);
      if (inbox.length < total) return;
      const frame = {
        bhs: inbox.subarray(0, 48),
        ahs: inbox.subarray(48, 48),
        data: inbox.subarray(48, 48 + length),
      };
      answers.push(decodeTargetPdu(frame));
      inbox = inbox.subarray(total);
    }
  });
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ok(), `no answer (${answers.length} answers)`);
  };
  for (const step of loginSteps(1)) {
    const s = step(answers);
    answers.length = 0;
    socket.write(s.pdus[0]!);
    await until(() => answers.some(s.done));
  }
  answers.length = 0;
  return { socket, answers, until };
}

describe('iSCSI target: bounds the fuzz test found', () => {
  let drive: VirtualDrive;
  let target: IscsiTarget;
  before(async () => {
    drive = await openVirtualDrive('virtual:dvd-ram?capacity=4096');
    target = new IscsiTarget({ luns: [drive], targetName: FUZZ_IQN, port: 0 });
    await target.listen();
  });
  after(async () => {
    await target.close(100);
    await drive.close();
  });

  it('stops reading an initiator that does not read its NOP-Ins', async () => {
    const c = await loggedIn(target.port);
    c.socket.pause();
    const data = new Uint8Array(65536).fill(7);
    const count = 1024; // 64 MiB echoed
    for (let i = 0; i < count; i++) c.socket.write(nopOut(100 + i, 0, data));
    // Wait until the target stops taking what the initiator sends.
    let last = -1;
    for (let stable = 0; stable < 3;) {
      await new Promise((r) => setTimeout(r, 100));
      stable = c.socket.writableLength === last ? stable + 1 : 0;
      last = c.socket.writableLength;
    }
    assert.ok(c.socket.writableLength > 32 * 1048576, 'the target read everything');
    const held = target.stats().bufferedBytes;
    assert.ok(held < 4 * 1048576, `the target holds ${held} bytes`);
    c.socket.resume();
    const echoes = () => c.answers.filter((a) => a.type === 'nop-in' && a.initiatorTaskTag >= 100);
    await c.until(() => echoes().length === count);
    assert.equal(c.answers.length, count);
    c.socket.destroy();
  });

  it('rejects immediate commands beyond a window while a WRITE waits for its data', async () => {
    const c = await loggedIn(target.port);
    const write = new Uint8Array(32768).fill(3);
    const tur = (i: number) =>
      command({ itt: 10 + i, cmdSn: 2, cdb: [0, 0, 0, 0, 0, 0], edtl: 0, immediate: true });
    c.socket.write(
      command({
        itt: 1,
        cmdSn: 1,
        cdb: rw10(0x2a, 0, 16),
        edtl: write.length,
        write: new Uint8Array(0),
      }),
    );
    await c.until(() => c.answers.some((a) => a.type === 'r2t'));
    for (let i = 0; i < 40; i++) c.socket.write(tur(i));
    await c.until(() => c.answers.filter((a) => a.type === 'reject').length === 25);
    const r2t = c.answers.find((a) => a.type === 'r2t')!;
    assert.equal(r2t.type, 'r2t');
    c.socket.write(
      wireBytes({
        type: 'data-out',
        final: true,
        lun: new Uint8Array(8),
        initiatorTaskTag: 1,
        targetTransferTag: r2t.targetTransferTag,
        expStatSn: 0,
        dataSn: 0,
        bufferOffset: 0,
        data: write,
      }),
    );
    await c.until(() => c.answers.filter((a) => a.type === 'scsi-response').length === 16);
    const rejects = c.answers.filter((a) => a.type === 'reject');
    assert.ok(rejects.every((a) => a.type === 'reject' && a.reason === 0x06));
    c.socket.destroy();
  });
});
