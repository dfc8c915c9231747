/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CK/IK out of a raw SIP message from the core, before libosip2 or anything
 * else copies it (TS 33.203 7.1: the P-CSCF is the last hop that may see them).
 */
#ifndef PCSCF_PROXY_RAW_KEYS_H
#define PCSCF_PROXY_RAW_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "sip/www_auth.h"

struct raw_keys {
	int status; /* 0: ck and ik found; -ENOENT: one or both absent; -EINVAL: malformed */
	uint8_t ck[AKA_KEY_LEN], ik[AKA_KEY_LEN];
};

/*
 * Walks every WWW-Authenticate and Proxy-Authenticate header of the message in
 * @buf (names in any case, folded lines included), takes the ck and ik
 * parameters (any case, quoted or not) and overwrites each such parameter,
 * name and value, with spaces in @buf, whether or not its value is usable.
 * Then every case spelling of the keys' hex text left anywhere in @buf is
 * overwritten with '0'. A ck/ik without a value, or with a quote that never
 * closes, blanks the rest of that header. Two different values for one key
 * make status -EINVAL. Never reads or writes outside buf[0..len).
 */
void raw_keys_take(char *buf, size_t len, struct raw_keys *k);

#endif
