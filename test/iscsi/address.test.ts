import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseIscsiAddress,
  parseIscsiPortal,
  redactIscsiAddress,
} from '../../src/transport/iscsi/address.js';
import { parseSendTargets, parseTargetAddress } from '../../src/transport/iscsi/discovery.js';
import { DwError, HR } from '../../src/errors.js';

const env = {};

describe('iSCSI addresses', () => {
  it('parses host, default port, target and LUN', () => {
    assert.deepEqual(parseIscsiAddress('iscsi://10.0.0.5/iqn.2001-04.com.example:dvd/1', { env }), {
      host: '10.0.0.5',
      port: 3260,
      targetName: 'iqn.2001-04.com.example:dvd',
      lun: 1,
    });
  });
  it('parses user%password, a port and an IPv6 host', () => {
    assert.deepEqual(parseIscsiAddress('iscsi://bob%s3cr3t@[::1]:3262/iqn.x:y/0', { env }), {
      host: '::1',
      port: 3262,
      targetName: 'iqn.x:y',
      lun: 0,
      credentials: { user: 'bob', password: 's3cr3t' },
    });
  });
  it('takes missing secrets from the environment, and mutual CHAP from the query', () => {
    const a = parseIscsiAddress('iscsi://bob@h/iqn.x:y/1?target_user=tgt', {
      env: { DISCWRIGHT_ISCSI_PASSWORD: 'p1', DISCWRIGHT_ISCSI_TARGET_PASSWORD: 'p2' },
    });
    assert.deepEqual(a.credentials, {
      user: 'bob',
      password: 'p1',
      targetUser: 'tgt',
      targetPassword: 'p2',
    });
    const b = parseIscsiAddress('iscsi://bob%p@h/iqn.x:y/1?target_user=t&target_password=q', {
      env,
    });
    assert.deepEqual(b.credentials, {
      user: 'bob',
      password: 'p',
      targetUser: 't',
      targetPassword: 'q',
    });
  });
  it('rejects malformed addresses with E_INVALIDARG', () => {
    for (const bad of [
      'iscsi://host/iqn.x:y',
      'iscsi://host/iqn.x:y/lun',
      'iscsi://host:70000/iqn.x:y/1',
      'iscsi://host/iqn.x:y/99999',
      'iscsi://bob@host/iqn.x:y/1',
      'iscsi://fe80::1/iqn.x:y/1',
      'iscsi://host/iqn.x:y/1?target_user=t',
      'http://host/iqn.x:y/1',
    ]) {
      assert.throws(
        () => parseIscsiAddress(bad, { env }),
        (e: unknown) => e instanceof DwError && e.hr === HR.E_INVALIDARG,
        bad,
      );
    }
  });
  it('redacts secrets', () => {
    const a = parseIscsiAddress(
      'iscsi://bob%s3cr3t@h:1/iqn.x:y/2?target_user=t&target_password=q',
      {
        env,
      },
    );
    assert.equal(redactIscsiAddress(a), 'iscsi://bob@h:1/iqn.x:y/2?target_user=t');
  });
  it('parses portals and SendTargets answers', () => {
    assert.deepEqual(parseIscsiPortal('10.1.2.3'), { host: '10.1.2.3', port: 3260 });
    assert.deepEqual(parseIscsiPortal('iscsi://[::1]:3262/'), { host: '::1', port: 3262 });
    assert.deepEqual(parseTargetAddress('[fe80::1]:3261,2'), {
      host: 'fe80::1',
      port: 3261,
      portalGroupTag: 2,
    });
    assert.deepEqual(
      parseSendTargets([
        ['TargetName', 'iqn.a'],
        ['TargetAddress', '10.0.0.1:3260,1'],
        ['TargetAddress', '10.0.0.2,1'],
        ['TargetName', 'iqn.b'],
      ]),
      [
        {
          targetName: 'iqn.a',
          portals: [
            { host: '10.0.0.1', port: 3260, portalGroupTag: 1 },
            { host: '10.0.0.2', port: 3260, portalGroupTag: 1 },
          ],
        },
        { targetName: 'iqn.b', portals: [] },
      ],
    );
  });
});
