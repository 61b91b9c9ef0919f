import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_OFFER,
  OperationalNegotiation,
  RFC_DEFAULTS,
} from '../../src/transport/iscsi/negotiate.js';
import { DwError } from '../../src/errors.js';

describe('operational negotiation (RFC 7143 §13)', () => {
  it('offers every key once, all marked pending except the declarative one', () => {
    const n = new OperationalNegotiation(DEFAULT_OFFER);
    const offer = Object.fromEntries(n.initialPairs());
    assert.equal(offer.HeaderDigest, 'None,CRC32C');
    assert.equal(offer.MaxRecvDataSegmentLength, '262144');
    assert.equal(offer.InitialR2T, 'No');
    assert.equal(offer.ErrorRecoveryLevel, '0');
    assert.equal(offer.MaxConnections, '1');
    assert.ok(!n.pending.includes('MaxRecvDataSegmentLength'));
    assert.ok(n.pending.includes('MaxBurstLength'));
  });

  it('applies tgt’s answers: min, OR, AND, and an undeclared 8 KiB MaxRecvDataSegmentLength', () => {
    const n = new OperationalNegotiation(DEFAULT_OFFER);
    n.initialPairs();
    const replies = n.receive([
      ['TargetPortalGroupTag', '1'],
      ['HeaderDigest', 'None'],
      ['DataDigest', 'None'],
      ['MaxBurstLength', '262144'],
      ['FirstBurstLength', '65536'],
      ['InitialR2T', 'Yes'],
      ['ImmediateData', 'Yes'],
      ['MaxOutstandingR2T', '1'],
      ['ErrorRecoveryLevel', '0'],
      ['DefaultTime2Wait', '2'],
      ['DefaultTime2Retain', '0'],
      ['MaxConnections', '1'],
      ['DataPDUInOrder', 'Yes'],
      ['DataSequenceInOrder', 'Yes'],
    ]);
    assert.deepEqual(replies, []);
    const r = n.result();
    assert.equal(r.targetMaxRecvDataSegmentLength, 8192);
    assert.equal(r.initiatorMaxRecvDataSegmentLength, 262144);
    assert.equal(r.maxBurstLength, 262144);
    assert.equal(r.firstBurstLength, 65536);
    assert.equal(r.initialR2T, true);
    assert.equal(r.immediateData, true);
    assert.equal(r.defaultTime2Wait, 2);
    assert.equal(r.targetPortalGroupTag, 1);
    assert.equal(r.headerDigest, false);
  });

  it('answers the target’s own proposals by the key’s rule', () => {
    const n = new OperationalNegotiation({ ...DEFAULT_OFFER, maxBurstLength: 65536 });
    // No initialPairs(): everything the target sends is its proposal.
    const replies = n.receive([
      ['MaxRecvDataSegmentLength', '262144'],
      ['HeaderDigest', 'CRC32C,None'],
      ['MaxBurstLength', '1048576'],
      ['ImmediateData', 'No'],
      ['InitialR2T', 'No'],
      ['DefaultTime2Wait', '5'],
      ['X-vendor.key', '1'],
    ]);
    // A list answer takes the proposer's first acceptable value.
    assert.deepEqual(replies, [
      ['HeaderDigest', 'CRC32C'],
      ['MaxBurstLength', '65536'],
      ['ImmediateData', 'No'],
      ['InitialR2T', 'No'],
      ['DefaultTime2Wait', '5'],
      ['X-vendor.key', 'NotUnderstood'],
    ]);
    const r = n.result();
    assert.equal(r.targetMaxRecvDataSegmentLength, 262144);
    assert.equal(r.headerDigest, true);
    assert.equal(r.maxBurstLength, 65536);
    assert.equal(r.immediateData, false);
    assert.equal(r.initialR2T, false);
    assert.equal(r.defaultTime2Wait, 5);
  });

  it('picks CRC32C when it is the only acceptable digest; keeps FirstBurst <= MaxBurst', () => {
    const n = new OperationalNegotiation({ ...DEFAULT_OFFER, headerDigest: ['CRC32C'] });
    assert.deepEqual(n.receive([['HeaderDigest', 'CRC32C,None']]), [['HeaderDigest', 'CRC32C']]);
    n.receive([
      ['MaxBurstLength', '4096'],
      ['FirstBurstLength', '8192'],
    ]);
    const r = n.result();
    assert.equal(r.headerDigest, true);
    assert.equal(r.maxBurstLength, 4096);
    assert.equal(r.firstBurstLength, 4096);
  });

  it('keeps the RFC default after Reject / NotUnderstood; fails on an answer not offered', () => {
    const n = new OperationalNegotiation(DEFAULT_OFFER);
    n.initialPairs();
    n.receive([['MaxBurstLength', 'Reject']]);
    assert.equal(n.result().maxBurstLength, RFC_DEFAULTS.maxBurstLength);
    assert.throws(() => n.receive([['DataDigest', 'MD5']]), DwError);
    assert.throws(() => n.receive([['MaxOutstandingR2T', '0']]), DwError);
  });
});
