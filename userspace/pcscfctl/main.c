// SPDX-License-Identifier: GPL-2.0
/*
 * pcscfctl: the operator's view of pcscfd. Asks the daemon over its control
 * socket; for `stats`, when no daemon answers, reads the pinned maps itself.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "common/outbuf.h"
#include "xdp/xdp_maps.h"
#include "xdp/xdp_loader.h"
#include "xdp/xdp_stats.h"

#define DEF_CTL	     "/run/pcscf/ctl.sock"
#define REPLY_CHUNK  (64 << 10)

static const char *const pin_dirs[] = { "/sys/fs/bpf/pcscf", "/sys/fs/bpf/tc/globals" };

static void usage(FILE *f)
{
	fprintf(f, "usage: pcscfctl [--ctl PATH] [--pin-dir DIR] COMMAND [--json]\n"
		   "commands:\n"
		   "  stats [--json]      XDP verdicts (all CPUs) and per-worker counters\n"
		   "  sa list [--json]    one row per SA: spi, direction, UE, ports, state\n"
		   "                      (temporary, new, old), algorithms, expiry, traffic;\n"
		   "                      without pcscfd: the inbound SAs of the pinned map\n"
		   "  reg list [--json]   registrations: IMPI, UE, expiry, SA sets, IMPU\n"
		   "  both lists stream (any size) and take filters:\n"
		   "    --impi IMPI       one registration (found directly, not by a scan)\n"
		   "    --ue ADDR         a UE address\n"
		   "    --state S         sa list: temporary, new, old; reg list: pending,\n"
		   "                      registered, deregistering, unregistered\n"
		   "    --limit N         at most N rows\n"
		   "  rx [--json]         Rx: PCRF peer states, sessions, AAR/AAA counters\n"
		   "                      by Result-Code and Experimental-Result\n"
		   "  ping                is pcscfd answering\n");
}

/* Sends one request line; returns 0 and prints the reply, or -errno if no daemon. */
static int ask_daemon(const char *path, const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *buf;
	ssize_t r;
	int fd, err = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	if (dprintf(fd, "%s\n", req) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	shutdown(fd, SHUT_WR);
	/* The reply streams (any length) and ends when pcscfd closes the connection. */
	buf = malloc(REPLY_CHUNK);
	while (buf && ((r = read(fd, buf, REPLY_CHUNK)) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0 && fwrite(buf, 1, r, stdout) != (size_t)r)
			break; /* stdout went away (| head): so do we */
	free(buf);
	close(fd);
	return 0;
}

/* Maps pinned by pcscfd (or by ip link), for when no daemon answers. */
static int open_pins(struct pcscf_bpf_handles *h, const char *pin_dir)
{
	int err = -ENOENT;

	for (size_t i = 0; i < sizeof(pin_dirs) / sizeof(pin_dirs[0]) && err; i++) {
		const char *dir = pin_dir ? pin_dir : pin_dirs[i];

		pcscf_handles_init(h);
		err = pcscf_maps_open_pinned(h, dir);
		if (err)
			pcscf_xdp_release(h);
		if (pin_dir)
			break;
	}
	if (err)
		fprintf(stderr, "pcscfctl: pcscfd is not running and no pinned maps found (%s)\n",
			pin_dir ? pin_dir : "/sys/fs/bpf/pcscf, /sys/fs/bpf/tc/globals");
	return err;
}

static int stats_from_pins(const char *pin_dir, bool json)
{
	struct pcscf_bpf_handles h;
	struct pcscf_xdp_stats xs;
	static char out[16384];
	int err = open_pins(&h, pin_dir);

	if (err)
		return err;
	err = xdp_stats_read(h.stats_fd, &xs);
	if (!err) {
		struct outbuf o;

		outbuf_init(&o, out, sizeof(out));
		stats_render(&o, &xs, NULL, 0, json);
		stats_render_end(&o, json);
		err = outbuf_result(&o);
	}
	pcscf_xdp_release(&h);
	if (err < 0) {
		fprintf(stderr, "pcscfctl: reading stats: %s\n", strerror(-err));
		return err;
	}
	fputs(out, stdout);
	return 0;
}

/*
 * Without pcscfd only the classifier's view is left: which inbound SPIs it
 * lets through, to which slot. Generation, state, expiry, keys and ports
 * live in the daemon only (the map holds 2 bytes an SA, pcscf_maps.h).
 */
static int sa_from_pins(const char *pin_dir, bool json)
{
	__u32 key, next, *prev = NULL;
	struct pcscf_sa_tags v;
	struct pcscf_bpf_handles h;
	int err = open_pins(&h, pin_dir), n = 0;

	if (err)
		return err;
	if (h.sa_fd < 0) {
		fprintf(stderr, "pcscfctl: no pinned %s map\n", PCSCF_MAP_SA);
		pcscf_xdp_release(&h);
		return -ENOENT;
	}
	printf(json ? "[" : "%-10s %-3s %8s  (pcscfd not running: classifier map only)\n", "spi",
	       "dir", "slot");
	while (!bpf_map_get_next_key(h.sa_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(h.sa_fd, &key, &v))
			continue;
		for (__u32 i = 0; i < PCSCF_SA_PER_ELEM; i++) {
			__u32 idx = key * PCSCF_SA_PER_ELEM + i;

			if (!v.tag[i] || idx < PCSCF_SA_MAP_BASE)
				continue; /* an array: empty indices too */
			if (json)
				printf("%s{\"spi\":%u,\"dir\":\"in\",\"slot\":%u}", n ? "," : "",
				       pcscf_sa_tag_spi(v.tag[i], idx), pcscf_sa_key_slot(idx));
			else
				printf("0x%08x %-3s %8u\n", pcscf_sa_tag_spi(v.tag[i], idx), "in",
				       pcscf_sa_key_slot(idx));
			n++;
		}
	}
	if (json)
		printf("]\n");
	pcscf_xdp_release(&h);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "impi", required_argument, NULL, 'i' },
		{ "ue", required_argument, NULL, 'u' },
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ 0 },
	};
	char filters[400] = "";
	size_t flen = 0;
	const char *ctl = DEF_CTL, *pin_dir = NULL, *cmd;
	bool json = false;
	char req[256];
	int opt, err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			ctl = optarg;
			break;
		case 'p':
			pin_dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'i':
		case 'u':
		case 's':
		case 'l':
			/* One word each on the control line: no blanks inside a value. */
			if (!*optarg || strpbrk(optarg, " \t\r\n") ||
			    flen + strlen(optarg) + 12 >= sizeof(filters)) {
				fprintf(stderr, "pcscfctl: bad filter value '%s'\n", optarg);
				return 2;
			}
			flen += snprintf(filters + flen, sizeof(filters) - flen, " --%s %s",
					 opt == 'i' ? "impi" : opt == 'u' ? "ue" : opt == 's' ? "state" : "limit",
					 optarg);
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc - 2 && (!strcmp(argv[optind], "sa") || !strcmp(argv[optind], "reg")) &&
	    !strcmp(argv[optind + 1], "list")) {
		snprintf(req, sizeof(req), "%s list", argv[optind]);
		cmd = req;
	} else if (optind == argc - 1) {
		cmd = argv[optind];
	} else {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "stats") && strcmp(cmd, "ping") && strcmp(cmd, "sa list") &&
	    strcmp(cmd, "reg list") && strcmp(cmd, "rx")) {
		fprintf(stderr, "pcscfctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	char line[800];

	if (filters[0] && strcmp(cmd, "sa list") && strcmp(cmd, "reg list")) {
		fprintf(stderr, "pcscfctl: --impi, --ue, --state and --limit go with sa list or reg list\n");
		return 2;
	}
	snprintf(line, sizeof(line), "%s%s%s", cmd, filters, json ? " --json" : "");
	err = ask_daemon(ctl, line);
	if (!err)
		return 0;
	if (!strcmp(cmd, "stats"))
		return stats_from_pins(pin_dir, json) ? 1 : 0;
	if (!strcmp(cmd, "sa list"))
		return sa_from_pins(pin_dir, json) ? 1 : 0;
	fprintf(stderr, "pcscfctl: pcscfd not reachable at %s: %s\n", ctl, strerror(-err));
	return 1;
}
