/*
 * The iSCSI baseline of bench/iscsi.ts: writes a file to an MMC logical unit with libiscsi's
 * WRITE(10) at a fixed transfer size (64 KiB by default) from LBA 0 -- the same command stream
 * discwright's engine sends. Queue depth 1 (the default) uses the synchronous call, one command
 * in flight; a larger depth keeps that many asynchronous WRITE(10)s in flight (libiscsi's
 * iscsi_write10_task and its poll()/iscsi_service() loop; libiscsi sends them SIMPLE). Prints one JSON sample (wall time of
 * the WRITE loop, CPU seconds of the loop, peak RSS) like dist/bench/dw-write.js.
 *
 * Built by bench/iscsi.ts at bench time (gcc -O2 ... -liscsi, Debian package libiscsi-dev); never
 * committed as a binary.
 *
 *   libiscsi-write <iscsi://host:port/iqn/lun> <data file> <bytes> [transfer bytes] [queue depth]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <poll.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define BLOCK_SIZE 2048

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_sec(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static int fail(const char *what, struct iscsi_context *iscsi)
{
	fprintf(stderr, "libiscsi-write: %s: %s\n", what, iscsi ? iscsi_get_error(iscsi) : "");
	return 1;
}

/* The queued loop's state: buffers in flight and the first failure. */
struct queue {
	int in_flight;
	int failed;
	unsigned char **free_bufs;
	int free_count;
};

struct slot {
	struct queue *q;
	unsigned char *buf;
	uint32_t lba;
};

static void write_done(struct iscsi_context *iscsi, int status, void *command_data, void *private)
{
	struct slot *s = private;
	struct scsi_task *t = command_data;
	(void)iscsi;
	if (status != SCSI_STATUS_GOOD && !s->q->failed) {
		fprintf(stderr, "libiscsi-write: WRITE(10) at LBA %u: status %d\n", s->lba, status);
		s->q->failed = 1;
	}
	if (t != NULL)
		scsi_free_scsi_task(t);
	s->q->in_flight--;
	s->q->free_bufs[s->q->free_count++] = s->buf;
	free(s);
}

/* Writes `bytes` from `fd` with up to `depth` WRITE(10)s in flight; 0 on success. */
static int write_queued(struct iscsi_context *iscsi, int lun, int fd, long long bytes,
			int transfer, int depth)
{
	struct queue q = { 0, 0, calloc(depth, sizeof(unsigned char *)), 0 };
	for (int i = 0; i < depth; i++) {
		q.free_bufs[q.free_count] = malloc(transfer);
		if (q.free_bufs[q.free_count++] == NULL)
			return 1;
	}
	uint32_t lba = 0;
	long long done = 0;
	while ((done < bytes || q.in_flight > 0) && !q.failed) {
		while (done < bytes && q.free_count > 0) {
			int n = bytes - done < transfer ? (int)(bytes - done) : transfer;
			unsigned char *buf = q.free_bufs[--q.free_count];
			for (int got = 0; got < n;) {
				ssize_t r = read(fd, buf + got, n - got);
				if (r <= 0) {
					fprintf(stderr, "libiscsi-write: the data file is too short\n");
					return 1;
				}
				got += r;
			}
			struct slot *s = malloc(sizeof *s);
			s->q = &q;
			s->buf = buf;
			s->lba = lba;
			if (iscsi_write10_task(iscsi, lun, lba, buf, n, BLOCK_SIZE, 0, 0, 0, 0, 0,
					       write_done, s) == NULL)
				return fail("WRITE(10)", iscsi);
			q.in_flight++;
			lba += n / BLOCK_SIZE;
			done += n;
		}
		struct pollfd pfd = { iscsi_get_fd(iscsi), iscsi_which_events(iscsi), 0 };
		if (poll(&pfd, 1, 1000) < 0)
			return fail("poll", iscsi);
		if (iscsi_service(iscsi, pfd.revents) < 0)
			return fail("service", iscsi);
	}
	return q.failed;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s <iscsi-url> <data file> <bytes> [transfer bytes]\n",
			argv[0]);
		return 2;
	}
	const char *url_text = argv[1];
	long long bytes = atoll(argv[3]);
	int transfer = argc > 4 ? atoi(argv[4]) : 65536;
	int depth = argc > 5 ? atoi(argv[5]) : 1;
	if (bytes <= 0 || bytes % BLOCK_SIZE != 0 || transfer <= 0 || transfer % BLOCK_SIZE != 0 ||
	    depth < 1) {
		fprintf(stderr, "libiscsi-write: sizes must be positive multiples of %d\n",
			BLOCK_SIZE);
		return 2;
	}
	int fd = open(argv[2], O_RDONLY);
	if (fd < 0) {
		perror("libiscsi-write: open");
		return 1;
	}
	unsigned char *buf = malloc(transfer);
	if (buf == NULL)
		return 1;

	struct iscsi_context *iscsi = iscsi_create_context("iqn.2026-11.test:libiscsi-bench");
	if (iscsi == NULL)
		return fail("create context", NULL);
	struct iscsi_url *url = iscsi_parse_full_url(iscsi, url_text);
	if (url == NULL)
		return fail("parse url", iscsi);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_targetname(iscsi, url->target);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0)
		return fail("login", iscsi);

	/* The first command after login meets the target's unit attention (06/29/00). */
	for (int i = 0; i < 3; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(iscsi, url->lun);
		int good = t != NULL && t->status == SCSI_STATUS_GOOD;
		if (t != NULL)
			scsi_free_scsi_task(t);
		if (good)
			break;
	}

	double cpu0 = cpu_sec();
	double t0 = now_ms();
	uint32_t lba = 0;
	if (depth > 1 && write_queued(iscsi, url->lun, fd, bytes, transfer, depth) != 0)
		return 1;
	for (long long done = depth > 1 ? bytes : 0; done < bytes;) {
		int n = bytes - done < transfer ? (int)(bytes - done) : transfer;
		for (int got = 0; got < n;) {
			ssize_t r = read(fd, buf + got, n - got);
			if (r <= 0) {
				fprintf(stderr, "libiscsi-write: the data file is too short\n");
				return 1;
			}
			got += r;
		}
		struct scsi_task *t =
			iscsi_write10_sync(iscsi, url->lun, lba, buf, n, BLOCK_SIZE, 0, 0, 0, 0, 0);
		if (t == NULL)
			return fail("WRITE(10)", iscsi);
		if (t->status != SCSI_STATUS_GOOD) {
			fprintf(stderr, "libiscsi-write: WRITE(10) at LBA %u: status %d, sense %x/%02x/%02x\n",
				lba, t->status, t->sense.key, t->sense.ascq >> 8, t->sense.ascq & 0xff);
			return 1;
		}
		scsi_free_scsi_task(t);
		lba += n / BLOCK_SIZE;
		done += n;
	}
	double ms = now_ms() - t0;
	double cpu = cpu_sec() - cpu0;

	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	close(fd);
	free(buf);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"ms\":%.3f,\"bytes\":%lld,\"cpuSec\":%.6f,\"maxRssBytes\":%ld}\n", ms, bytes, cpu,
	       ru.ru_maxrss * 1024L);
	return 0;
}
