// SPDX-License-Identifier: GPL-2.0
/*
 * Baseline receiver for the benchmarks: a plain UDP socket (recvmmsg) bound
 * to PORT counting datagrams for SECONDS after the first one arrives.
 *   udpsink PORT SECONDS
 */
#include <arpa/inet.h>
#include <netinet/in.h>
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
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	static char bufs[BATCH][2048];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	unsigned long long got = 0;
	double secs, start = 0, deadline;
	int fd, rcvbuf = 8 << 20, off = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: udpsink PORT SECONDS\n");
		return 2;
	}
	sa.sin6_port = htons(atoi(argv[1]));
	secs = atof(argv[2]);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udpsink");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	deadline = now() + secs + 10; /* give up if nothing ever comes */
	while (now() < deadline) {
		int n = recvmmsg(fd, msgs, BATCH, 0, NULL);

		if (n <= 0)
			continue;
		if (!start) {
			start = now();
			deadline = start + secs;
		}
		got += n;
	}
	printf("received %llu packets in %.2f s (%.0f pps)\n", got, secs, got / secs);
	close(fd);
	return 0;
}
