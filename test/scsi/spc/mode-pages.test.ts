import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ALL_MODE_PAGES,
  ALL_MODE_SUBPAGES,
  ModePageRequestType,
  ModePageType,
  decodeModePage,
  findModePage,
  newModePage,
  openModePage,
  splitModePages,
} from '../../../src/scsi/spc/mode-pages.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, cat, h } from '../../helpers/bytes.js';

const caching = h('88 0A 04 00 FFFF 0000 FFFF FFFF'); // 08h, PS set, WCE
const subpage = h('4A 01 0004 DEADBEEF'); // 0Ah subpage 01h, sub_page format

describe('mode page tables', () => {
  it('ModePageType has the IMAPI_MODE_PAGE_TYPE values', () => {
    assert.deepEqual(
      { ...ModePageType },
      {
        READ_WRITE_ERROR_RECOVERY: 0x01,
        MRW: 0x03,
        WRITE_PARAMETERS: 0x05,
        CACHING: 0x08,
        POWER_CONDITION: 0x1a,
        INFORMATIONAL_EXCEPTIONS: 0x1c,
        TIMEOUT_AND_PROTECT: 0x1d,
        LEGACY_CAPABILITIES: 0x2a,
      },
    );
  });
  it('ModePageRequestType is the page control field', () => {
    assert.deepEqual(
      { ...ModePageRequestType },
      { CURRENT_VALUES: 0, CHANGEABLE_VALUES: 1, DEFAULT_VALUES: 2, SAVED_VALUES: 3 },
    );
  });
  it('the all-pages codes are 3Fh and FFh', () => {
    assert.equal(ALL_MODE_PAGES, 0x3f);
    assert.equal(ALL_MODE_SUBPAGES, 0xff);
  });
});

describe('decodeModePage', () => {
  it('decodes a page_0 format page with PS set', () => {
    assert.deepEqual(decodeModePage(caching), {
      pageCode: 0x08,
      spf: false,
      subpageCode: 0,
      ps: true,
      pageLength: 10,
      bytes: caching,
    });
  });
  it('decodes a sub_page format page (4-byte header, 16-bit length)', () => {
    assert.deepEqual(decodeModePage(subpage), {
      pageCode: 0x0a,
      spf: true,
      subpageCode: 1,
      ps: false,
      pageLength: 4,
      bytes: subpage,
    });
  });
  it('takes only the page, not the bytes after it, and copies them', () => {
    const src = cat(caching, h('05 00'));
    const page = decodeModePage(src);
    assert.equal(page.bytes.length, 12);
    src[2] = 0xff;
    assert.equal(page.bytes[2], 0x04);
  });
  it('rejects a page cut short', () => {
    assert.throws(() => decodeModePage(caching.subarray(0, 11)), MalformedDataError);
    assert.throws(() => decodeModePage(subpage.subarray(0, 3)), MalformedDataError);
    assert.throws(() => decodeModePage(h('08')), MalformedDataError);
  });
  it('is robust', () => {
    assertDecoderRobust(decodeModePage, [caching, subpage]);
  });
});

describe('splitModePages', () => {
  it('splits consecutive pages of both formats', () => {
    const { pages, truncated } = splitModePages(cat(caching, subpage, h('2A 00')));
    assert.equal(truncated, false);
    assert.deepEqual(
      pages.map((p) => [p.pageCode, p.subpageCode, p.bytes.length]),
      [
        [0x08, 0, 12],
        [0x0a, 1, 8],
        [0x2a, 0, 2],
      ],
    );
  });
  it('returns no pages for no bytes', () => {
    assert.deepEqual(splitModePages(new Uint8Array(0)), { pages: [], truncated: false });
  });
  it('rejects a page that overruns the bytes', () => {
    assert.throws(() => splitModePages(cat(caching, h('05 32 00'))), MalformedDataError);
    assert.throws(() => splitModePages(cat(caching, h('45'))), MalformedDataError);
  });
  it('with allowTruncated, drops the cut page and says so', () => {
    const { pages, truncated } = splitModePages(cat(caching, h('05 32 00')), {
      allowTruncated: true,
    });
    assert.equal(truncated, true);
    assert.deepEqual(
      pages.map((p) => p.pageCode),
      [0x08],
    );
  });
  it('with allowTruncated, a cut sub_page header is truncation too', () => {
    const r = splitModePages(cat(caching, h('4A 01 00')), { allowTruncated: true });
    assert.equal(r.truncated, true);
    assert.equal(r.pages.length, 1);
  });
  it('round-trips any run of whole pages', () => {
    const page = fc.oneof(
      fc
        .tuple(fc.integer({ min: 0, max: 63 }), fc.boolean(), fc.uint8Array({ maxLength: 40 }))
        .map(([code, ps, body]) => cat([(ps ? 0x80 : 0) | code, body.length], body)),
      fc
        .tuple(
          fc.integer({ min: 0, max: 63 }),
          fc.integer({ min: 0, max: 255 }),
          fc.uint8Array({ maxLength: 40 }),
        )
        .map(([code, sub, body]) => cat([0x40 | code, sub, 0, body.length], body)),
    );
    fc.assert(
      fc.property(fc.array(page, { maxLength: 6 }), (pages) => {
        const r = splitModePages(cat(...pages));
        assert.deepEqual(
          r.pages.map((p) => p.bytes),
          pages,
        );
      }),
    );
  });
  it('is robust', () => {
    assertDecoderRobust((b) => splitModePages(b), [cat(caching, subpage)]);
    assertDecoderRobust(
      (b) => splitModePages(b, { allowTruncated: true }),
      [cat(caching, subpage)],
    );
  });
});

describe('findModePage', () => {
  const { pages } = splitModePages(cat(caching, subpage, h('0A 02 0000')));
  it('finds by page code, subpage 0 by default', () => {
    assert.equal(findModePage(pages, 0x08)?.bytes.length, 12);
    assert.equal(findModePage(pages, 0x0a)?.spf, false);
  });
  it('finds by page code and subpage code', () => {
    assert.equal(findModePage(pages, 0x0a, 1)?.spf, true);
  });
  it('returns undefined when absent', () => {
    assert.equal(findModePage(pages, 0x05), undefined);
    assert.equal(findModePage(pages, 0x08, 1), undefined);
  });
});

describe('openModePage / newModePage', () => {
  it('newModePage writes PS, page code and page length', () => {
    assert.deepEqual(newModePage(0x05, 2, true).bytes, h('85 02 0000'));
    assert.deepEqual(newModePage(0x2a, 0).bytes, h('2A 00'));
  });
  it('newModePage rejects bad page codes and lengths', () => {
    assert.throws(() => newModePage(0x40, 2), DwError);
    assert.throws(() => newModePage(0x05, 256), DwError);
    assert.throws(() => newModePage(0x05, -1), DwError);
  });
  it('openModePage clamps the end to the bytes present', () => {
    assert.equal(openModePage(caching, 0x08, 'Caching').end, 12);
    assert.equal(openModePage(caching.subarray(0, 7), 0x08, 'Caching').end, 7);
    assert.equal(openModePage(cat(caching, h('00 00')), 0x08, 'Caching').end, 12);
    assert.equal(openModePage(caching, 0x08, 'Caching').ps, true);
  });
  it('openModePage rejects another page, a sub_page format page and a lone byte', () => {
    assert.throws(() => openModePage(caching, 0x05, 'Write Parameters'), MalformedDataError);
    assert.throws(() => openModePage(subpage, 0x0a, 'Control'), MalformedDataError);
    assert.throws(() => openModePage(h('08'), 0x08, 'Caching'), MalformedDataError);
  });
});
