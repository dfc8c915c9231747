/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a streamed control reply stands: the control server asks its handler
 * for the next chunk with the same cursor until done, so a reply of any
 * length (`sa list` with a million SAs) is rendered a chunk at a time as the
 * client reads, never all at once and never blocking the signalling loop.
 */
#ifndef PCSCF_CTL_CURSOR_H
#define PCSCF_CTL_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

struct ctl_cursor {
	bool started; /* header written */
	bool done;    /* last chunk written */
	uint64_t pos; /* handler's position (row number) */
	uint32_t rows;
};

#endif
