// The iSCSI login phase (RFC 7143 §6.3, §11.12-§11.13): security stage (AuthMethod None or
// CHAP MD5, one-way or mutual), operational stage (OperationalNegotiation), status classes,
// redirects. Runs over an IscsiConnection in pull mode; switches digests on after the final
// response, before any full-feature-phase PDU is framed.

import { DwError, HR } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import type { IscsiCredentials, IscsiPortal } from './address.js';
import {
  CHAP_MD5,
  chapMd5Response,
  decodeBinaryValue,
  encodeBinaryValue,
  newChallenge,
  responsesEqual,
} from './chap.js';
import type { IscsiConnection } from './connection.js';
import {
  OperationalNegotiation,
  type OperationalOffer,
  type SessionParameters,
} from './negotiate.js';
import { LoginStage, type LoginResponsePdu } from './pdu-types.js';
import { decodeTextPairs, encodeTextPairs, type TextPairs } from './text.js';

export interface LoginConfig {
  readonly initiatorName: string;
  readonly initiatorAlias?: string;
  /** Omitted for a discovery session. */
  readonly targetName?: string;
  readonly sessionType: 'Normal' | 'Discovery';
  /** 6 bytes. The same ISID with TSIH 0 reinstates (replaces) an earlier session. */
  readonly isid: Uint8Array;
  readonly cid: number;
  readonly cmdSn: number;
  readonly credentials?: IscsiCredentials;
  readonly offer: OperationalOffer;
  /** Bound on each login round trip. */
  readonly timeoutMs: number;
}

export type LoginOutcome =
  | {
      readonly kind: 'ok';
      readonly params: SessionParameters;
      /** Opaque 2 bytes, echoed verbatim (tgt sends it little-endian). */
      readonly tsih: Uint8Array;
      readonly expStatSn: number;
      readonly expCmdSn: number;
      readonly maxCmdSn: number;
    }
  | { readonly kind: 'redirect'; readonly portal: IscsiPortal; readonly permanent: boolean };

const STATUS_TEXT: Readonly<Record<number, string>> = {
  0x0200: 'initiator error',
  0x0201: 'authentication failure',
  0x0202: 'authorization failure (this initiator may not access the target)',
  0x0203: 'target not found',
  0x0204: 'target removed',
  0x0205: 'unsupported iSCSI version',
  0x0206: 'too many connections',
  0x0207: 'missing parameter',
  0x0208: 'cannot include connection in session',
  0x0209: 'session type not supported',
  0x020a: 'session does not exist',
  0x020b: 'invalid request during login',
  0x0300: 'target error',
  0x0301: 'service unavailable',
  0x0302: 'out of resources',
};

/** The error for a failed login status (class 2 or 3). */
export function loginStatusError(
  statusClass: number,
  statusDetail: number,
  where: string,
): DwError {
  const code = (statusClass << 8) | statusDetail;
  const text = STATUS_TEXT[code] ?? (statusClass === 2 ? 'initiator error' : 'target error');
  const message = `iSCSI login to ${where} failed: ${text} (status ${code.toString(16).padStart(4, '0')})`;
  if (code === 0x0201) {
    return new DwError(HR.E_ACCESSDENIED, {
      message,
      hint: 'Check the CHAP user and secret (iscsi://user%secret@host/iqn/lun or DISCWRIGHT_ISCSI_PASSWORD).',
    });
  }
  if (code === 0x0202) return new DwError(HR.E_ACCESSDENIED, { message });
  if (code === 0x0203 || code === 0x0204 || code === 0x020a) {
    return TransportErrors.deviceGone(`${where}: ${text}`);
  }
  return new DwError(HR.ERROR_IO_DEVICE, {
    message,
    hint:
      statusClass === 3
        ? 'The iSCSI target reported an error of its own during login; check the target and its logs.'
        : 'The iSCSI target refused this login; check the target name, its ACLs and the session settings.',
  });
}

function parseTargetAddress(value: string): IscsiPortal | undefined {
  // host[:port][,tpgt]; IPv6 hosts in brackets.
  const hostPort = value.split(',')[0] ?? '';
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::([0-9]{1,5}))?$/.exec(hostPort);
  if (m === null) return undefined;
  const port = m[3] === undefined ? 3260 : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

type ChapState = 'none' | 'method-offered' | 'algorithm-sent' | 'response-sent';

/** Login PDUs carry at most the default MaxRecvDataSegmentLength (RFC 7143 §13.12). */
export const LOGIN_MAX_DATA_SEGMENT = 8192;
/** Text one login step may gather over continued (C=1) responses, bytes. */
export const LOGIN_MAX_TEXT_BYTES = 65536;
/** Continued responses one login step may take. */
export const LOGIN_MAX_CONTINUATIONS = 16;
/**
 * Login responses one login may take in all: with each bounded by the login timeout, the whole
 * login is bounded by this many timeouts, however the target spreads its steps.
 */
export const LOGIN_MAX_RESPONSES = 48;

/** Runs a login on a freshly opened connection. Rejects with a DwError on failure. */
export async function login(conn: IscsiConnection, c: LoginConfig): Promise<LoginOutcome> {
  const where = `${c.targetName ?? 'discovery'} at ${conn.description.replace(/^iSCSI portal /, '')}`;
  const negotiation = new OperationalNegotiation(c.offer);
  const creds = c.credentials;
  const mutual = creds?.targetPassword !== undefined;
  const mutualChallenge = mutual ? newChallenge() : undefined;
  let tsih: Uint8Array = new Uint8Array(2);
  let expStatSn = 0;
  let stage: number = LoginStage.SECURITY_NEGOTIATION;
  let chap: ChapState = 'none';
  /** The NSG of the last request that set T: the only stage the target may move to. */
  let askedNsg = -1;
  let responses = 0;
  conn.setReceiveLimit(LOGIN_MAX_DATA_SEGMENT);
  const violation = (detail: string) =>
    TransportErrors.protocolViolation(`iSCSI login to ${where}: ${detail}`);

  const send = (pairs: TextPairs, transit: boolean, nsg: number, cont = false) => {
    askedNsg = transit ? nsg : -1;
    conn.send({
      type: 'login-request',
      transit,
      continue: cont,
      csg: stage,
      nsg: transit ? nsg : 0,
      versionMax: 0,
      versionMin: 0,
      isid: c.isid,
      tsih,
      initiatorTaskTag: 0,
      cid: c.cid,
      cmdSn: c.cmdSn,
      expStatSn,
      data: encodeTextPairs(pairs),
    });
  };

  const receive = async (): Promise<{ pdu: LoginResponsePdu; pairs: [string, string][] }> => {
    let text = new Uint8Array(0);
    for (let continued = 0; ; continued++) {
      const p = await conn.receive(c.timeoutMs, 'login response');
      if (p.type !== 'login-response') throw violation(`unexpected ${p.type} PDU`);
      if (++responses > LOGIN_MAX_RESPONSES) {
        throw violation(`more than ${LOGIN_MAX_RESPONSES} login responses`);
      }
      if (p.initiatorTaskTag !== 0) {
        throw violation(`login response for task tag 0x${p.initiatorTaskTag.toString(16)}, not 0`);
      }
      expStatSn = (p.statSn + 1) >>> 0;
      if (p.statusClass === 1) {
        const addr = decodeTextPairs(p.data).find(([k]) => k === 'TargetAddress');
        const portal = addr === undefined ? undefined : parseTargetAddress(addr[1]);
        if (portal === undefined) {
          throw violation('redirect without a usable TargetAddress');
        }
        return { pdu: p, pairs: [['TargetAddress', `${portal.host}:${portal.port}`]] };
      }
      if (p.statusClass !== 0) throw loginStatusError(p.statusClass, p.statusDetail, where);
      if (p.versionActive !== 0) throw violation(`unsupported version ${p.versionActive}`);
      tsih = p.tsih;
      if (p.csg !== stage) throw violation(`response in stage ${p.csg} to a request in ${stage}`);
      if (p.transit && (p.continue || p.nsg !== askedNsg)) {
        throw violation(
          `response moves to stage ${p.nsg}${p.continue ? ' with more text to come' : ''} where ${askedNsg < 0 ? 'no move' : `stage ${askedNsg}`} was asked`,
        );
      }
      if (text.length + p.data.length > LOGIN_MAX_TEXT_BYTES) {
        throw violation(`more than ${LOGIN_MAX_TEXT_BYTES} bytes of login text in one step`);
      }
      if (p.continue && continued >= LOGIN_MAX_CONTINUATIONS) {
        throw violation(`more than ${LOGIN_MAX_CONTINUATIONS} continued responses in one step`);
      }
      const joined = new Uint8Array(text.length + p.data.length);
      joined.set(text);
      joined.set(p.data, text.length);
      text = joined;
      if (!p.continue) return { pdu: p, pairs: decodeTextPairs(text) };
      // The target has more text for this step: ask for it with an empty request.
      send([], false, 0);
    }
  };

  const first: [string, string][] = [
    ['InitiatorName', c.initiatorName],
    ...(c.initiatorAlias === undefined
      ? []
      : [['InitiatorAlias', c.initiatorAlias] as [string, string]]),
    ['SessionType', c.sessionType],
    ...(c.targetName === undefined ? [] : [['TargetName', c.targetName] as [string, string]]),
  ];
  if (creds === undefined) {
    send([...first, ['AuthMethod', 'None']], true, LoginStage.LOGIN_OPERATIONAL_NEGOTIATION);
  } else {
    // Mutual CHAP must not silently degrade to no authentication.
    send([...first, ['AuthMethod', mutual ? 'CHAP' : 'CHAP,None']], false, 0);
    chap = 'method-offered';
  }

  for (let round = 0; round < 32; round++) {
    const { pdu, pairs } = await receive();
    if (pdu.statusClass === 1) {
      const [, v] = pairs[0]!;
      return {
        kind: 'redirect',
        portal: parseTargetAddress(v)!,
        permanent: pdu.statusDetail === 2,
      };
    }
    const get = (k: string) => pairs.find(([key]) => key === k)?.[1];

    if (pdu.csg === LoginStage.SECURITY_NEGOTIATION) {
      const method = get('AuthMethod');
      if (method === 'Reject' || method === 'NotUnderstood') {
        throw loginStatusError(2, 1, where);
      }
      if (chap === 'method-offered' && method === 'CHAP') {
        send([['CHAP_A', String(CHAP_MD5)]], false, 0);
        chap = 'algorithm-sent';
        continue;
      }
      if (chap === 'method-offered' && method === 'None' && mutual) {
        throw new DwError(HR.E_ACCESSDENIED, {
          message: `iSCSI login to ${where}: the target refused CHAP, so it cannot prove its identity (mutual CHAP requested)`,
        });
      }
      if (chap === 'algorithm-sent') {
        const a = get('CHAP_A');
        const id = get('CHAP_I');
        const challenge = get('CHAP_C');
        if (a !== String(CHAP_MD5) || id === undefined || challenge === undefined) {
          throw new DwError(HR.E_ACCESSDENIED, {
            message: `iSCSI login to ${where}: target did not offer CHAP with MD5`,
          });
        }
        const identifier = Number(id);
        const challengeBytes = decodeBinaryValue(challenge);
        if (
          mutualChallenge !== undefined &&
          responsesEqual(challengeBytes, mutualChallenge.challenge)
        ) {
          throw new DwError(HR.E_ACCESSDENIED, {
            message: `iSCSI login to ${where}: target reflected our CHAP challenge`,
          });
        }
        const reply: [string, string][] = [
          ['CHAP_N', creds!.user],
          [
            'CHAP_R',
            encodeBinaryValue(chapMd5Response(identifier, creds!.password, challengeBytes)),
          ],
        ];
        if (mutualChallenge !== undefined) {
          reply.push(['CHAP_I', String(mutualChallenge.identifier)]);
          reply.push(['CHAP_C', encodeBinaryValue(mutualChallenge.challenge)]);
        }
        send(reply, true, LoginStage.LOGIN_OPERATIONAL_NEGOTIATION);
        chap = 'response-sent';
        continue;
      }
      if (chap === 'response-sent' && mutualChallenge !== undefined) {
        const name = get('CHAP_N');
        const response = get('CHAP_R');
        const expected = chapMd5Response(
          mutualChallenge.identifier,
          creds!.targetPassword!,
          mutualChallenge.challenge,
        );
        if (
          response === undefined ||
          (creds!.targetUser !== undefined && name !== creds!.targetUser) ||
          !responsesEqual(decodeBinaryValue(response), expected)
        ) {
          throw new DwError(HR.E_ACCESSDENIED, {
            message: `iSCSI login to ${where}: the target failed mutual CHAP authentication`,
          });
        }
      }
      if (!pdu.transit) {
        // Security stage not finished by the target yet: keep asking to move on.
        send([], true, LoginStage.LOGIN_OPERATIONAL_NEGOTIATION);
        continue;
      }
      stage = pdu.nsg;
      if (stage === LoginStage.LOGIN_OPERATIONAL_NEGOTIATION) {
        send(negotiation.initialPairs(), true, LoginStage.FULL_FEATURE_PHASE);
        continue;
      }
    } else if (pdu.csg === LoginStage.LOGIN_OPERATIONAL_NEGOTIATION) {
      const replies = negotiation.receive(pairs);
      if (!pdu.transit) {
        send(replies, true, LoginStage.FULL_FEATURE_PHASE);
        continue;
      }
      stage = pdu.nsg;
    } else {
      throw violation(`response in invalid stage ${pdu.csg}`);
    }

    if (stage === LoginStage.FULL_FEATURE_PHASE) {
      const params = negotiation.result();
      conn.setDigests({ headerDigest: params.headerDigest, dataDigest: params.dataDigest });
      conn.setReceiveLimit(params.initiatorMaxRecvDataSegmentLength);
      return {
        kind: 'ok',
        params,
        tsih,
        expStatSn,
        expCmdSn: pdu.expCmdSn,
        maxCmdSn: pdu.maxCmdSn,
      };
    }
  }
  throw violation('negotiation did not finish in 32 steps');
}
