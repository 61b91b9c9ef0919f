// GET EVENT STATUS NOTIFICATION (MMC-6 6.7). Pure codec: the CDB, the event header and the media
// event class descriptor, which reports new media, media removal and eject requests, and whether
// a medium is present or the tray is open. tgt does not implement this command (05/20/00); the
// virtual drive answers it with the encoders below.
//
// Only polled operation is widespread: drives reject Polled = 0 (asynchronous) with 5/24/00, so
// the request factory sets Polled unless told otherwise. The drive reports at most one event per
// reply, of the highest-priority class requested; each reply consumes that event.
//
// Response length handling: Event Data Length counts the bytes after the field (2 header bytes plus
// the 4-byte descriptor: 6 for an event, 2 with NEA). The reply may be cut at the allocation length
// (8 bytes is the usual request) or padded to it. The decoder uses the length field, ignores bytes
// after it, returns the descriptor bytes actually present and sets `truncated` when some are
// missing. An incomplete 4-byte header, or a length below 2, is malformed.

import { ByteReader, ByteWriter } from '../bytes.js';
import { scsiCommand, type ScsiCommand } from '../command.js';
import { MalformedDataError, invalidArgument } from '../../errors.js';
import { Opcode } from '../opcodes.js';

/** NOTIFICATION CLASS field values of the event header (3 bits). */
export const NotificationClass = {
  /** No requested event class is supported (NEA is then set). */
  NONE: 0,
  OPERATIONAL_CHANGE: 1,
  POWER_MANAGEMENT: 2,
  EXTERNAL_REQUEST: 3,
  MEDIA: 4,
  MULTI_HOST: 5,
  DEVICE_BUSY: 6,
} as const;

/**
 * Bits of the NOTIFICATION CLASS REQUEST byte (CDB) and of SUPPORTED EVENT CLASSES (header):
 * bit n stands for notification class n.
 */
export const NotificationClassMask = {
  OPERATIONAL_CHANGE: 1 << NotificationClass.OPERATIONAL_CHANGE,
  POWER_MANAGEMENT: 1 << NotificationClass.POWER_MANAGEMENT,
  EXTERNAL_REQUEST: 1 << NotificationClass.EXTERNAL_REQUEST,
  MEDIA: 1 << NotificationClass.MEDIA,
  MULTI_HOST: 1 << NotificationClass.MULTI_HOST,
  DEVICE_BUSY: 1 << NotificationClass.DEVICE_BUSY,
} as const;

/** MEDIA EVENT CODE values of the media event descriptor (4 bits; 7h..Fh reserved). */
export const MediaEventCode = {
  /** NoChg: no media event since the last report. */
  NO_CHG: 0x0,
  /** EjectRequest: the user asked for an eject (button or software). */
  EJECT_REQUEST: 0x1,
  /** NewMedia: a medium was loaded. */
  NEW_MEDIA: 0x2,
  /** MediaRemoval: the medium was removed. */
  MEDIA_REMOVAL: 0x3,
  /** MediaChanged: the medium changed (for example by a changer). */
  MEDIA_CHANGED: 0x4,
  /** BGFormatCompleted: a background format finished. */
  BG_FORMAT_COMPLETED: 0x5,
  /** BGFormatRestarted: a background format was restarted. */
  BG_FORMAT_RESTARTED: 0x6,
} as const;

/** Length of the event header. */
export const EVENT_HEADER_LENGTH = 4;

/** Length of every class-specific event descriptor, the media one included. */
export const EVENT_DESCRIPTOR_LENGTH = 4;

export interface GetEventStatusNotificationCdb {
  /** Polled operation (the only mode most drives implement). */
  readonly polled: boolean;
  /** Bit mask of requested classes; see NotificationClassMask. */
  readonly notificationClassRequest: number;
  /** 0..65535 bytes. */
  readonly allocationLength: number;
}

export type GetEventStatusNotificationOptions = Pick<
  GetEventStatusNotificationCdb,
  'notificationClassRequest'
> &
  Partial<Omit<GetEventStatusNotificationCdb, 'notificationClassRequest'>>;

/** Default allocation length: the header and one event descriptor. */
export const GESN_DEFAULT_ALLOCATION_LENGTH = EVENT_HEADER_LENGTH + EVENT_DESCRIPTOR_LENGTH;

// byte 0      OPERATION CODE (4Ah)
// byte 1      bit 0 Polled
// byte 2..3   reserved
// byte 4      NOTIFICATION CLASS REQUEST
// byte 5..6   reserved
// byte 7..8   ALLOCATION LENGTH
// byte 9      CONTROL
export function encodeGetEventStatusNotificationCdb(
  o: GetEventStatusNotificationOptions,
): Uint8Array {
  const w = new ByteWriter(10);
  w.u8(0, Opcode.GET_EVENT_STATUS_NOTIFICATION);
  w.flag(1, 0, o.polled ?? true); // Polled
  w.u8(4, o.notificationClassRequest, 'NOTIFICATION CLASS REQUEST');
  w.u16(7, o.allocationLength ?? GESN_DEFAULT_ALLOCATION_LENGTH, 'ALLOCATION LENGTH');
  return w.bytes;
}

export function decodeGetEventStatusNotificationCdb(
  cdb: Uint8Array,
): GetEventStatusNotificationCdb {
  const r = new ByteReader(cdb);
  r.need(0, 10, 'GET EVENT STATUS NOTIFICATION CDB');
  if (r.u8(0) !== Opcode.GET_EVENT_STATUS_NOTIFICATION) {
    throw new MalformedDataError('not a GET EVENT STATUS NOTIFICATION CDB');
  }
  return {
    polled: r.bit(1, 0),
    notificationClassRequest: r.u8(4),
    allocationLength: r.u16(7),
  };
}

/** GET EVENT STATUS NOTIFICATION request; polled, 8 bytes unless told otherwise. */
export function getEventStatusNotification(o: GetEventStatusNotificationOptions): ScsiCommand {
  return scsiCommand(
    'GET EVENT STATUS NOTIFICATION',
    encodeGetEventStatusNotificationCdb(o),
    'in',
    { allocationLength: o.allocationLength ?? GESN_DEFAULT_ALLOCATION_LENGTH },
  );
}

/** A decoded reply: the event header and the raw class-specific event descriptor. */
export interface EventStatusNotification {
  /** The header's Event Data Length: bytes after the field in the complete reply. */
  readonly eventDataLength: number;
  /** No Event Available: no descriptor follows (none of the requested classes is supported). */
  readonly nea: boolean;
  /** The class of the event reported; see NotificationClass. */
  readonly notificationClass: number;
  /** Bit mask of the classes the drive supports; see NotificationClassMask. */
  readonly supportedEventClasses: number;
  /** The event descriptor bytes present (normally 4; empty with NEA). */
  readonly eventData: Uint8Array;
  /** Fewer bytes than 2 + eventDataLength arrived. */
  readonly truncated: boolean;
}

/** What the virtual drive needs to build a reply. */
export type EventStatusNotificationReply = Omit<
  EventStatusNotification,
  'eventDataLength' | 'truncated'
>;

export function decodeGetEventStatusNotificationData(bytes: Uint8Array): EventStatusNotification {
  const r = new ByteReader(bytes);
  r.need(0, EVENT_HEADER_LENGTH, 'event header');
  const eventDataLength = r.u16(0);
  if (eventDataLength < EVENT_HEADER_LENGTH - 2) {
    throw new MalformedDataError(`Event Data Length ${eventDataLength} is below 2`);
  }
  const nea = r.bit(2, 7);
  // Some emulated drives (QEMU, Bochs) count only the 4-byte event descriptor, not the two header
  // bytes after the field. A standard reply that carries an event is never that short (it says 6),
  // so a length of 4 without NEA is read as "descriptor only" rather than losing the event.
  const descriptorOnly = !nea && eventDataLength === EVENT_DESCRIPTOR_LENGTH;
  const declaredEnd = descriptorOnly
    ? EVENT_HEADER_LENGTH + EVENT_DESCRIPTOR_LENGTH
    : 2 + eventDataLength;
  const end = Math.min(bytes.length, declaredEnd);
  return {
    eventDataLength,
    nea,
    notificationClass: r.bits(2, 0, 0x07),
    supportedEventClasses: r.u8(3),
    eventData: r.slice(EVENT_HEADER_LENGTH, end - EVENT_HEADER_LENGTH),
    truncated: bytes.length < declaredEnd,
  };
}

// byte 0..1  EVENT DATA LENGTH (bytes after this field: 2 + event descriptor)
// byte 2     bit 7 NEA, bits 2..0 NOTIFICATION CLASS
// byte 3     SUPPORTED EVENT CLASSES
// byte 4..   event descriptor (4 bytes for every defined class; none with NEA)
export function encodeGetEventStatusNotificationData(v: EventStatusNotificationReply): Uint8Array {
  if (v.eventData.length % EVENT_DESCRIPTOR_LENGTH !== 0) {
    throw invalidArgument(
      `event descriptors are 4 bytes each, got ${v.eventData.length} bytes of event data`,
    );
  }
  const w = new ByteWriter(EVENT_HEADER_LENGTH + v.eventData.length);
  w.u16(0, 2 + v.eventData.length, 'EVENT DATA LENGTH');
  w.flag(2, 7, v.nea); // NEA
  w.bits(2, 0, 0x07, v.notificationClass, 'NOTIFICATION CLASS');
  w.u8(3, v.supportedEventClasses, 'SUPPORTED EVENT CLASSES');
  w.bytesAt(EVENT_HEADER_LENGTH, v.eventData, 'event descriptor');
  return w.bytes;
}

/** The media event class descriptor (notification class 4). */
export interface MediaEventDescriptor {
  /** See MediaEventCode, 0..15. */
  readonly mediaEventCode: number;
  readonly mediaPresent: boolean;
  readonly doorOrTrayOpen: boolean;
  /** Changer slots the event applies to (0 on single-slot drives). */
  readonly startSlot: number;
  readonly endSlot: number;
}

// byte 0  bits 3..0 MEDIA EVENT CODE
// byte 1  bit 1 Media Present, bit 0 Door or Tray Open
// byte 2  START SLOT
// byte 3  END SLOT
export function encodeMediaEventDescriptor(v: MediaEventDescriptor): Uint8Array {
  const w = new ByteWriter(EVENT_DESCRIPTOR_LENGTH);
  w.bits(0, 0, 0x0f, v.mediaEventCode, 'MEDIA EVENT CODE');
  w.flag(1, 1, v.mediaPresent); // Media Present
  w.flag(1, 0, v.doorOrTrayOpen); // Door or Tray Open
  w.u8(2, v.startSlot, 'START SLOT');
  w.u8(3, v.endSlot, 'END SLOT');
  return w.bytes;
}

/** Decodes `EventStatusNotification.eventData` of a media class event (4 bytes needed). */
export function decodeMediaEventDescriptor(eventData: Uint8Array): MediaEventDescriptor {
  const r = new ByteReader(eventData);
  r.need(0, EVENT_DESCRIPTOR_LENGTH, 'media event descriptor');
  return {
    mediaEventCode: r.bits(0, 0, 0x0f),
    mediaPresent: r.bit(1, 1),
    doorOrTrayOpen: r.bit(1, 0),
    startSlot: r.u8(2),
    endSlot: r.u8(3),
  };
}

/**
 * The media event of a reply, or undefined when the reply carries none (NEA, another class, or a
 * descriptor cut off by the allocation length).
 */
export function mediaEventOf(v: EventStatusNotification): MediaEventDescriptor | undefined {
  if (v.nea || v.notificationClass !== NotificationClass.MEDIA) return undefined;
  if (v.eventData.length < EVENT_DESCRIPTOR_LENGTH) return undefined;
  return decodeMediaEventDescriptor(v.eventData);
}

/** A complete media class reply for the virtual drive. */
export function encodeMediaEventStatus(
  event: MediaEventDescriptor,
  supportedEventClasses: number = NotificationClassMask.MEDIA,
): Uint8Array {
  return encodeGetEventStatusNotificationData({
    nea: false,
    notificationClass: NotificationClass.MEDIA,
    supportedEventClasses,
    eventData: encodeMediaEventDescriptor(event),
  });
}

/** A "no event available" reply (NEA set, header only). */
export function encodeNoEventAvailable(supportedEventClasses: number): Uint8Array {
  return encodeGetEventStatusNotificationData({
    nea: true,
    notificationClass: NotificationClass.NONE,
    supportedEventClasses,
    eventData: new Uint8Array(0),
  });
}
