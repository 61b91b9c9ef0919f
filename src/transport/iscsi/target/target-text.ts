// Text negotiation on the target across several PDUs (RFC 7143 §6.1 / §11.10-§11.11, the C and
// F bits and the Target Transfer Tag): a Text Request with C 1 carries part of the text (a
// key=value may span PDUs) and gets an empty Text Response with F 0 and this exchange's Target
// Transfer Tag, which the next request echoes; the text, once whole (C 0), is answered
// (target-replies.ts `textReplies`) in Text Responses of at most the initiator's
// MaxRecvDataSegmentLength: each but the last with C 1, F 0 and the Target Transfer Tag, each
// asked for by an empty request echoing it; the last with F 1 and FFFFFFFFh. The text gathered
// is bounded (TEXT_LIMIT); a request that echoes a tag not in force, or more text than that, is
// a protocol fault (the connection is closed). A request with FFFFFFFFh starts a new exchange.

import { MalformedDataError } from '../../../errors.js';
import { RESERVED_TAG } from '../pdu-layout.js';
import type { SessionParameters } from '../negotiate.js';
import type { TextRequestPdu, TextResponsePdu, TargetSn } from '../pdu-types.js';
import { textReplies } from './target-replies.js';

/** Largest text the target gathers from one exchange's requests. */
export const TEXT_LIMIT = 65536;
const EMPTY = new Uint8Array(0);

export class TextExchange {
  readonly #target: () => { readonly targetName: string; readonly portal: string };
  /** The exchange in progress: its task tag, our Target Transfer Tag, text in, answer left. */
  #current:
    { itt: number; ttt: number; text: Uint8Array[]; size: number; rest: Uint8Array } | undefined;
  #nextTtt = 0;

  constructor(target: () => { readonly targetName: string; readonly portal: string }) {
    this.#target = target;
  }

  /** The Text Response to one Text Request, in PDUs of the initiator's MaxRecvDataSegmentLength. */
  respond(p: TextRequestPdu, params: SessionParameters, sn: TargetSn): TextResponsePdu {
    // The negotiation is run from the initiator's side: its "target" length is the peer's.
    const maxSegment = params.targetMaxRecvDataSegmentLength;
    if (p.targetTransferTag === RESERVED_TAG) {
      this.#nextTtt = this.#nextTtt >= 0x7fffffff ? 1 : this.#nextTtt + 1;
      this.#current = {
        itt: p.initiatorTaskTag,
        ttt: this.#nextTtt,
        text: [],
        size: 0,
        rest: EMPTY,
      };
    } else if (
      this.#current?.ttt !== p.targetTransferTag ||
      this.#current.itt !== p.initiatorTaskTag
    ) {
      throw new MalformedDataError(
        `Text Request with Target Transfer Tag ${p.targetTransferTag} not in force`,
      );
    }
    const x = this.#current;
    x.size += p.data.length;
    if (x.size > TEXT_LIMIT) {
      throw new MalformedDataError(`Text Request beyond ${TEXT_LIMIT} bytes`);
    }
    // The PDU's data is a view into the socket's chunk: keep a copy.
    if (p.data.length > 0) x.text.push(p.data.slice());
    const reply = {
      type: 'text-response' as const,
      lun: p.lun,
      initiatorTaskTag: p.initiatorTaskTag,
      ...sn,
    };
    if (p.continue) {
      return { ...reply, final: false, continue: false, targetTransferTag: x.ttt, data: EMPTY };
    }
    if (x.size > 0) {
      const text = new Uint8Array(x.size);
      let at = 0;
      for (const part of x.text) {
        text.set(part, at);
        at += part.length;
      }
      const { targetName, portal } = this.#target();
      x.rest = textReplies(text, targetName, portal);
      x.text = [];
      x.size = 0;
    }
    const data = x.rest.subarray(0, maxSegment);
    x.rest = x.rest.subarray(data.length);
    if (x.rest.length > 0) {
      return { ...reply, final: false, continue: true, targetTransferTag: x.ttt, data };
    }
    this.#current = undefined;
    return { ...reply, final: true, continue: false, targetTransferTag: RESERVED_TAG, data };
  }
}
