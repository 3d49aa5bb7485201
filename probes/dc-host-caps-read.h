/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host-caps-read.h: the host part of host capabilities, read from
 * sysfs and procfs below a root that tests can move (as dc-host.h reads
 * the host facts).
 *
 * Every file is read bounded and non-blocking (dc-file.h); what cannot be
 * read, or is not what sysfs would hold (a FIFO, a huge file, a list of
 * more CPUs than any host has), is left out and the reason noted in
 * DcHostCaps.skipped. Reading never fails. */
#pragma once

#include <glib.h>

#include "dc-host-caps.h"
#include "dc-host-facts.h"

/* The largest CPU or NUMA node number taken from a list. */
#define DC_HOST_CAPS_MAX_CPUS 8192
#define DC_HOST_CAPS_MAX_NODES 1024

/* @facts give the arch, the CPU's vendor, signature and microcode and its
 * physical address width, read once by dc_host_facts_read(). Power
 * management is not asked here (it is a D-Bus question:
 * dc_host_caps_read_power()). */
DcHostCaps *dc_host_caps_read (const char *root, const DcHostFacts *facts);

/* Asks systemd-logind which sleep states the host can enter, as libvirt
 * does, and sets @caps->power; bounded by @timeout_ms. Without a system
 * bus or logind, none. */
void dc_host_caps_read_power (DcHostCaps *caps, int timeout_ms);

/* A CPU list ("0-3,8") parsed into ascending numbers, or NULL if it is
 * malformed or names a number above @max. */
GArray *dc_host_caps_parse_list (const char *text, guint max);
/* The same numbers as libvirt formats them ("0-3,8"). */
char *dc_host_caps_format_list (const GArray *numbers);
