import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  GESN_DEFAULT_ALLOCATION_LENGTH,
  MediaEventCode,
  NotificationClass,
  NotificationClassMask,
  decodeGetEventStatusNotificationCdb,
  decodeGetEventStatusNotificationData,
  decodeMediaEventDescriptor,
  encodeGetEventStatusNotificationCdb,
  encodeGetEventStatusNotificationData,
  encodeMediaEventDescriptor,
  encodeMediaEventStatus,
  encodeNoEventAvailable,
  getEventStatusNotification,
  mediaEventOf,
} from '../../../src/scsi/mmc/get-event-status-notification.js';
import { DwError, MalformedDataError } from '../../../src/errors.js';
import { assertDecoderRobust, h } from '../../helpers/bytes.js';

describe('GET EVENT STATUS NOTIFICATION tables', () => {
  it('notification classes are the 3-bit field values', () => {
    assert.deepEqual(
      { ...NotificationClass },
      {
        NONE: 0,
        OPERATIONAL_CHANGE: 1,
        POWER_MANAGEMENT: 2,
        EXTERNAL_REQUEST: 3,
        MEDIA: 4,
        MULTI_HOST: 5,
        DEVICE_BUSY: 6,
      },
    );
  });
  it('class request / supported class bits: bit n is class n', () => {
    assert.deepEqual(
      { ...NotificationClassMask },
      {
        OPERATIONAL_CHANGE: 0x02,
        POWER_MANAGEMENT: 0x04,
        EXTERNAL_REQUEST: 0x08,
        MEDIA: 0x10,
        MULTI_HOST: 0x20,
        DEVICE_BUSY: 0x40,
      },
    );
  });
  it('media event codes', () => {
    assert.deepEqual(
      { ...MediaEventCode },
      {
        NO_CHG: 0,
        EJECT_REQUEST: 1,
        NEW_MEDIA: 2,
        MEDIA_REMOVAL: 3,
        MEDIA_CHANGED: 4,
        BG_FORMAT_COMPLETED: 5,
        BG_FORMAT_RESTARTED: 6,
      },
    );
  });
});

describe('GET EVENT STATUS NOTIFICATION CDB', () => {
  it('encodes Polled (byte 1 bit 0), class request (byte 4), allocation length (7..8)', () => {
    assert.deepEqual(
      encodeGetEventStatusNotificationCdb({
        polled: true,
        notificationClassRequest: NotificationClassMask.MEDIA,
        allocationLength: 8,
      }),
      h('4A 01 0000 10 0000 0008 00'),
    );
  });
  it('defaults: polled, 8 bytes', () => {
    assert.equal(GESN_DEFAULT_ALLOCATION_LENGTH, 8);
    assert.deepEqual(
      encodeGetEventStatusNotificationCdb({ notificationClassRequest: 0x52 }),
      h('4A 01 0000 52 0000 0008 00'),
    );
  });
  it('asynchronous form clears Polled', () => {
    assert.deepEqual(
      encodeGetEventStatusNotificationCdb({
        polled: false,
        notificationClassRequest: 0x10,
        allocationLength: 0x100,
      }),
      h('4A 00 0000 10 0000 0100 00'),
    );
  });
  it('rejects a class request above FFh and lengths above 16 bits', () => {
    assert.throws(
      () => encodeGetEventStatusNotificationCdb({ notificationClassRequest: 0x100 }),
      DwError,
    );
    assert.throws(
      () =>
        encodeGetEventStatusNotificationCdb({
          notificationClassRequest: 0x10,
          allocationLength: -1,
        }),
      DwError,
    );
  });
  it('decodes, ignoring reserved bits', () => {
    assert.deepEqual(decodeGetEventStatusNotificationCdb(h('4A FF FFFF 10 FFFF 0008 00')), {
      polled: true,
      notificationClassRequest: 0x10,
      allocationLength: 8,
    });
  });
  it('decoder rejects another opcode and a short CDB', () => {
    assert.throws(
      () => decodeGetEventStatusNotificationCdb(h('46 01 0000 10 0000 0008 00')),
      MalformedDataError,
    );
    assert.throws(
      () => decodeGetEventStatusNotificationCdb(h('4A 01 0000 10')),
      MalformedDataError,
    );
  });
  it('request factory', () => {
    const c = getEventStatusNotification({ notificationClassRequest: NotificationClassMask.MEDIA });
    assert.equal(c.name, 'GET EVENT STATUS NOTIFICATION');
    assert.equal(c.direction, 'in');
    assert.equal(c.allocationLength, 8);
    assert.deepEqual(c.cdb, h('4A 01 0000 10 0000 0008 00'));
    assert.equal(
      getEventStatusNotification({ notificationClassRequest: 0x10, allocationLength: 64 })
        .allocationLength,
      64,
    );
  });
  it('round-trips and is robust', () => {
    fc.assert(
      fc.property(
        fc.record({
          polled: fc.boolean(),
          notificationClassRequest: fc.integer({ min: 0, max: 255 }),
          allocationLength: fc.integer({ min: 0, max: 0xffff }),
        }),
        (x) =>
          assert.deepEqual(
            decodeGetEventStatusNotificationCdb(encodeGetEventStatusNotificationCdb(x)),
            { ...x },
          ),
      ),
    );
    assertDecoderRobust(decodeGetEventStatusNotificationCdb, [h('4A 01 0000 10 0000 0008 00')]);
  });
});

describe('GET EVENT STATUS NOTIFICATION response', () => {
  it('decodes a NewMedia event with media present', () => {
    const v = decodeGetEventStatusNotificationData(h('0006 04 10 02 02 00 00'));
    assert.deepEqual(v, {
      eventDataLength: 6,
      nea: false,
      notificationClass: NotificationClass.MEDIA,
      supportedEventClasses: 0x10,
      eventData: h('02020000'),
      truncated: false,
    });
    assert.deepEqual(mediaEventOf(v), {
      mediaEventCode: MediaEventCode.NEW_MEDIA,
      mediaPresent: true,
      doorOrTrayOpen: false,
      startSlot: 0,
      endSlot: 0,
    });
  });
  it('decodes an open tray without media (Door or Tray Open is byte 1 bit 0)', () => {
    const v = decodeGetEventStatusNotificationData(h('0006 04 5E 03 01 00 00'));
    assert.equal(v.supportedEventClasses, 0x5e);
    assert.deepEqual(mediaEventOf(v), {
      mediaEventCode: MediaEventCode.MEDIA_REMOVAL,
      mediaPresent: false,
      doorOrTrayOpen: true,
      startSlot: 0,
      endSlot: 0,
    });
  });
  it('decodes an eject request, NoChg, and changer slots', () => {
    assert.equal(
      mediaEventOf(decodeGetEventStatusNotificationData(h('0006 04 10 01 02 00 00')))
        ?.mediaEventCode,
      MediaEventCode.EJECT_REQUEST,
    );
    assert.deepEqual(
      mediaEventOf(decodeGetEventStatusNotificationData(h('0006 04 10 F0 FC 01 05'))),
      { mediaEventCode: 0, mediaPresent: false, doorOrTrayOpen: false, startSlot: 1, endSlot: 5 },
    );
  });
  it('NEA (byte 2 bit 7): no descriptor, no media event', () => {
    const v = decodeGetEventStatusNotificationData(h('0002 80 10'));
    assert.deepEqual(v, {
      eventDataLength: 2,
      nea: true,
      notificationClass: 0,
      supportedEventClasses: 0x10,
      eventData: new Uint8Array(0),
      truncated: false,
    });
    assert.equal(mediaEventOf(v), undefined);
  });
  it('ignores padding after Event Data Length', () => {
    const v = decodeGetEventStatusNotificationData(h('0002 80 10 CCCCCCCC'));
    assert.deepEqual(v.eventData, new Uint8Array(0));
    assert.equal(v.truncated, false);
    assert.deepEqual(
      decodeGetEventStatusNotificationData(h('0006 04 10 02020000 FFFF')).eventData,
      h('02020000'),
    );
  });
  it('a reply cut at the allocation length keeps what arrived and says so', () => {
    const v = decodeGetEventStatusNotificationData(h('0006 04 10 02 02'));
    assert.deepEqual(v.eventData, h('0202'));
    assert.equal(v.truncated, true);
    assert.equal(mediaEventOf(v), undefined);
    assert.equal(decodeGetEventStatusNotificationData(h('0006 04 10')).eventData.length, 0);
  });
  it('accepts the descriptor-only length 4 some emulated drives report', () => {
    const v = decodeGetEventStatusNotificationData(h('0004 04 10 02 02 00 00'));
    assert.deepEqual(v.eventData, h('02020000'));
    assert.equal(v.truncated, false);
    assert.equal(mediaEventOf(v)?.mediaEventCode, MediaEventCode.NEW_MEDIA);
  });
  it('another class is not read as a media event', () => {
    const v = decodeGetEventStatusNotificationData(h('0006 06 50 01 02 0010'));
    assert.equal(v.notificationClass, NotificationClass.DEVICE_BUSY);
    assert.equal(mediaEventOf(v), undefined);
  });
  it('a header shorter than 4 bytes or a length below 2 is malformed', () => {
    assert.throws(() => decodeGetEventStatusNotificationData(h('0006 04')), MalformedDataError);
    assert.throws(() => decodeGetEventStatusNotificationData(h('0001 80 10')), MalformedDataError);
  });
  it('the media descriptor needs 4 bytes', () => {
    assert.throws(() => decodeMediaEventDescriptor(h('020200')), MalformedDataError);
  });
  it('decoders are robust', () => {
    assertDecoderRobust(decodeGetEventStatusNotificationData, [
      h('0006 04 10 02 02 00 00'),
      h('0002 80 10'),
    ]);
    assertDecoderRobust(decodeMediaEventDescriptor, [h('02020000')]);
  });
});

describe('GET EVENT STATUS NOTIFICATION encoders (virtual drive)', () => {
  it('a media event reply', () => {
    assert.deepEqual(
      encodeMediaEventStatus({
        mediaEventCode: MediaEventCode.NEW_MEDIA,
        mediaPresent: true,
        doorOrTrayOpen: false,
        startSlot: 0,
        endSlot: 0,
      }),
      h('0006 04 10 02 02 00 00'),
    );
    assert.deepEqual(
      encodeMediaEventStatus(
        {
          mediaEventCode: MediaEventCode.NO_CHG,
          mediaPresent: false,
          doorOrTrayOpen: true,
          startSlot: 0,
          endSlot: 0,
        },
        0x5e,
      ),
      h('0006 04 5E 00 01 00 00'),
    );
  });
  it('a no-event-available reply', () => {
    assert.deepEqual(encodeNoEventAvailable(0x10), h('0002 80 10'));
  });
  it('media descriptor fields', () => {
    assert.deepEqual(
      encodeMediaEventDescriptor({
        mediaEventCode: MediaEventCode.BG_FORMAT_RESTARTED,
        mediaPresent: true,
        doorOrTrayOpen: true,
        startSlot: 2,
        endSlot: 3,
      }),
      h('06 03 02 03'),
    );
  });
  it('rejects a media event code above 15 and event data not in 4-byte descriptors', () => {
    assert.throws(
      () =>
        encodeMediaEventDescriptor({
          mediaEventCode: 16,
          mediaPresent: false,
          doorOrTrayOpen: false,
          startSlot: 0,
          endSlot: 0,
        }),
      DwError,
    );
    assert.throws(
      () =>
        encodeGetEventStatusNotificationData({
          nea: false,
          notificationClass: 4,
          supportedEventClasses: 0x10,
          eventData: h('0202'),
        }),
      DwError,
    );
    assert.throws(
      () =>
        encodeGetEventStatusNotificationData({
          nea: false,
          notificationClass: 8,
          supportedEventClasses: 0x10,
          eventData: h(''),
        }),
      DwError,
    );
  });
  it('round-trips replies and media descriptors', () => {
    fc.assert(
      fc.property(
        fc.record({
          nea: fc.boolean(),
          notificationClass: fc.integer({ min: 0, max: 7 }),
          supportedEventClasses: fc.integer({ min: 0, max: 255 }),
          eventData: fc
            .constantFrom(0, 4, 8)
            .chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        }),
        (x) => {
          const bytes = encodeGetEventStatusNotificationData(x);
          assert.deepEqual(decodeGetEventStatusNotificationData(bytes), {
            ...x,
            eventDataLength: bytes.length - 2,
            truncated: false,
          });
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.record({
          mediaEventCode: fc.integer({ min: 0, max: 15 }),
          mediaPresent: fc.boolean(),
          doorOrTrayOpen: fc.boolean(),
          startSlot: fc.integer({ min: 0, max: 255 }),
          endSlot: fc.integer({ min: 0, max: 255 }),
        }),
        (x) => {
          assert.deepEqual(decodeMediaEventDescriptor(encodeMediaEventDescriptor(x)), { ...x });
          assert.deepEqual(
            mediaEventOf(decodeGetEventStatusNotificationData(encodeMediaEventStatus(x))),
            {
              ...x,
            },
          );
        },
      ),
    );
  });
});
