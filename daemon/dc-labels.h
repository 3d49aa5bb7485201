/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-labels.h: KubeVirt's node labels for this host.
 *
 * The labels KubeVirt's node labeller derives from `virsh domcapabilities`
 * (cpu-model.node.kubevirt.io/<model>, host-model-cpu..., cpu-feature...,
 * hyperv..., machine-type..., kubevirt.io/sev, ...), derived here from the
 * model of the same answer (not its XML read back) and the facts behind
 * it. docs/kubernetes.md lists every label. */
#pragma once

#include <glib.h>

#include "dc-answerer.h"
#include "dc-caps.h"
#include "dc-facts.h"
#include "dc-host-caps.h"
#include "dc-registry.h"

/* Whether @name=@value is a valid Kubernetes label: an optional prefix
 * (a DNS subdomain of at most 253 characters) and '/', a name of 1 to 63
 * characters [A-Za-z0-9._-] starting and ending alphanumeric, and a value
 * of at most 63 such characters (may be empty). */
gboolean dc_labels_valid (const char *name, const char *value);

/* The labels (name -> value) of the answer @root, rendered from @facts.
 * Labels that Kubernetes would refuse (a model name too long, say) are
 * left out. */
GHashTable *dc_labels_compute (const DcCapsNode *root, const DcEmulatorFacts *facts);

/* Adds the labels of host capabilities: the TSC's frequency and whether
 * it scales (cpu-timer.node.kubevirt.io/tsc-frequency, tsc-scalable),
 * where KVM tells them. */
void dc_labels_add_host (GHashTable *labels, const DcHostCaps *host);

/* The labels for this host as KubeVirt asks (with those of host
 * capabilities): the host's arch, q35 on x86
 * (else the default machine), kvm where it runs, else qemu. */
GHashTable *dc_labels_for_host (DcRegistry *registry, DcAnswerer *answerer,
                                GError **error);
