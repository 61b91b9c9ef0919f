// What an iSCSI transport can be told (IscsiTransportOptions), the settings it runs with once the
// defaults are filled in and the login they make; the counters it keeps; and the initiator name
// it uses by default.

import { hostname } from 'node:os';
import type { IscsiAddress, IscsiCredentials } from './address.js';
import type { LoginConfig } from './login.js';
import type { TransportLimits } from '../transport.js';
import {
  DEFAULT_OFFER,
  type DigestName,
  type OperationalOffer,
  type SessionParameters,
} from './negotiate.js';

export interface IscsiTransportOptions {
  /** Our iSCSI name (default `iqn.2025-01.dev.discwright:<hostname>`). */
  readonly initiatorName?: string;
  readonly initiatorAlias?: string;
  /** Overrides the credentials in the address. */
  readonly credentials?: IscsiCredentials;
  /** Acceptable digests, preferred first (default None, then CRC32C). */
  readonly headerDigest?: readonly DigestName[];
  readonly dataDigest?: readonly DigestName[];
  /** Operational keys offered at login (defaults in DEFAULT_OFFER). */
  readonly offer?: Partial<OperationalOffer>;
  /** TCP connect bound (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Bound on each login round trip (default 10 s). */
  readonly loginTimeoutMs?: number;
  /** Timeout of a command whose ExecuteOptions give none (default 60 s). */
  readonly commandTimeoutMs?: number;
  /** Bound on ABORT TASK, LOGICAL UNIT RESET and Logout answers (default 10 s). */
  readonly taskManagementTimeoutMs?: number;
  /** Idle time before a NOP-Out ping (default 15 s; 0 disables keep-alive). */
  readonly keepAliveIntervalMs?: number;
  /** A ping unanswered this long ends the connection (default 10 s). */
  readonly keepAliveTimeoutMs?: number;
  /** Log in again on the next command after the connection was lost (default true). */
  readonly autoReconnect?: boolean;
  /**
   * Queued writes in flight at most (Transport.queuedWrites; default 64, a bound: the write
   * engine's queueDepth chooses). The target's command window lowers it; 1 keeps one command in
   * flight, as IMAPI2 does.
   */
  readonly queueDepth?: number;
  /** Largest single transfer reported in limits() (default 8 MiB). */
  readonly maxTransferBytes?: number;
  /** Environment for passwords missing from the address (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Counters, for diagnostics and tests. */
export interface IscsiSessionStats {
  /** Successful logins on this transport (1 after open; +1 per re-login). */
  readonly logins: number;
  readonly commands: number;
  readonly dataOutPdus: number;
  readonly r2ts: number;
  readonly nopInPingsAnswered: number;
  /** Target pings left unanswered while the target did not read (keep-alive.ts, PingEchoes). */
  readonly nopInPingsUnanswered: number;
  readonly abortsSent: number;
  /** Most queued writes in flight at once (Transport.queuedWrites). */
  readonly queuedMax: number;
}

/** A session's own counters (IscsiSessionStats without the keep-alive's), all 0. */
export function sessionCounters() {
  return { logins: 0, commands: 0, dataOutPdus: 0, r2ts: 0, abortsSent: 0, queuedMax: 0 };
}

/** The options with every default filled in. */
export interface SessionSettings {
  readonly credentials: IscsiCredentials | undefined;
  readonly initiatorName: string;
  readonly initiatorAlias: string | undefined;
  readonly offer: OperationalOffer;
  readonly connectTimeoutMs: number;
  readonly loginTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly tmfTimeoutMs: number;
  readonly keepAliveIntervalMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly autoReconnect: boolean;
  readonly maxTransferBytes: number;
}

export function sessionSettings(
  target: IscsiAddress,
  options: IscsiTransportOptions,
): SessionSettings {
  return {
    credentials: options.credentials ?? target.credentials,
    initiatorName: options.initiatorName ?? defaultInitiatorName(),
    initiatorAlias: options.initiatorAlias,
    offer: {
      ...DEFAULT_OFFER,
      ...options.offer,
      ...(options.headerDigest === undefined ? {} : { headerDigest: options.headerDigest }),
      ...(options.dataDigest === undefined ? {} : { dataDigest: options.dataDigest }),
    },
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    loginTimeoutMs: options.loginTimeoutMs ?? 10_000,
    commandTimeoutMs: options.commandTimeoutMs ?? 60_000,
    tmfTimeoutMs: options.taskManagementTimeoutMs ?? 10_000,
    keepAliveIntervalMs: options.keepAliveIntervalMs ?? 15_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 10_000,
    autoReconnect: options.autoReconnect ?? true,
    maxTransferBytes: options.maxTransferBytes ?? 8 * 1024 * 1024,
  };
}

/**
 * The transport's limits (Transport.limits()): `maxTransferBytes` for one command, and, once
 * logged in, the negotiated MaxBurstLength as the preferred transfer: the most one R2T asks for,
 * so a WRITE of that size costs one R2T round trip (tgt: InitialR2T=Yes, MaxOutstandingR2T=1),
 * and a longer one a round trip per further burst (docs/iscsi.md, "Drives at a distance").
 */
export function sessionLimits(
  s: SessionSettings,
  params: SessionParameters | undefined,
): TransportLimits {
  const max = s.maxTransferBytes;
  return {
    maxPageAlignedTransferBytes: max,
    maxNonPageAlignedTransferBytes: max,
    alignment: 1,
    busType: 'iscsi',
    ...(params === undefined ? {} : { preferredTransferBytes: params.maxBurstLength }),
  };
}

/** The login of a Normal session to `targetName` with these settings. */
export function normalSessionLogin(
  s: SessionSettings,
  targetName: string,
  isid: Uint8Array,
  cmdSn: number,
): LoginConfig {
  return {
    initiatorName: s.initiatorName,
    ...(s.initiatorAlias === undefined ? {} : { initiatorAlias: s.initiatorAlias }),
    targetName,
    sessionType: 'Normal',
    isid,
    cid: 0,
    cmdSn,
    ...(s.credentials === undefined ? {} : { credentials: s.credentials }),
    offer: s.offer,
    timeoutMs: s.loginTimeoutMs,
  };
}

export function defaultInitiatorName(): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '') || 'host';
  return `iqn.2025-01.dev.discwright:${host}`;
}
