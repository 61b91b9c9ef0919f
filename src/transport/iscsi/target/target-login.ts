// The target's side of the iSCSI login phase (RFC 7143 §6.3, §11.12-§11.13): one LoginResponse
// per Login Request, the security stage with AuthMethod None, or CHAP with MD5 (§12.1.3, one-way
// and mutual; chap.ts) when the target has a secret, and the operational stage answered with the initiator's own
// negotiation rules (negotiate.ts: a target that never offers first answers every key as a
// proposal, min/max/OR/AND/list per §13). A login text continued over several requests (C bit,
// §11.12.2) is gathered up to 64 KiB, each part answered by an empty response in the same
// stage; the target's own answers are far below the 8192 bytes of a login PDU, so never split.
// Pure.

import { DwError } from '../../../errors.js';
import {
  CHAP_MD5,
  chapMd5Response,
  decodeBinaryValue,
  encodeBinaryValue,
  newChallenge,
  responsesEqual,
} from '../chap.js';
import {
  OperationalNegotiation,
  type OperationalOffer,
  type SessionParameters,
} from '../negotiate.js';
import { LoginStage, type LoginRequestPdu, type LoginResponsePdu } from '../pdu-types.js';
import { decodeTextPairs, encodeTextPairs } from '../text.js';

/** Login status classes and details the target answers with (RFC 7143 §11.13.5). */
export const LoginStatus = {
  SUCCESS: [0, 0],
  INITIATOR_ERROR: [2, 0x00],
  AUTHENTICATION_FAILURE: [2, 0x01],
  TARGET_NOT_FOUND: [2, 0x03],
  UNSUPPORTED_VERSION: [2, 0x05],
  MISSING_PARAMETER: [2, 0x07],
  SESSION_TYPE_NOT_SUPPORTED: [2, 0x09],
  INVALID_DURING_LOGIN: [2, 0x0b],
  OUT_OF_RESOURCES: [3, 0x02],
} as const;

/** What the target offers in the operational stage. */
export const TARGET_OFFER: OperationalOffer = {
  headerDigest: ['None', 'CRC32C'],
  dataDigest: ['None', 'CRC32C'],
  // Our MaxRecvDataSegmentLength: the framer refuses larger PDUs before buffering them.
  maxRecvDataSegmentLength: 262144,
  maxBurstLength: 1048576,
  firstBurstLength: 262144,
  // InitialR2T=No (OR: the initiator's Yes wins): one unsolicited burst of Data-Out PDUs up to
  // FirstBurstLength may follow a WRITE (target-unsolicited.ts).
  initialR2T: false,
  immediateData: true,
  // Several R2Ts per WRITE (min: the initiator's smaller number wins); they cost no memory, as
  // the whole write buffer is held anyway.
  maxOutstandingR2T: 8,
  defaultTime2Wait: 2,
  defaultTime2Retain: 0,
};

/** Largest login text gathered from requests continued with the C bit. */
const LOGIN_TEXT_LIMIT = 65536;
const EMPTY = new Uint8Array(0);

/** Keys of the login phase that are not operational parameters. */
const LOGIN_KEYS = new Set([
  'InitiatorName',
  'InitiatorAlias',
  'TargetName',
  'SessionType',
  'AuthMethod',
]);

/** A CHAP name and secret. */
export interface ChapSecret {
  readonly user: string;
  readonly secret: string;
}

/** CHAP required of initiators, and the target's own identity for mutual CHAP. */
export interface TargetChap extends ChapSecret {
  /** What the target answers an initiator's challenge with (mutual CHAP). */
  readonly mutual?: ChapSecret;
}

export interface TargetLoginConfig {
  readonly targetName: string;
  /** When given, every login must pass CHAP as this user (AuthMethod None is refused). */
  readonly chap?: TargetChap;
  readonly targetAlias?: string;
  /** False when no further normal session may start (--max-sessions). */
  readonly admit?: () => boolean;
  /** TSIH given to the session when the login completes (1..65535). */
  readonly tsih: number;
  /** StatSN of the first response. */
  readonly statSn: number;
}

/** A completed login. */
export interface LoginResult {
  readonly params: SessionParameters;
  readonly initiatorName: string;
  readonly sessionType: 'Normal' | 'Discovery';
  readonly isid: Uint8Array;
  readonly tsih: Uint8Array;
  /** ExpCmdSN after login: the CmdSN of the login requests. */
  readonly expCmdSn: number;
  /** The next StatSN to send. */
  readonly statSn: number;
}

/** What to do after one request: send `response`; then end the login as `done` says. */
export interface LoginStep {
  readonly response: LoginResponsePdu;
  /** 'continue': wait for the next request; 'fail': close after sending; else the session. */
  readonly done: 'continue' | 'fail' | LoginResult;
  /** Why a failed login failed, for the log. */
  readonly reason?: string;
}

/** One connection's login, fed the Login Requests one at a time. */
export class TargetLogin {
  readonly #config: TargetLoginConfig;
  readonly #negotiation = new OperationalNegotiation(TARGET_OFFER);
  #statSn: number;
  #initiatorName: string | undefined;
  #sessionType: 'Normal' | 'Discovery' | undefined;
  #replies: [string, string][] = [];
  #securityDone = false;
  /** Where CHAP stands; 'done' from the start when no CHAP is required. */
  #auth: 'start' | 'method' | 'challenged' | 'done';
  #challenge: { identifier: number; challenge: Uint8Array } | undefined;
  /** The parts of a login text continued over several requests (C bit), so far. */
  #partial: { csg: number; itt: number; data: Uint8Array }[] = [];

  constructor(config: TargetLoginConfig) {
    this.#config = config;
    this.#statSn = config.statSn;
    this.#auth = config.chap === undefined ? 'done' : 'start';
  }

  /** The answer to one Login Request. Never throws: every fault becomes a failed login. */
  step(p: LoginRequestPdu): LoginStep {
    try {
      return this.#step(p);
    } catch (e) {
      // A key value outside its range (negotiate.ts throws a DwError) is the initiator's error.
      const reason = e instanceof DwError ? e.message : String(e);
      return this.#fail(p, LoginStatus.INITIATOR_ERROR, reason);
    }
  }

  #step(p: LoginRequestPdu): LoginStep {
    if (p.versionMin > 0) {
      return this.#fail(p, LoginStatus.UNSUPPORTED_VERSION, `version ${p.versionMin}`);
    }
    if (p.continue || this.#partial.length > 0) {
      const whole = this.#gather(p);
      if (typeof whole === 'string') return this.#fail(p, LoginStatus.INITIATOR_ERROR, whole);
      if (whole === undefined) {
        // An empty answer in the same stage asks for the rest (RFC 7143 §11.12.2).
        const response = this.#response(p, {
          transit: false,
          nsg: 0,
          status: LoginStatus.SUCCESS,
          data: EMPTY,
          tsih: 0,
        });
        return { response, done: 'continue' };
      }
      p = { ...p, data: whole };
    }
    if (p.csg === 2 || (p.transit && (p.nsg === 2 || p.nsg <= p.csg))) {
      return this.#fail(p, LoginStatus.INITIATOR_ERROR, `stage ${p.csg} to ${p.nsg}`);
    }
    const pairs = decodeTextPairs(p.data);
    const replies: [string, string][] = [];
    const operational: [string, string][] = [];
    for (const [key, value] of pairs) {
      if (key === 'InitiatorName') this.#initiatorName = value;
      else if (key === 'SessionType') {
        if (value !== 'Normal' && value !== 'Discovery') {
          return this.#fail(p, LoginStatus.SESSION_TYPE_NOT_SUPPORTED, `SessionType=${value}`);
        }
        this.#sessionType = value;
      } else if (key === 'TargetName') {
        if (value !== this.#config.targetName) {
          return this.#fail(p, LoginStatus.TARGET_NOT_FOUND, `no target ${value}`);
        }
      } else if (key === 'AuthMethod') {
        const method = this.#config.chap === undefined ? 'None' : 'CHAP';
        if (
          !value.split(',').includes(method) ||
          this.#auth !== (method === 'CHAP' ? 'start' : 'done')
        ) {
          return this.#fail(p, LoginStatus.AUTHENTICATION_FAILURE, `AuthMethod=${value}`);
        }
        replies.push(['AuthMethod', method]);
        if (method === 'CHAP') this.#auth = 'method';
      } else if (!LOGIN_KEYS.has(key) && !key.startsWith('CHAP_')) operational.push([key, value]);
    }
    const chap = this.#chapStep(pairs, replies);
    if (chap !== undefined) return this.#fail(p, LoginStatus.AUTHENTICATION_FAILURE, chap);
    // Nothing past the security stage before CHAP is through.
    if (
      this.#auth !== 'done' &&
      (p.csg !== LoginStage.SECURITY_NEGOTIATION || operational.length > 0)
    ) {
      return this.#fail(p, LoginStatus.AUTHENTICATION_FAILURE, 'login without CHAP');
    }
    if (this.#initiatorName === undefined) {
      return this.#fail(p, LoginStatus.MISSING_PARAMETER, 'no InitiatorName');
    }
    const sessionType = this.#sessionType ?? 'Normal';
    if (
      sessionType === 'Normal' &&
      !pairs.some(([k]) => k === 'TargetName') &&
      !this.#securityDone
    ) {
      return this.#fail(p, LoginStatus.MISSING_PARAMETER, 'no TargetName');
    }
    if (p.csg === LoginStage.SECURITY_NEGOTIATION && !this.#securityDone) {
      replies.push(['TargetPortalGroupTag', '1']);
      if (this.#config.targetAlias !== undefined) {
        replies.push(['TargetAlias', this.#config.targetAlias]);
      }
    }
    if (operational.length > 0) {
      replies.push(...this.#negotiation.receive(operational));
    }
    if (p.csg === LoginStage.SECURITY_NEGOTIATION) this.#securityDone = true;
    // MaxRecvDataSegmentLength is declarative: ours goes once, in the operational stage.
    if (p.csg === LoginStage.LOGIN_OPERATIONAL_NEGOTIATION || p.nsg === 3) {
      if (!this.#replies.some(([k]) => k === 'MaxRecvDataSegmentLength')) {
        const ours: [string, string] = [
          'MaxRecvDataSegmentLength',
          String(TARGET_OFFER.maxRecvDataSegmentLength),
        ];
        replies.push(ours);
        this.#replies.push(ours);
      }
    }
    // The security stage ends only once CHAP is through: until then the target stays in it.
    const transit = p.transit && this.#auth === 'done';
    const final = transit && p.nsg === LoginStage.FULL_FEATURE_PHASE;
    if (final && sessionType === 'Normal' && this.#config.admit?.() === false) {
      return this.#fail(p, LoginStatus.OUT_OF_RESOURCES, 'as many sessions as allowed are open');
    }
    const response = this.#response(p, {
      transit,
      nsg: transit ? p.nsg : 0,
      status: LoginStatus.SUCCESS,
      data: encodeTextPairs(replies),
      tsih: final ? this.#config.tsih : 0,
    });
    if (!final) return { response, done: 'continue' };
    return {
      response,
      done: {
        params: this.#negotiation.result(),
        initiatorName: this.#initiatorName,
        sessionType,
        isid: p.isid,
        tsih: response.tsih,
        expCmdSn: p.cmdSn,
        statSn: this.#statSn,
      },
    };
  }

  /**
   * The CHAP keys of one request (RFC 7143 §12.1.3): CHAP_A answered with MD5 and a challenge,
   * CHAP_N / CHAP_R checked, and an initiator's own CHAP_I / CHAP_C answered with the mutual
   * secret. Returns why authentication failed, or undefined.
   */
  #chapStep(
    pairs: readonly (readonly [string, string])[],
    replies: [string, string][],
  ): string | undefined {
    const get = (k: string) => pairs.find(([key]) => key === k)?.[1];
    const chap = this.#config.chap;
    if (!pairs.some(([k]) => k.startsWith('CHAP_'))) return undefined;
    if (chap === undefined) return 'CHAP keys where no CHAP is configured';
    if (this.#auth === 'method') {
      const algorithms = get('CHAP_A');
      if (algorithms === undefined || !algorithms.split(',').includes(String(CHAP_MD5))) {
        return `CHAP_A=${algorithms ?? ''} (only MD5, 5, is served)`;
      }
      this.#challenge = newChallenge();
      replies.push(['CHAP_A', String(CHAP_MD5)]);
      replies.push(['CHAP_I', String(this.#challenge.identifier)]);
      replies.push(['CHAP_C', encodeBinaryValue(this.#challenge.challenge)]);
      this.#auth = 'challenged';
      return undefined;
    }
    if (this.#auth !== 'challenged' || this.#challenge === undefined)
      return 'CHAP keys out of turn';
    const name = get('CHAP_N');
    const response = get('CHAP_R');
    if (name === undefined || response === undefined) return 'no CHAP_N / CHAP_R';
    const expected = chapMd5Response(
      this.#challenge.identifier,
      chap.secret,
      this.#challenge.challenge,
    );
    if (name !== chap.user || !responsesEqual(decodeBinaryValue(response), expected)) {
      return `CHAP failed for user ${name}`;
    }
    const id = get('CHAP_I');
    const challenge = get('CHAP_C');
    if (id !== undefined || challenge !== undefined) {
      if (chap.mutual === undefined) return 'mutual CHAP asked, but the target has no secret';
      if (
        id === undefined ||
        !/^\d{1,3}$/.test(id) ||
        Number(id) > 255 ||
        challenge === undefined
      ) {
        return 'malformed CHAP_I / CHAP_C';
      }
      const bytes = decodeBinaryValue(challenge);
      // A challenge equal to ours would let the initiator replay our own answer.
      if (bytes.length < 16 || responsesEqual(bytes, this.#challenge.challenge)) {
        return 'unusable mutual CHAP challenge';
      }
      const answer = chapMd5Response(Number(id), chap.mutual.secret, bytes);
      replies.push(['CHAP_N', chap.mutual.user]);
      replies.push(['CHAP_R', encodeBinaryValue(answer)]);
    }
    this.#auth = 'done';
    return undefined;
  }

  #fail(p: LoginRequestPdu, status: readonly [number, number], reason: string): LoginStep {
    const response = this.#response(p, {
      transit: false,
      nsg: 0,
      status,
      data: new Uint8Array(0),
      tsih: 0,
    });
    return { response, done: 'fail', reason };
  }

  /**
   * Gathers a login text sent in several requests (C bit): undefined while more is to come, the
   * whole text with the last part, or why the requests are wrong.
   */
  #gather(p: LoginRequestPdu): Uint8Array | string | undefined {
    if (p.continue && p.transit) return 'C and T bits both set';
    const first = this.#partial[0];
    if (first !== undefined && (first.csg !== p.csg || first.itt !== p.initiatorTaskTag)) {
      return 'a continued login text changed stage or task tag';
    }
    const size = this.#partial.reduce((n, part) => n + part.data.length, 0) + p.data.length;
    if (size > LOGIN_TEXT_LIMIT) return `login text beyond ${LOGIN_TEXT_LIMIT} bytes`;
    // The PDU's data is a view into the socket's chunk: keep a copy.
    this.#partial.push({ csg: p.csg, itt: p.initiatorTaskTag, data: p.data.slice() });
    if (p.continue) return undefined;
    const whole = new Uint8Array(size);
    let at = 0;
    for (const part of this.#partial) {
      whole.set(part.data, at);
      at += part.data.length;
    }
    this.#partial = [];
    return whole;
  }

  #response(
    p: LoginRequestPdu,
    o: {
      transit: boolean;
      nsg: number;
      status: readonly [number, number];
      data: Uint8Array;
      tsih: number;
    },
  ): LoginResponsePdu {
    const statSn = this.#statSn;
    this.#statSn = (statSn + 1) >>> 0;
    return {
      type: 'login-response',
      transit: o.transit,
      continue: false,
      csg: p.csg,
      nsg: o.nsg,
      versionMax: 0,
      versionActive: 0,
      isid: p.isid,
      tsih: new Uint8Array([o.tsih >> 8, o.tsih & 0xff]),
      initiatorTaskTag: p.initiatorTaskTag,
      statSn,
      expCmdSn: p.cmdSn,
      maxCmdSn: p.cmdSn,
      statusClass: o.status[0],
      statusDetail: o.status[1],
      data: o.data,
    };
  }
}
