// Operational parameter negotiation (RFC 7143 §6.2, §13): what the initiator offers in the
// login operational stage, how the target's answers and proposals combine with it (min, max,
// OR, AND, list, declarative), and the resulting session parameters. Pure.

import { invalidArgument, type DwError } from '../../errors.js';
import { TransportErrors } from '../transport.js';
import type { TextPairs } from './text.js';

export type DigestName = 'CRC32C' | 'None';

/** The session parameters in force after login (RFC 7143 §13). */
export interface SessionParameters {
  readonly headerDigest: boolean;
  readonly dataDigest: boolean;
  /** Largest data segment the initiator accepts (our declaration). */
  readonly initiatorMaxRecvDataSegmentLength: number;
  /** Largest data segment the target accepts: bounds immediate data and each Data-Out PDU. */
  readonly targetMaxRecvDataSegmentLength: number;
  readonly maxBurstLength: number;
  readonly firstBurstLength: number;
  readonly initialR2T: boolean;
  readonly immediateData: boolean;
  readonly maxOutstandingR2T: number;
  readonly errorRecoveryLevel: number;
  readonly defaultTime2Wait: number;
  readonly defaultTime2Retain: number;
  readonly maxConnections: number;
  readonly dataPduInOrder: boolean;
  readonly dataSequenceInOrder: boolean;
  readonly targetPortalGroupTag?: number;
  readonly targetAlias?: string;
}

/** RFC 7143 defaults: what applies to every key nobody negotiated. */
export const RFC_DEFAULTS: SessionParameters = {
  headerDigest: false,
  dataDigest: false,
  initiatorMaxRecvDataSegmentLength: 8192,
  // A target that does not declare its MaxRecvDataSegmentLength (tgt at its default) gets 8192.
  targetMaxRecvDataSegmentLength: 8192,
  maxBurstLength: 262144,
  firstBurstLength: 65536,
  initialR2T: true,
  immediateData: true,
  maxOutstandingR2T: 1,
  errorRecoveryLevel: 0,
  defaultTime2Wait: 2,
  defaultTime2Retain: 20,
  maxConnections: 1,
  dataPduInOrder: true,
  dataSequenceInOrder: true,
};

/** What the initiator offers. One connection per session, ErrorRecoveryLevel 0. */
export interface OperationalOffer {
  /** Acceptable header digests, preferred first. */
  readonly headerDigest: readonly DigestName[];
  readonly dataDigest: readonly DigestName[];
  readonly maxRecvDataSegmentLength: number;
  readonly maxBurstLength: number;
  readonly firstBurstLength: number;
  readonly initialR2T: boolean;
  readonly immediateData: boolean;
  readonly maxOutstandingR2T: number;
  readonly defaultTime2Wait: number;
  readonly defaultTime2Retain: number;
}

export const DEFAULT_OFFER: OperationalOffer = {
  headerDigest: ['None', 'CRC32C'],
  dataDigest: ['None', 'CRC32C'],
  maxRecvDataSegmentLength: 262144,
  maxBurstLength: 16776192,
  firstBurstLength: 262144,
  initialR2T: false,
  immediateData: true,
  maxOutstandingR2T: 1,
  defaultTime2Wait: 0,
  defaultTime2Retain: 0,
};

type Rule = 'list' | 'min' | 'max' | 'or' | 'and' | 'declarative';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface KeyDef {
  readonly rule: Rule;
  readonly field: keyof SessionParameters;
  readonly min?: number;
  readonly max?: number;
}

const KEYS: Readonly<Record<string, KeyDef>> = {
  HeaderDigest: { rule: 'list', field: 'headerDigest' },
  DataDigest: { rule: 'list', field: 'dataDigest' },
  MaxRecvDataSegmentLength: {
    rule: 'declarative',
    field: 'targetMaxRecvDataSegmentLength',
    min: 512,
    max: 16777215,
  },
  MaxBurstLength: { rule: 'min', field: 'maxBurstLength', min: 512, max: 16777215 },
  FirstBurstLength: { rule: 'min', field: 'firstBurstLength', min: 512, max: 16777215 },
  InitialR2T: { rule: 'or', field: 'initialR2T' },
  ImmediateData: { rule: 'and', field: 'immediateData' },
  MaxOutstandingR2T: { rule: 'min', field: 'maxOutstandingR2T', min: 1, max: 65535 },
  ErrorRecoveryLevel: { rule: 'min', field: 'errorRecoveryLevel', min: 0, max: 2 },
  DefaultTime2Wait: { rule: 'max', field: 'defaultTime2Wait', min: 0, max: 3600 },
  DefaultTime2Retain: { rule: 'min', field: 'defaultTime2Retain', min: 0, max: 3600 },
  MaxConnections: { rule: 'min', field: 'maxConnections', min: 1, max: 65535 },
  DataPDUInOrder: { rule: 'or', field: 'dataPduInOrder' },
  DataSequenceInOrder: { rule: 'or', field: 'dataSequenceInOrder' },
};

/** Keys that are answered with Irrelevant / obsolete markers and otherwise ignored. */
const IGNORED = new Set(['IFMarker', 'OFMarker', 'OFMarkInt', 'IFMarkInt', 'TargetAddress']);

const NEGATIVE = new Set(['Reject', 'Irrelevant', 'NotUnderstood']);

/** The target answered a key against RFC 7143 §13's rules: a protocol violation. */
function negotiationError(message: string): DwError {
  return TransportErrors.protocolViolation(`iSCSI login negotiation failed: ${message}`);
}

function yesNo(v: boolean): string {
  return v ? 'Yes' : 'No';
}

function parseBool(key: string, v: string): boolean {
  if (v === 'Yes') return true;
  if (v === 'No') return false;
  throw negotiationError(`${key}=${v} is not Yes or No`);
}

function parseNumber(key: string, v: string, def: KeyDef): number {
  const n = /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < (def.min ?? 0) || n > (def.max ?? 0xffffffff)) {
    throw negotiationError(`${key}=${v} is out of range`);
  }
  return n;
}

/**
 * One login's operational negotiation. `initialPairs()` is the first offer; every target
 * answer goes through `receive()`, which returns the replies owed to keys the target proposed
 * itself (send them in the next Login Request); `result()` gives the parameters in force.
 */
export class OperationalNegotiation {
  readonly #values: Mutable<SessionParameters> = { ...RFC_DEFAULTS };
  readonly #outstanding = new Set<string>();
  readonly #ourValue: Record<string, string>;

  constructor(offer: OperationalOffer = DEFAULT_OFFER) {
    if (offer.headerDigest.length === 0 || offer.dataDigest.length === 0) {
      throw invalidArgument('at least one header and one data digest must be acceptable');
    }
    this.#values.initiatorMaxRecvDataSegmentLength = offer.maxRecvDataSegmentLength;
    this.#ourValue = {
      HeaderDigest: offer.headerDigest.join(','),
      DataDigest: offer.dataDigest.join(','),
      MaxRecvDataSegmentLength: String(offer.maxRecvDataSegmentLength),
      MaxBurstLength: String(offer.maxBurstLength),
      FirstBurstLength: String(Math.min(offer.firstBurstLength, offer.maxBurstLength)),
      InitialR2T: yesNo(offer.initialR2T),
      ImmediateData: yesNo(offer.immediateData),
      MaxOutstandingR2T: String(offer.maxOutstandingR2T),
      ErrorRecoveryLevel: '0',
      DefaultTime2Wait: String(offer.defaultTime2Wait),
      DefaultTime2Retain: String(offer.defaultTime2Retain),
      MaxConnections: '1',
      DataPDUInOrder: 'Yes',
      DataSequenceInOrder: 'Yes',
    };
  }

  /** The keys of the first operational-stage Login Request, in a fixed order. */
  initialPairs(): [string, string][] {
    const pairs = Object.entries(this.#ourValue);
    for (const [k] of pairs) {
      // MaxRecvDataSegmentLength is declarative: the target does not answer it.
      if (k !== 'MaxRecvDataSegmentLength') this.#outstanding.add(k);
    }
    return pairs;
  }

  /** Keys offered and still unanswered. */
  get pending(): readonly string[] {
    return [...this.#outstanding];
  }

  /** Processes the target's keys; returns the answers owed to its own proposals. */
  receive(pairs: TextPairs): [string, string][] {
    const replies: [string, string][] = [];
    for (const [key, value] of pairs) {
      if (key === 'TargetPortalGroupTag') {
        const n = Number(value);
        if (Number.isInteger(n) && n >= 0 && n <= 65535) this.#values.targetPortalGroupTag = n;
        continue;
      }
      if (key === 'TargetAlias') {
        this.#values.targetAlias = value;
        continue;
      }
      if (IGNORED.has(key)) {
        if (key !== 'TargetAddress' && !this.#outstanding.has(key))
          replies.push([key, 'Irrelevant']);
        continue;
      }
      const def = KEYS[key];
      if (def === undefined) {
        // Authentication leftovers and vendor keys: not ours to negotiate here.
        if (!key.startsWith('CHAP_') && key !== 'AuthMethod') replies.push([key, 'NotUnderstood']);
        continue;
      }
      const answering = this.#outstanding.delete(key);
      if (NEGATIVE.has(value)) continue; // RFC default stays in force
      if (def.rule === 'declarative') {
        this.#set(def, parseNumber(key, value, def));
        continue;
      }
      if (answering) this.#acceptAnswer(key, value, def);
      else replies.push([key, this.#answerProposal(key, value, def)]);
    }
    return replies;
  }

  result(): SessionParameters {
    const v = { ...this.#values };
    if (v.firstBurstLength > v.maxBurstLength) v.firstBurstLength = v.maxBurstLength;
    return v;
  }

  #set(def: KeyDef, value: number | boolean): void {
    (this.#values as Record<string, unknown>)[def.field] = value;
  }

  #ours(key: string): string {
    return this.#ourValue[key]!;
  }

  #acceptAnswer(key: string, value: string, def: KeyDef): void {
    const mine = this.#ours(key);
    switch (def.rule) {
      case 'list': {
        if (!mine.split(',').includes(value)) {
          throw negotiationError(`target chose ${key}=${value}, which was not offered (${mine})`);
        }
        this.#set(def, value === 'CRC32C');
        return;
      }
      case 'min':
        this.#set(def, Math.min(parseNumber(key, value, def), Number(mine)));
        return;
      case 'max':
        this.#set(def, Math.max(parseNumber(key, value, def), Number(mine)));
        return;
      case 'or':
        this.#set(def, parseBool(key, value) || mine === 'Yes');
        return;
      case 'and':
        this.#set(def, parseBool(key, value) && mine === 'Yes');
        return;
      case 'declarative':
        return;
    }
  }

  #answerProposal(key: string, value: string, def: KeyDef): string {
    const mine = this.#ours(key);
    switch (def.rule) {
      case 'list': {
        const acceptable = mine.split(',');
        const pick = value.split(',').find((v) => acceptable.includes(v));
        if (pick === undefined) return 'Reject';
        this.#set(def, pick === 'CRC32C');
        return pick;
      }
      case 'min': {
        const n = Math.min(parseNumber(key, value, def), Number(mine));
        this.#set(def, n);
        return String(n);
      }
      case 'max': {
        const n = Math.max(parseNumber(key, value, def), Number(mine));
        this.#set(def, n);
        return String(n);
      }
      case 'or': {
        const b = parseBool(key, value) || mine === 'Yes';
        this.#set(def, b);
        return yesNo(b);
      }
      case 'and': {
        const b = parseBool(key, value) && mine === 'Yes';
        this.#set(def, b);
        return yesNo(b);
      }
      case 'declarative':
        return value;
    }
  }
}
