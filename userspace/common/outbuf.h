/* SPDX-License-Identifier: GPL-2.0 */
/* Appending formatted text to a caller's fixed buffer, remembering overflow. */
#ifndef PCSCF_OUTBUF_H
#define PCSCF_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct outbuf {
	char *p;
	size_t cap, len;
	bool overflow;
};

static inline void outbuf_init(struct outbuf *o, char *buf, size_t cap)
{
	*o = (struct outbuf){ .p = buf, .cap = cap };
	if (cap)
		buf[0] = '\0';
	else
		o->overflow = true;
}

void outbuf_printf(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* n bytes of s, as they are. */
void outbuf_put(struct outbuf *o, const char *s, size_t n);

/* Length written, or -ENOSPC (and an empty string) when something did not fit. */
int outbuf_result(const struct outbuf *o);

#endif
