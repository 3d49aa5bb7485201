/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-arch.c: architecture names and KVM compatibility, as data. */
#include "config.h"

#include "dc-arch.h"

#include <string.h>

typedef struct {
  const char *from;
  const char *to;
} ArchPair;

/* QEMU target name -> libvirt arch name, where they differ. */
static const ArchPair qemu_to_libvirt[] = {
  { "i386", "i686" },
  { "arm", "armv7l" },
  { "hppa", "parisc" },
  { "or1k", "openrisc" },
};

/* uname -m -> libvirt arch name, where they differ. */
static const ArchPair uname_to_libvirt[] = {
  { "i386", "i686" },
  { "i486", "i686" },
  { "i586", "i686" },
  { "amd64", "x86_64" },
  { "arm64", "aarch64" },
  { "armv8l", "armv7l" },
};

/* An emulator of the first arch also runs the second. */
static const ArchPair also_runs[] = {
  { "x86_64", "i686" },
  { "aarch64", "armv7l" },
  { "armv7l", "armv6l" },
  { "ppc64", "ppc64le" },
};

/* A host of the first arch runs guests of the second under KVM. */
static const ArchPair kvm_runs[] = {
  { "x86_64", "x86_64" },
  { "x86_64", "i686" },
  { "i686", "i686" },
  { "aarch64", "aarch64" },
  { "aarch64", "armv7l" },   /* 32-bit guests, -cpu host,aarch64=off */
  { "ppc64", "ppc64" },
  { "ppc64", "ppc64le" },
  { "ppc64le", "ppc64" },
  { "ppc64le", "ppc64le" },
  { "s390x", "s390x" },
  { "riscv64", "riscv64" },
  { "loongarch64", "loongarch64" },
  { "mips64el", "mips64el" },
};

/* Machines libvirt prefers to QEMU's default (riscv's is spike, a test
 * board), where the emulator has them. On every other arch libvirt 12.9
 * answers for QEMU 11.1's own default (tests/newest.py checks each). */
static const ArchPair preferred_machines[] = {
  { "aarch64", "virt" },
  { "armv7l", "virt" },
  { "riscv32", "virt" },
  { "riscv64", "virt" },
};

/* Machines for arches whose QEMU names no default machine. */
static const ArchPair fallback_machines[] = {
  { "aarch64", "integratorcp" },
  { "armv7l", "integratorcp" },
  { "armv6l", "integratorcp" },
};

/* The pair's "to" for @name, or NULL. */
static const char *
find_pair (const ArchPair *pairs, gsize n, const char *name)
{
  for (gsize i = 0; i < n; i++)
    if (g_str_equal (pairs[i].from, name))
      return pairs[i].to;
  return NULL;
}

static const char *
lookup (const ArchPair *pairs, gsize n, const char *name)
{
  const char *to = find_pair (pairs, n, name);

  return to ? to : name;
}

const char *
dc_arch_from_qemu_target (const char *target)
{
  return lookup (qemu_to_libvirt, G_N_ELEMENTS (qemu_to_libvirt), target);
}

const char *
dc_arch_from_uname (const char *machine)
{
  return lookup (uname_to_libvirt, G_N_ELEMENTS (uname_to_libvirt), machine);
}

const char **
dc_arch_runnable (const char *arch)
{
  GPtrArray *out = g_ptr_array_new ();

  g_ptr_array_add (out, (gpointer) arch);
  for (gsize i = 0; i < G_N_ELEMENTS (also_runs); i++)
    if (g_str_equal (also_runs[i].from, arch))
      g_ptr_array_add (out, (gpointer) also_runs[i].to);
  g_ptr_array_add (out, NULL);
  return (const char **) g_ptr_array_free (out, FALSE);
}

char *
dc_arch_hint_from_name (const char *basename)
{
  const char *prefix = "qemu-system-";
  const char *rest;
  gsize len;

  if (!g_str_has_prefix (basename, prefix))
    return NULL;
  rest = basename + strlen (prefix);
  len = strcspn (rest, "-");
  if (len == 0)
    return NULL;
  {
    g_autofree char *target = g_strndup (rest, len);
    return g_strdup (dc_arch_from_qemu_target (target));
  }
}

gboolean
dc_arch_kvm_compatible (const char *host_arch, const char *guest_arch)
{
  for (gsize i = 0; i < G_N_ELEMENTS (kvm_runs); i++)
    if (g_str_equal (kvm_runs[i].from, host_arch) &&
        g_str_equal (kvm_runs[i].to, guest_arch))
      return TRUE;
  return FALSE;
}

gboolean
dc_arch_is_x86 (const char *arch)
{
  return g_str_equal (arch, "x86_64") || g_str_equal (arch, "i686");
}

gboolean
dc_arch_is_arm (const char *arch)
{
  static const char *const arm[] = { "aarch64", "armv7l", "armv6l", NULL };

  return g_strv_contains (arm, arch);
}

const char *
dc_arch_preferred_machine (const char *arch)
{
  return find_pair (preferred_machines, G_N_ELEMENTS (preferred_machines), arch);
}

const char *
dc_arch_fallback_machine (const char *arch)
{
  return find_pair (fallback_machines, G_N_ELEMENTS (fallback_machines), arch);
}

/* libvirt's virArch table, in its order, with its word sizes (sh4eb's 64
 * is libvirt's). */
static const DcArchInfo all_arches[] = {
  { "alpha", 64 }, { "armv6l", 32 }, { "armv7l", 32 }, { "armv7b", 32 },
  { "aarch64", 64 }, { "cris", 32 }, { "i686", 32 }, { "ia64", 64 },
  { "lm32", 32 }, { "loongarch64", 64 }, { "m68k", 32 }, { "microblaze", 32 },
  { "microblazeel", 32 }, { "mips", 32 }, { "mipsel", 32 }, { "mips64", 64 },
  { "mips64el", 64 }, { "openrisc", 32 }, { "parisc", 32 }, { "parisc64", 64 },
  { "ppc", 32 }, { "ppcle", 32 }, { "ppc64", 64 }, { "ppc64le", 64 },
  { "ppcemb", 32 }, { "riscv32", 32 }, { "riscv64", 64 }, { "s390", 32 },
  { "s390x", 64 }, { "sh4", 32 }, { "sh4eb", 64 }, { "sparc", 32 },
  { "sparc64", 64 }, { "unicore32", 32 }, { "x86_64", 64 }, { "xtensa", 32 },
  { "xtensaeb", 32 },
};

const DcArchInfo *
dc_arch_all (gsize *n)
{
  *n = G_N_ELEMENTS (all_arches);
  return all_arches;
}

const char *
dc_arch_binary_name (const char *arch)
{
  if (g_str_equal (arch, "i686"))
    return "i386";
  if (g_str_equal (arch, "armv6l") || g_str_equal (arch, "armv7l"))
    return "arm";
  return arch;
}
