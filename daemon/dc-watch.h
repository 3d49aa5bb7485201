/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-watch.h: watching directories, with bursts coalesced.
 *
 * Each watched directory carries a kind (a bit). Any change in it marks
 * that kind; once no change has come for @quiet_ms (or @max_delay_ms after
 * the first, whichever is first), the callback runs once with every kind
 * marked since. A package upgrade that touches many files thus costs one
 * rescan, not one per file. */
#pragma once

#include <glib.h>

typedef void (*DcWatchFunc) (guint kinds, gpointer user_data);

typedef struct _DcWatch DcWatch;

DcWatch *dc_watch_new (guint quiet_ms, guint max_delay_ms, DcWatchFunc func,
                       gpointer user_data);
void dc_watch_free (DcWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcWatch, dc_watch_free)

/* Watches exactly @dirs for @kind (adding and dropping monitors to match).
 * A directory that does not exist yet is watched for its creation. */
void dc_watch_set_dirs (DcWatch *watch, guint kind, const char *const *dirs);
