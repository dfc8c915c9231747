// SPDX-License-Identifier: GPL-2.0
/*
 * Step output: human lines ("-> ...", "<- ...", "   ...") or one JSON object
 * per line with --json. Never key material: CK/IK/RES stay out of the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "imsue/ue.h"

uint64_t ue_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void ue_say(const struct ue *u, const char *event, const char *fmt, ...)
{
	char text[2048], impi[UE_STR];
	va_list ap;

	if (u->cfg->quiet && strcmp(event, "error"))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (u->cfg->json) {
		printf("{\"ue\":%u,\"impi\":", u->idx);
		json_str(stdout, ue_impi(u, impi, sizeof(impi)));
		printf(",\"t_ms\":%llu,\"event\":",
		       (unsigned long long)(ue_now_ms() - u->t_start_ms));
		json_str(stdout, event);
		printf(",\"text\":");
		json_str(stdout, text);
		printf("}\n");
	} else if (u->cfg->quiet) {
		printf("[ue %u %s] %s\n", u->idx, ue_impi(u, impi, sizeof(impi)), text);
	} else {
		printf("%s\n", text);
	}
	fflush(stdout);
}
