/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-nfd.h: node labels for Kubernetes' node-feature-discovery.
 *
 * The labels KubeVirt's node labeller derives from `virsh domcapabilities`
 * (cpu-model.node.kubevirt.io/<model>, host-model-cpu..., cpu-feature...,
 * hyperv..., machine-type..., kubevirt.io/sev, ...), derived here from the
 * same answer and the facts behind it, and written as an NFD feature file
 * ("name=value" lines). docs/kubernetes.md lists every label. */
#pragma once

#include <glib.h>

#include "dc-facts.h"
#include "dc-answerer.h"
#include "dc-registry.h"

/* Whether @name=@value is a valid Kubernetes label: an optional prefix
 * (a DNS subdomain of at most 253 characters) and '/', a name of 1 to 63
 * characters [A-Za-z0-9._-] starting and ending alphanumeric, and a value
 * of at most 63 such characters (may be empty). */
gboolean dc_nfd_label_valid (const char *name, const char *value);

/* The labels (name -> value) for the answer @xml, computed for the
 * emulator whose @facts it came from. Labels that Kubernetes would refuse
 * (a model name too long, say) are left out. */
GHashTable *dc_nfd_labels (const char *xml, const DcEmulatorFacts *facts,
                           GError **error);

/* The labels for this host as KubeVirt asks: the host's arch, q35 on x86
 * (else the default machine), kvm where it runs, else qemu. */
GHashTable *dc_nfd_host_labels (DcRegistry *registry, DcAnswerer *answerer,
                                GError **error);

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
