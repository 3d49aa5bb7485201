/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-arch.h: QEMU target names, libvirt architecture names, and which
 * guest arches a host can run under KVM. Pure data, no I/O. */
#pragma once

#include <glib.h>

/* libvirt's name for a QEMU target (query-target's "arch"): i386 -> i686,
 * arm -> armv7l, hppa -> parisc, or1k -> openrisc; others unchanged. */
const char *dc_arch_from_qemu_target (const char *target);

/* libvirt's name for the running kernel's machine (uname -m). */
const char *dc_arch_from_uname (const char *machine);

/* Every libvirt arch an emulator of @arch can run, @arch first
 * (x86_64 also runs i686, aarch64 armv7l, ppc64 ppc64le, armv7l armv6l).
 * Returns a NULL-terminated array of static strings; free with g_free(). */
const char **dc_arch_runnable (const char *arch);

/* The arch an emulator's file name promises ("qemu-system-x86_64-microvm"
 * promises x86_64), used only as a hint before probing; NULL if none. */
char *dc_arch_hint_from_name (const char *basename);

/* Whether a host of @host_arch can run a guest of @guest_arch under KVM. */
gboolean dc_arch_kvm_compatible (const char *host_arch, const char *guest_arch);

/* x86_64 or i686 (libvirt's names). */
gboolean dc_arch_is_x86 (const char *arch);
/* aarch64, armv7l or armv6l. */
gboolean dc_arch_is_arm (const char *arch);

/* The machine libvirt 11 answers for when none is asked, before QEMU's
 * own default (virt on ARM and RISC-V), or NULL. */
const char *dc_arch_preferred_machine (const char *arch);

/* The machine libvirt has always taken for @arch when QEMU names no
 * default and the preferred one is missing (integratorcp for ARM), or NULL. */
const char *dc_arch_fallback_machine (const char *arch);

/* libvirt's arches in its own order (the order of <guest> elements in
 * host capabilities), with the word size it gives each. */
typedef struct {
  const char *name;
  guint wordsize;
} DcArchInfo;
const DcArchInfo *dc_arch_all (gsize *n);

/* The name libvirt gives a qemu-system-NAME binary for @arch when it
 * looks one up (i686 -> i386, armv6l and armv7l -> arm). */
const char *dc_arch_binary_name (const char *arch);
