/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-nfd.h: node labels (dc-labels.h) for Kubernetes'
 * node-feature-discovery: its feature file ("name=value" lines), written
 * atomically and kept current. */
#pragma once

#include <glib.h>

#include "dc-answerer.h"
#include "dc-registry.h"

/* "name=value\n" lines, sorted by name. */
char *dc_nfd_format (GHashTable *labels);

/* Writes @labels to @path atomically unless it already holds exactly
 * them; *changed tells which. */
gboolean dc_nfd_write (const char *path, GHashTable *labels,
                       gboolean *changed, GError **error);

/* Keeps @path current: writes the host's labels now and again whenever
 * the registry's answers change (coalesced over @delay_ms). Where no
 * emulator answers for the host's arch the file is emptied, so the
 * cluster stops promising what the node cannot do. */
typedef struct _DcNfdWriter DcNfdWriter;

DcNfdWriter *dc_nfd_writer_new (DcRegistry *registry, DcAnswerer *answerer,
                                const char *path, guint delay_ms);
void dc_nfd_writer_free (DcNfdWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcNfdWriter, dc_nfd_writer_free)
