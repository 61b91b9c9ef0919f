// Mode pages through the recorder (src/device/mode-pages.ts) against replies built by hand: block
// descriptors a drive sent despite DBD, subpages, a page cut short, the wrong page; and the
// parameter list MODE SELECT(10) carries.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DiscRecorder } from '../../src/device/recorder.js';
import { HR } from '../../src/errors.js';
import { VirtualClock } from '../../src/transport/clock.js';
import { openVirtualDrive } from '../../src/transport/emulated/index.js';
import type { ScsiCommand, Transport } from '../../src/transport/transport.js';
import { cat, h } from '../helpers/bytes.js';
import { rejectsWith } from '../helpers/recorder.js';

/** Mode parameter header(10) by hand: MODE DATA LENGTH for `rest` bytes after it, BDL. */
const header = (rest: number, blockDescriptorLength = 0) =>
  Uint8Array.of(0, 6 + rest, 0, 0, 0, 0, 0, blockDescriptorLength);

interface Fake {
  readonly recorder: DiscRecorder;
  /** What MODE SENSE(10) answers (cut to the allocation length), when set. */
  modeSense: Uint8Array | undefined;
  /** The parameter lists MODE SELECT(10) carried. */
  readonly selected: Uint8Array[];
}

async function fake(): Promise<Fake> {
  const drive = await openVirtualDrive('virtual:cd-r', { clock: new VirtualClock() });
  const f: { modeSense: Uint8Array | undefined; selected: Uint8Array[] } = {
    modeSense: undefined,
    selected: [],
  };
  const transport: Transport = {
    address: drive.address,
    execute(c: ScsiCommand, o) {
      if (c.cdb[0] === 0x5a && f.modeSense !== undefined) {
        const dataIn = f.modeSense.slice(0, c.allocationLength ?? 0);
        const residual = (c.allocationLength ?? 0) - dataIn.length;
        return Promise.resolve({ status: 0, sense: new Uint8Array(0), dataIn, residual });
      }
      if (c.cdb[0] === 0x55) f.selected.push(Uint8Array.from(c.dataOut ?? []));
      return drive.execute(c, o);
    },
    limits: () => drive.limits(),
    close: () => drive.close(),
  };
  const recorder = await DiscRecorder.fromTransport(transport);
  return Object.assign(f, { recorder });
}

describe('mode pages against hand-built replies (spec §4.6)', () => {
  it('skips block descriptors a drive sent despite DBD', async () => {
    const t = await fake();
    const page = h('2A 04 01 02 03 04');
    const descriptor = h('00 000100 00 000800');
    t.modeSense = cat(header(descriptor.length + page.length, 8), descriptor, page);
    assert.deepEqual(await t.recorder.getModePage(0x2a, 0), page);
    await t.recorder.close();
  });

  it('lists each page code once, subpages included', async () => {
    const t = await fake();
    // 01h, 05h, 1Ch subpage 01h (SPF: 4-byte header, 16-bit length), 1Ch.
    const pages = h('01 02 0000  05 02 0000  5C 01 0002 AABB  1C 02 0000');
    t.modeSense = cat(header(pages.length), pages);
    assert.deepEqual(await t.recorder.getSupportedModePages(0), [0x01, 0x05, 0x1c]);
    await t.recorder.close();
  });

  it('a page cut short is a malformed reply; another page is NO_SUCH_MODE_PAGE', async () => {
    const t = await fake();
    t.modeSense = cat(header(4), h('2A 0A 0102')); // PAGE LENGTH 10, two bytes sent
    const cut = await rejectsWith(t.recorder.getModePage(0x2a, 0));
    assert.equal(cut.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
    t.modeSense = cat(header(4), h('05 02 0000'));
    const other = await rejectsWith(t.recorder.getModePage(0x2a, 0));
    assert.equal(other.hr, HR.E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE);
    t.modeSense = h('00 06 0000');
    const short = await rejectsWith(t.recorder.getModePage(0x2a, 0));
    assert.equal(short.hr, HR.E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, 'no whole header');
    await t.recorder.close();
  });

  it('MODE SELECT(10) carries an all-zero header and the page with PS cleared', async () => {
    const t = await fake();
    const page = await t.recorder.getModePage(0x05, 0);
    const withPs = Uint8Array.from(page);
    withPs[0] = withPs[0]! | 0x80; // PS, as MODE SENSE may report it
    await t.recorder.setModePage(0, withPs);
    const cleared = Uint8Array.from(page);
    cleared[0] = cleared[0]! & 0x7f;
    assert.deepEqual(t.selected.at(-1), cat(new Uint8Array(8), cleared));
    await t.recorder.close();
  });
});
