/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-file.c: bounded, non-blocking reads of files from outside. */
#include "config.h"

#include "dc-file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <glib/gstdio.h>

static gboolean
fail_errno (const char *path, int errsv, GError **error)
{
  if (errsv == ELOOP)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 "%s is a symbolic link", path);
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                 "Cannot read %s: %s", path, g_strerror (errsv));
  return FALSE;
}

static gboolean
is_dev_null (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && major (st->st_rdev) == 1 && minor (st->st_rdev) == 3;
}

static gboolean
too_large (const char *path, gsize max_size, GError **error)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
               "%s is larger than %" G_GSIZE_FORMAT " bytes", path, max_size);
  return FALSE;
}

/* Reads at most @max_size + 1 bytes of @fd: one more than allowed tells a
 * file that grew since fstat() (or, for a @prefix, @max_size bytes). */
static gboolean
read_all (int fd, const char *path, gsize max_size, gboolean prefix,
          GByteArray *out, GError **error)
{
  guint8 chunk[16384];

  for (;;)
    {
      gsize want = MIN (sizeof chunk, max_size + !prefix - out->len);
      gssize n = want ? read (fd, chunk, want) : 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail_errno (path, errno, error);
      if (n == 0)
        return TRUE;
      g_byte_array_append (out, chunk, n);
      if (out->len > max_size)
        return too_large (path, max_size, error);
    }
}

gboolean
dc_file_read_bounded (const char *path, gsize max_size, DcFileFlags flags,
                      char **contents, gsize *length, GError **error)
{
  int open_flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  struct stat st;
  int fd;
  gboolean ok;

  if (!(flags & DC_FILE_FOLLOW_LINKS))
    open_flags |= O_NOFOLLOW;
  fd = open (path, open_flags);
  if (fd < 0)
    return fail_errno (path, errno, error);
  if (fstat (fd, &st) < 0)
    ok = fail_errno (path, errno, error);
  else if ((flags & DC_FILE_NULL_IS_EMPTY) && is_dev_null (&st))
    ok = TRUE;
  else if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s is not a regular file", path);
      ok = FALSE;
    }
  else if ((guint64) st.st_size > max_size && !(flags & DC_FILE_PREFIX))
    ok = too_large (path, max_size, error);
  else
    ok = read_all (fd, path, max_size, flags & DC_FILE_PREFIX, bytes, error);
  close (fd);
  if (!ok)
    return FALSE;
  *length = bytes->len;
  g_byte_array_append (bytes, (const guint8 *) "", 1);
  *contents = (char *) g_byte_array_free (g_steal_pointer (&bytes), FALSE);
  return TRUE;
}

gboolean
dc_file_dir_has_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) != NULL;
}
