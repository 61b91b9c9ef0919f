// Benchmark 6, codec micro-benchmarks for the hot path: per 64 KiB WRITE the engine builds one
// WRITE CDB, the virtual drive decodes it, and over iSCSI the session encodes one SCSI Command
// PDU and eight 8 KiB Data-Out headers and decodes an R2T and a SCSI Response. Each discwright
// codec runs against a hand-written baseline that does the same bytes with no validation (raw
// typed-array stores and DataView loads), alternating batches in one process.
//
//   npm run build && node dist/bench/codecs.js [--runs 7] [--iterations 200000]

import { parseArgs } from 'node:util';
import { decodeWrite10Cdb, encodeWrite10Cdb, write10 } from '../src/scsi/block/write-10.js';
import { encodeWrite12Cdb } from '../src/scsi/block/write-12.js';
import { decodePdu, encodeBhs } from '../src/transport/iscsi/pdu.js';
import {
  BHS_LENGTH,
  encodeLun,
  IscsiOpcode,
  type PduFrame,
} from '../src/transport/iscsi/pdu-layout.js';
import type { Pdu } from '../src/transport/iscsi/pdu-types.js';
import { alternate, median, printResult, type Contender, type Sample, type Series } from './lib.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    iterations: { type: 'string', default: '200000' },
  },
});
const runs = Number(values.runs);
const N = Number(values.iterations);

/** Keeps results alive so the JIT cannot drop the work. */
let sink = 0;

/** Times `N` calls of `op`; a Sample whose `bytes` is the number of operations. */
function timeOps(op: (i: number) => number): Sample {
  const t0 = performance.now();
  let acc = 0;
  for (let i = 0; i < N; i++) acc += op(i);
  const ms = performance.now() - t0;
  sink ^= acc;
  return { ms, bytes: N };
}

const LUN = encodeLun(1);
const DATA = new Uint8Array(65536);
const EMPTY = new Uint8Array(0);

// ---- baselines: the same bytes, no checks ----

function rawWrite10(lba: number, blocks: number): Uint8Array {
  const c = new Uint8Array(10);
  c[0] = 0x2a;
  c[2] = lba >>> 24;
  c[3] = lba >>> 16;
  c[4] = lba >>> 8;
  c[5] = lba;
  c[7] = blocks >>> 8;
  c[8] = blocks;
  return c;
}

function rawWrite12(lba: number, blocks: number): Uint8Array {
  const c = new Uint8Array(12);
  const v = new DataView(c.buffer);
  c[0] = 0xaa;
  v.setInt32(2, lba);
  v.setUint32(6, blocks);
  c[10] = 0x80;
  return c;
}

function rawDecodeWrite10(c: Uint8Array): number {
  return ((c[2]! << 24) | (c[3]! << 16) | (c[4]! << 8) | c[5]!) + ((c[7]! << 8) | c[8]!);
}

function rawScsiCommandBhs(itt: number, cdb: Uint8Array): Uint8Array {
  const b = new Uint8Array(BHS_LENGTH);
  const v = new DataView(b.buffer);
  b[0] = 0x01;
  b[1] = 0x80 | 0x20 | 0x01; // F, W, ATTR simple
  b.set(LUN, 8);
  v.setUint32(16, itt);
  v.setUint32(20, 65536);
  v.setUint32(24, itt);
  v.setUint32(28, itt);
  b.set(cdb, 32);
  return b;
}

function rawDataOutBhs(itt: number, offset: number): Uint8Array {
  const b = new Uint8Array(BHS_LENGTH);
  const v = new DataView(b.buffer);
  b[0] = 0x05;
  b[1] = 0x80;
  b[5] = 0x00;
  b[6] = 0x20; // DataSegmentLength 8192
  b.set(LUN, 8);
  v.setUint32(16, itt);
  v.setUint32(20, 0x1234);
  v.setUint32(28, itt);
  v.setUint32(36, offset >>> 13);
  v.setUint32(40, offset);
  return b;
}

function rawDecodeR2t(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return (
    v.getUint32(16) +
    v.getUint32(20) +
    v.getUint32(24) +
    v.getUint32(36) +
    v.getUint32(40) +
    v.getUint32(44)
  );
}

// ---- fixtures: target PDUs as bytes, written field by field ----

function r2tBytes(): Uint8Array {
  const b = new Uint8Array(BHS_LENGTH);
  const v = new DataView(b.buffer);
  b[0] = IscsiOpcode.R2T;
  b[1] = 0x80;
  b.set(LUN, 8);
  v.setUint32(16, 7); // ITT
  v.setUint32(20, 0x1234); // TTT
  v.setUint32(24, 10); // StatSN
  v.setUint32(28, 11); // ExpCmdSN
  v.setUint32(32, 140); // MaxCmdSN
  v.setUint32(36, 0); // R2TSN
  v.setUint32(40, 8192); // Buffer Offset
  v.setUint32(44, 57344); // Desired Data Transfer Length
  return b;
}

function responseBytes(): Uint8Array {
  const b = new Uint8Array(BHS_LENGTH);
  const v = new DataView(b.buffer);
  b[0] = IscsiOpcode.SCSI_RESPONSE;
  b[1] = 0x80;
  v.setUint32(16, 7);
  v.setUint32(24, 10);
  v.setUint32(28, 11);
  v.setUint32(32, 140);
  return b;
}

const R2T: PduFrame = { bhs: r2tBytes(), ahs: EMPTY, data: EMPTY };
const RESPONSE: PduFrame = { bhs: responseBytes(), ahs: EMPTY, data: EMPTY };

function cmdPdu(itt: number, cdb: Uint8Array): Pdu {
  return {
    type: 'scsi-command',
    immediate: false,
    final: true,
    read: false,
    write: true,
    attr: 1,
    lun: LUN,
    initiatorTaskTag: itt,
    expectedDataTransferLength: 65536,
    cmdSn: itt,
    expStatSn: itt,
    cdb,
    data: EMPTY,
  };
}

function dataOutPdu(itt: number, offset: number): Pdu {
  return {
    type: 'data-out',
    final: true,
    lun: LUN,
    initiatorTaskTag: itt,
    targetTransferTag: 0x1234,
    expStatSn: itt,
    dataSn: offset >>> 13,
    bufferOffset: offset,
    data: DATA.subarray(0, 8192),
  };
}

const CDB10 = rawWrite10(0, 32);

interface Pair {
  readonly what: string;
  readonly baseline: (i: number) => number;
  readonly discwright: (i: number) => number;
}

const pairs: Pair[] = [
  {
    what: 'WRITE(10) CDB encode',
    baseline: (i) => rawWrite10(i * 32, 32)[5]!,
    discwright: (i) => encodeWrite10Cdb({ lba: i * 32, transferLength: 32 })[5]!,
  },
  {
    what: 'WRITE(12) Streaming CDB encode',
    baseline: (i) => rawWrite12(i * 32, 32)[5]!,
    discwright: (i) => encodeWrite12Cdb({ lba: i * 32, transferLength: 32, streaming: true })[5]!,
  },
  {
    what: 'write10() request (CDB + command object)',
    baseline: (i) => ({ cdb: rawWrite10(i * 32, 32), direction: 'out', dataOut: DATA }).cdb[5]!,
    discwright: (i) => write10({ lba: i * 32, transferLength: 32, data: DATA }).cdb[5]!,
  },
  {
    what: 'WRITE(10) CDB decode (virtual drive)',
    baseline: () => rawDecodeWrite10(CDB10),
    discwright: () => decodeWrite10Cdb(CDB10).transferLength,
  },
  {
    what: 'SCSI Command PDU header encode',
    baseline: (i) => rawScsiCommandBhs(i, CDB10)[19]!,
    discwright: (i) => encodeBhs(cmdPdu(i, CDB10))[19]!,
  },
  {
    what: 'Data-Out PDU header encode',
    baseline: (i) => rawDataOutBhs(i, (i & 7) * 8192)[43]!,
    discwright: (i) => encodeBhs(dataOutPdu(i, (i & 7) * 8192))[43]!,
  },
  {
    what: 'R2T PDU decode',
    baseline: () => rawDecodeR2t(R2T.bhs),
    discwright: () => {
      const p = decodePdu(R2T);
      return p.type === 'r2t' ? p.desiredDataTransferLength : 0;
    },
  },
  {
    what: 'SCSI Response PDU decode',
    baseline: () => new DataView(RESPONSE.bhs.buffer).getUint32(24) + RESPONSE.bhs[3]!,
    discwright: () => {
      const p = decodePdu(RESPONSE);
      return p.type === 'scsi-response' ? p.statSn + p.status : 0;
    },
  },
];

const nsPerOp = (s: Sample) => (s.ms * 1e6) / s.bytes;

const rows: string[] = [
  '| operation | baseline ns/op (median) | discwright ns/op (median) | min–max | ratio (time) to baseline |',
  '|---|---|---|---|---|',
];
process.stderr.write(`codecs: ${N} operations per run, ${runs} runs\n`);
for (const p of pairs) {
  process.stderr.write(`${p.what}\n`);
  // One untimed batch each so both are optimised before the first timed run.
  timeOps(p.baseline);
  timeOps(p.discwright);
  const contenders: Contender[] = [
    { name: 'baseline', run: () => timeOps(p.baseline) },
    { name: 'discwright', run: () => timeOps(p.discwright) },
  ];
  const [base, dw] = (await alternate(runs, contenders)) as [Series, Series];
  const b = median(base.samples.map(nsPerOp));
  const ds = dw.samples.map(nsPerOp);
  const d = median(ds);
  rows.push(
    `| ${p.what} | ${b.toFixed(0)} | ${d.toFixed(0)} | ${Math.min(...ds).toFixed(0)}–${Math.max(...ds).toFixed(0)} | ${(d / b).toFixed(2)} |`,
  );
}
printResult(`Codec micro-benchmarks (${N} operations per run, ${runs} runs)`, rows.join('\n'), [
  'Per 64 KiB WRITE the hot path needs one CDB encode and, over iSCSI, one SCSI Command header,',
  'eight Data-Out headers, one R2T and one SCSI Response decode: at 16384 WRITEs per GiB, every',
  `100 ns per operation costs about 1.6 ms per GiB. (checksum ${sink & 1})`,
]);
