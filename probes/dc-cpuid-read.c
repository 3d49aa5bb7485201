/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-cpuid-read.c: CPUID, by the instruction or from a test's recording. */
#include "config.h"

#include "dc-cpuid-read.h"

#include <fcntl.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "dc-cpuid.h"

static gboolean
read_raw (const char *root, guint32 leaf, guint32 subleaf, guint32 regs[4])
{
  g_autofree char *path = NULL;
  int fd;
  ssize_t n;

#if defined(__x86_64__) || defined(__i386__)
  if (g_str_equal (root, "/"))
    {
      __cpuid_count (leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
      return TRUE;
    }
#endif
  path = g_build_filename (root, "dev", "cpu", "0", "cpuid", NULL);
  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);   /* a FIFO: no wait */
  if (fd < 0)
    return FALSE;
  n = pread (fd, regs, 16, (off_t) (16 * (((guint64) subleaf << 32) | leaf)));
  close (fd);
  return n == 16;
}

gboolean
dc_cpuid_read (const char *root, guint32 leaf, guint32 subleaf, guint32 regs[4])
{
  guint32 range[4];

  /* the range's first leaf tells the highest one of that range */
  if (!read_raw (root, leaf & 0xffff0000, 0, range) || leaf > range[0])
    return FALSE;
  /* leaf 7 tells its highest subleaf */
  if (leaf == 7 && subleaf > 0 && (!read_raw (root, 7, 0, range) || subleaf > range[0]))
    return FALSE;
  return read_raw (root, leaf, subleaf, regs);
}

GPtrArray *
dc_cpuid_read_features (const char *root)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  gsize n;
  const DcCpuidFeature *table = dc_cpuid_features (&n);
  guint32 regs[4] = { 0 };
  gboolean have = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      const DcCpuidFeature *f = &table[i];

      if (i == 0 || f->leaf != table[i - 1].leaf || f->subleaf != table[i - 1].subleaf)
        have = dc_cpuid_read (root, f->leaf, f->subleaf, regs);
      if (have && (regs[f->reg] >> f->bit & 1))
        g_ptr_array_add (names, g_strdup (f->name));
    }
  return names;
}
