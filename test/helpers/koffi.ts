// koffi for the tests that call through it (native memory, the SPTI bindings and transport):
// loaded once, undefined where it cannot be (not installed, no binary for this platform).

import { loadKoffi, type Koffi } from '../../src/transport/koffi.js';

export const koffi: Koffi | undefined = await loadKoffi().catch(() => undefined);

/** A suite's `skip` when it needs nothing but koffi. */
export const skipWithoutKoffi: string | false = koffi === undefined ? 'koffi unavailable' : false;
