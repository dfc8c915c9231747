// SPDX-License-Identifier: GPL-2.0
/*
 * Load generator for the benchmarks: sends UDP datagrams of SIZE bytes to
 * HOST PORT as fast as sendmmsg allows for SECONDS, then prints how many it
 * sent. Bounded in time by design.
 *   udpflood HOST PORT SECONDS [SIZE]
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	static char payload[65536];
	unsigned long long sent = 0;
	double secs, start;
	int fd, size;

	if (argc < 4) {
		fprintf(stderr, "usage: udpflood HOST PORT SECONDS [SIZE]\n");
		return 2;
	}
	secs = atof(argv[3]);
	size = argc > 4 ? atoi(argv[4]) : 200;
	if (secs <= 0 || secs > 60 || size < 1 || size > 1472) {
		fprintf(stderr, "udpflood: SECONDS in (0,60], SIZE in [1,1472]\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai)) {
		fprintf(stderr, "udpflood: bad address %s %s\n", argv[1], argv[2]);
		return 2;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		perror("udpflood");
		return 1;
	}
	memcpy(payload, "OPTIONS sip:bench SIP/2.0\r\n", 27);
	iov.iov_base = payload;
	iov.iov_len = size;
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now();
	while (now() - start < secs) {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0)
			sent += n;
	}
	printf("sent %llu packets in %.2f s (%.0f pps)\n", sent, secs, sent / secs);
	freeaddrinfo(ai);
	close(fd);
	return 0;
}
