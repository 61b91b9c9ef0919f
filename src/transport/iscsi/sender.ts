// The send side of one iSCSI connection (connection.ts): the wire form of the PDUs given in one
// call is staged in connection-owned memory (staging.ts) and written with one socket.write();
// only what exceeds the staging limit goes out as a corked gathered write of views.

import type net from 'node:net';
import { frameParts, NO_DIGESTS, type DigestSettings } from './framer.js';
import type { Pdu } from './pdu-types.js';
import { encodeBhs, pduData } from './pdu.js';
import { StagingBuffer, type DataOutSequence } from './staging.js';

/** Staging memory: starts at a 64 KiB WRITE's PDUs, grows up to the limit when needed. */
const STAGING_INITIAL_BYTES = 96 * 1024;
const STAGING_MAX_BYTES = 1024 * 1024;

export class PduSender {
  readonly #socket: net.Socket;
  readonly #staging = new StagingBuffer(STAGING_INITIAL_BYTES, STAGING_MAX_BYTES);
  /** The Data-Out sequence staged ahead by `prepareDataOut()`. */
  readonly #prepared = new StagingBuffer(STAGING_INITIAL_BYTES, STAGING_MAX_BYTES);
  #preparedToken = 0;
  #stopped = false;
  digests: DigestSettings = NO_DIGESTS;

  constructor(socket: net.Socket) {
    this.#socket = socket;
  }

  /** The connection ended: nothing more is written. */
  stop(): void {
    this.#stopped = true;
  }

  /** Sends one PDU, as `sendAll([p])` would. */
  send(p: Pdu): boolean {
    if (this.#staging.add(p, this.digests)) return this.#flush(this.#staging);
    return this.#sendViews([p]);
  }

  /**
   * Sends PDUs in one socket write (a gathered write when they exceed the staging). Returns
   * false when the socket's buffer is full.
   */
  sendAll(pdus: readonly Pdu[]): boolean {
    const staging = this.#staging;
    for (const p of pdus) {
      if (!staging.add(p, this.digests)) {
        staging.clear();
        return this.#sendViews(pdus);
      }
    }
    return this.#flush(staging);
  }

  /**
   * Sends the Data-Out PDUs of one sequence, staged straight from its fields, as `sendAll()`
   * would. Returns undefined, sending nothing, when they exceed the staging limit (the caller
   * sends them as PDUs then).
   */
  sendDataOut(seq: DataOutSequence): boolean | undefined {
    if (!this.#staging.addDataOutSequence(seq, this.digests)) return undefined;
    return this.#flush(this.#staging);
  }

  /**
   * Stages the Data-Out PDUs of `seq` now for a `sendPreparedDataOut()` later, so that copying
   * their data is done while the target works (say, between a WRITE's command PDU and its R2T)
   * and only the Target Transfer Tag and ExpStatSN are filled in then. Replaces any earlier
   * preparation. Returns a token for `sendPreparedDataOut()`, or 0 (nothing prepared) when the
   * PDUs exceed the staging limit.
   */
  prepareDataOut(seq: DataOutSequence): number {
    const prepared = this.#prepared;
    prepared.clear();
    this.#preparedToken++;
    if (!prepared.addDataOutSequence(seq, this.digests)) {
      prepared.clear();
      return 0;
    }
    return this.#preparedToken;
  }

  /**
   * Sends the Data-Out PDUs prepared under `token` with the Target Transfer Tag and ExpStatSN of
   * `seq`, which must be the prepared sequence otherwise (same data, bytes and segments).
   * Returns undefined, sending nothing, when `token` is not the current preparation or `seq`
   * does not line up with it; otherwise what `sendAll()` would. Either way the preparation is
   * used up.
   */
  sendPreparedDataOut(token: number, seq: DataOutSequence): boolean | undefined {
    if (token === 0 || token !== this.#preparedToken) return undefined;
    this.#preparedToken++;
    const prepared = this.#prepared;
    if (this.#stopped) return true;
    try {
      prepared.restampDataOutSequence(seq, this.digests);
    } catch {
      prepared.clear();
      return undefined;
    }
    return this.#flush(prepared);
  }

  /** Writes the PDUs staged in `staging`. */
  #flush(staging: StagingBuffer): boolean {
    if (this.#stopped) {
      staging.clear();
      return true;
    }
    const ok = this.#socket.write(staging.view());
    // When the kernel took every byte, the write finished inside socket.write() and the staging
    // memory is free again, and so is every memory handed to the socket before (writableLength
    // counts the bytes of every write not finished yet). Otherwise net still holds a view of it
    // (queued, or partly written) and reusing it would tear the PDUs not yet sent: continue in
    // other memory, and take this one back only once the socket holds no bytes.
    if (this.#socket.writableLength === 0) {
      staging.clear();
      staging.reclaim();
    } else {
      staging.replaceMemory();
    }
    return ok;
  }

  /** Sends PDUs as views of their payloads (too large to stage), in one corked write. */
  #sendViews(pdus: readonly Pdu[]): boolean {
    if (this.#stopped) return true;
    this.#socket.cork();
    let ok = true;
    for (const p of pdus) {
      for (const part of frameParts(encodeBhs(p), pduData(p), this.digests)) {
        ok = this.#socket.write(part) && ok;
      }
    }
    this.#socket.uncork();
    return ok;
  }
}
