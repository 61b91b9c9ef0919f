/*
 * A stand-in for Windows' DeviceIoControl, for tests on machines without Windows. The SPTI
 * transport binds it under the same name and declaration and calls it as it calls the real one:
 * asynchronously, on a koffi worker thread, with the addresses of its native buffers. Like a
 * port driver it touches those buffers only on that thread, after a delay in which the caller's
 * JavaScript runs (and collects garbage).
 *
 * IOCTL_STORAGE_GET_DEVICE_NUMBER: CD-ROM device 0.
 * IOCTL_STORAGE_QUERY_PROPERTY: an adapter of 1 MiB and 17 pages, no alignment; a bare device.
 * IOCTL_SCSI_PASS_THROUGH_DIRECT (x64 layout):
 *   data-in: byte i of the buffer is (cdb[1] + 31*i + (i >> 8)) & 0xff, all of it moved, GOOD;
 *   otherwise CHECK CONDITION with 18 bytes of fixed sense whose Information field (bytes 3..6)
 *   is the FNV-1a hash of the CDB and whose Command-Specific Information (bytes 8..11) is the
 *   hash of the data-out bytes, both big-endian; so the caller can check what arrived.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static unsigned delay_us = 0;

void fake_spti_configure(unsigned delay)
{
	delay_us = delay;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t get32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static int pass_through(uint8_t *sptd, uint32_t size)
{
	if (size < 56 || sptd[0] != 56)
		return 0;
	uint8_t cdb_len = sptd[6];
	uint8_t sense_len = sptd[7];
	uint8_t data_in = sptd[8];
	uint32_t length = get32le(sptd + 12);
	uint64_t addr;
	memcpy(&addr, sptd + 24, 8);
	uint8_t *data = (uint8_t *)(uintptr_t)addr;
	uint32_t sense_offset = get32le(sptd + 32);
	const uint8_t *cdb = sptd + 36;
	if (data_in == 1) {
		for (uint32_t i = 0; i < length; i++)
			data[i] = (uint8_t)(cdb[1] + 31 * i + (i >> 8));
		sptd[2] = 0;
		sptd[7] = 0;
		return 1;
	}
	uint8_t sense[18] = { 0x70, 0, 0 };
	put32be(sense + 3, fnv1a(cdb, cdb_len));
	sense[7] = 10;
	put32be(sense + 8, fnv1a(length > 0 ? data : NULL, length));
	if (sense_len > 18)
		sense_len = 18;
	if (sense_offset + sense_len <= size)
		memcpy(sptd + sense_offset, sense, sense_len);
	sptd[2] = 2;
	sptd[7] = sense_len;
	return 1;
}

int DeviceIoControl(void *h, uint32_t code, void *in, uint32_t in_size, void *out,
		    uint32_t out_size, uint32_t *returned, void *overlapped)
{
	(void)h;
	(void)overlapped;
	if (delay_us > 0)
		usleep(delay_us);
	uint8_t *o = out;
	*returned = 0;
	switch (code) {
	case 0x4d014: /* IOCTL_SCSI_PASS_THROUGH_DIRECT */
		if (in != out || !pass_through(o, out_size))
			return 0;
		*returned = out_size;
		return 1;
	case 0x2d1080: /* IOCTL_STORAGE_GET_DEVICE_NUMBER */
		if (out_size < 12)
			return 0;
		put32le(o, 2);
		put32le(o + 4, 0);
		put32le(o + 8, 0xffffffffu);
		*returned = 12;
		return 1;
	case 0x2d1400: /* IOCTL_STORAGE_QUERY_PROPERTY */
		if (in_size < 12 || out_size < 36)
			return 0;
		memset(o, 0, 36);
		put32le(o + 4, 36);
		if (get32le(in) == 1) {
			put32le(o + 8, 0x100000);
			put32le(o + 12, 17);
			o[24] = 1;
		} else {
			o[8] = 5;
		}
		*returned = 36;
		return 1;
	default:
		return 0;
	}
}
