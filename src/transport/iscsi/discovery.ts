// iSCSI discovery (RFC 7143 §4.3, Appendix C): a Discovery session, Text Request
// SendTargets=All, the TargetName / TargetAddress answer, Logout.

import { DwError, HR } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import { parseIscsiPortal, type IscsiCredentials } from './address.js';
import { IscsiConnection } from './connection.js';
import { login } from './login.js';
import { DEFAULT_OFFER } from './negotiate.js';
import { RESERVED_TAG } from './pdu-layout.js';
import { LogoutReason } from './pdu-types.js';
import { defaultInitiatorName } from './session-options.js';
import { decodeTextPairs, encodeTextPairs, type TextPairs } from './text.js';
import { randomBytes } from 'node:crypto';

export interface DiscoveredPortal {
  readonly host: string;
  readonly port: number;
  readonly portalGroupTag?: number;
}

export interface DiscoveredTarget {
  readonly targetName: string;
  /** Where the target can be reached; empty means "the portal that was asked". */
  readonly portals: readonly DiscoveredPortal[];
}

export interface DiscoverOptions {
  readonly initiatorName?: string;
  /** CHAP for the discovery session, when the portal requires it. */
  readonly credentials?: IscsiCredentials;
  /** Bound on the connect and on each round trip (default 10 s). */
  readonly timeoutMs?: number;
}

/** Parses `host[:port][,tpgt]` (IPv6 in brackets). */
export function parseTargetAddress(value: string): DiscoveredPortal | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:,]+))(?::([0-9]{1,5}))?(?:,([0-9]{1,5}))?$/.exec(value);
  if (m === null) return undefined;
  const port = m[3] === undefined ? 3260 : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return {
    host: (m[1] ?? m[2])!,
    port,
    ...(m[4] === undefined ? {} : { portalGroupTag: Number(m[4]) }),
  };
}

/** Groups a SendTargets answer: each TargetAddress belongs to the TargetName before it. */
export function parseSendTargets(pairs: TextPairs): DiscoveredTarget[] {
  const out: { targetName: string; portals: DiscoveredPortal[] }[] = [];
  for (const [k, v] of pairs) {
    if (k === 'TargetName') out.push({ targetName: v, portals: [] });
    else if (k === 'TargetAddress') {
      const portal = parseTargetAddress(v);
      if (portal !== undefined) out.at(-1)?.portals.push(portal);
    }
  }
  return out;
}

/** Lists the targets a portal offers (`discwright devices --iscsi <portal>`). */
export async function discoverTargets(
  portal: string,
  options: DiscoverOptions = {},
): Promise<DiscoveredTarget[]> {
  const { host, port } = parseIscsiPortal(portal);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const conn = await IscsiConnection.open(host, port, timeoutMs);
  try {
    const isid = new Uint8Array(randomBytes(6));
    isid[0] = 0x80;
    const outcome = await login(conn, {
      initiatorName: options.initiatorName ?? defaultInitiatorName(),
      sessionType: 'Discovery',
      isid,
      cid: 0,
      cmdSn: 1,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      offer: { ...DEFAULT_OFFER, headerDigest: ['None'], dataDigest: ['None'] },
      timeoutMs,
    });
    if (outcome.kind === 'redirect') {
      const p = outcome.portal;
      return await discoverTargets(
        `${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`,
        options,
      );
    }
    let cmdSn = outcome.expCmdSn;
    let expStatSn = outcome.expStatSn;
    let ttt = RESERVED_TAG;
    let body = encodeTextPairs([['SendTargets', 'All']]);
    const chunks: Uint8Array[] = [];
    for (let round = 0; ; round++) {
      if (round > 64) throw TransportErrors.io(`${portal}: SendTargets answer too long`);
      conn.send({
        type: 'text-request',
        immediate: false,
        final: true,
        continue: false,
        lun: new Uint8Array(8),
        initiatorTaskTag: 1,
        targetTransferTag: ttt,
        cmdSn,
        expStatSn,
        data: body,
      });
      cmdSn = (cmdSn + 1) >>> 0;
      const p = await conn.receive(timeoutMs, 'SendTargets answer');
      if (p.type === 'reject') {
        throw new DwError(HR.E_NOTIMPL, { message: `${portal}: the portal rejected SendTargets` });
      }
      if (p.type !== 'text-response') {
        throw TransportErrors.io(`${portal}: unexpected ${p.type} during discovery`);
      }
      expStatSn = (p.statSn + 1) >>> 0;
      chunks.push(p.data);
      if (p.final && !p.continue) break;
      // More to come: an empty request with the target's transfer tag fetches the next part.
      ttt = p.targetTransferTag;
      body = new Uint8Array(0);
    }
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    const targets = parseSendTargets(decodeTextPairs(all));
    conn.send({
      type: 'logout-request',
      immediate: true,
      reasonCode: LogoutReason.CLOSE_SESSION,
      initiatorTaskTag: 2,
      cid: 0,
      cmdSn,
      expStatSn,
    });
    await conn.receive(Math.min(timeoutMs, 3000), 'Logout response').catch(() => undefined);
    return targets;
  } finally {
    conn.destroy();
  }
}
