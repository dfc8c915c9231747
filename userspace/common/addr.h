/* SPDX-License-Identifier: GPL-2.0 */
/* struct pcscf_addr (16 bytes, IPv4 v4-mapped) from and to text. */
#ifndef PCSCF_ADDR_H
#define PCSCF_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define ADDR_STR_LEN 46 /* INET6_ADDRSTRLEN */

int addr_parse(const char *s, struct pcscf_addr *out);
bool addr_is_v4(const struct pcscf_addr *a);
/* Prints IPv4 as dotted quad, IPv6 as RFC 5952 text. */
const char *addr_str(const struct pcscf_addr *a, char *buf, size_t len);
/* "N", 1-65535 */
int port_parse(const char *s, uint16_t *port);
/* "HOST:PORT" or "[V6]:PORT" */
int hostport_parse(const char *s, struct pcscf_addr *addr, uint16_t *port);
struct sockaddr_storage;
/* sockaddr_in / sockaddr_in6 for a + port (host order); *len set to its size. */
void addr_to_sockaddr(const struct pcscf_addr *a, uint16_t port, struct sockaddr_storage *ss,
		      unsigned int *len);
/* The reverse; port may be NULL. -EAFNOSUPPORT for other families. */
int addr_from_sockaddr(const struct sockaddr_storage *ss, struct pcscf_addr *a, uint16_t *port);
/* "LO-HI" with 1 <= LO <= HI <= 65535 */
int port_range_parse(const char *s, uint16_t *lo, uint16_t *hi);

#endif
