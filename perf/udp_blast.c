/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The local traffic source of the kernel IP-in-IP comparison: sends UDP
 * datagrams to --mns home addresses (from --base, one after the other,
 * round robin) with sendmmsg, until --packets are sent or --seconds pass,
 * whichever comes first. Prints one JSON object: packets sent, wall time and
 * this process's user and system CPU time (on a veth, delivery and the
 * receiving namespace's forwarding run in the sender's softirq context, so
 * they are charged here).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLAST_BATCH 64

static double blast_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double blast_tv(const struct timeval *tv)
{
	return (double)tv->tv_sec + tv->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "mns", required_argument, NULL, 'n' },
		{ "packets", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "payload", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in dst[BLAST_BATCH];
	struct mmsghdr msg[BLAST_BATCH];
	struct iovec iov;
	uint8_t payload[1400];
	struct in_addr base = { 0 };
	unsigned long mns = 100, packets = 100000, sent = 0, errors = 0;
	double seconds = 1, t0, t1;
	size_t plen = 18; /* 64-byte Ethernet frames */
	struct rusage ru;
	int o, fd;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			if (inet_pton(AF_INET, optarg, &base) != 1)
				return 2;
			break;
		case 'n': mns = strtoul(optarg, NULL, 10); break;
		case 'p': packets = strtoul(optarg, NULL, 10); break;
		case 's': seconds = atof(optarg); break;
		case 'l': plen = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s --base A.B.C.D --mns N --packets N --seconds S "
				"[--payload BYTES]\n", argv[0]);
			return 2;
		}
	}
	if (base.s_addr == 0 || mns == 0 || plen > sizeof(payload) || seconds <= 0 ||
	    seconds > 60) {
		fprintf(stderr, "udp_blast: bad arguments\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp_blast: socket");
		return 1;
	}
	memset(payload, 0x5a, sizeof(payload));
	iov.iov_base = payload;
	iov.iov_len = plen;
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BLAST_BATCH; i++) {
		dst[i].sin_family = AF_INET;
		dst[i].sin_port = htons(9);
		msg[i].msg_hdr.msg_name = &dst[i];
		msg[i].msg_hdr.msg_namelen = sizeof(dst[i]);
		msg[i].msg_hdr.msg_iov = &iov;
		msg[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = blast_now();
	t1 = t0;
	while (sent < packets && t1 - t0 < seconds) {
		unsigned int n = packets - sent < BLAST_BATCH ? (unsigned int)(packets - sent)
							     : BLAST_BATCH;

		for (unsigned int i = 0; i < n; i++)
			dst[i].sin_addr.s_addr = htonl(ntohl(base.s_addr) + (uint32_t)((sent + i) % mns));
		int r = sendmmsg(fd, msg, n, 0);

		if (r < 0) {
			/* a full queue or a transient error: counted, bounded by time */
			errors++;
			if (errno != ENOBUFS && errno != EAGAIN && errno != ENETUNREACH &&
			    errno != EHOSTUNREACH) {
				perror("udp_blast: sendmmsg");
				return 1;
			}
		} else {
			sent += (unsigned long)r;
		}
		if ((sent & 1023) < BLAST_BATCH)
			t1 = blast_now();
	}
	t1 = blast_now();
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"sent\":%lu,\"errors\":%lu,\"wall\":%.6f,\"user\":%.6f,\"sys\":%.6f}\n", sent,
	       errors, t1 - t0, blast_tv(&ru.ru_utime), blast_tv(&ru.ru_stime));
	close(fd);
	return 0;
}
