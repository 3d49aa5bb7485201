/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-methods.h: the answering methods of org.domcapsd.DomainCapabilities1.
 *
 * GetDomainCapabilities, GetDomainCapabilitiesReasons, ValidateDomain,
 * GetAllDomainCapabilities, GetNodeLabels, ListEmulators and
 * GetCapabilities, each taking
 * its arguments as D-Bus carries them and returning its reply tuple as
 * D-Bus carries it (the records in their dc-wire.h forms). The service
 * answers the bus with them; domcapsctl --direct calls the same in its
 * own process, so its replies are the daemon's, decoded by the same code. */
#pragma once

#include <gio/gio.h>

#include "dc-answerer.h"
#include "dc-registry.h"

/* One call of an answering method: its arguments, read once (a domain
 * XML is parsed once, whether the call waits for probes or not). */
typedef struct _DcMethodCall DcMethodCall;

DcMethodCall *dc_method_call_new (const char *method, GVariant *parameters);
void dc_method_call_free (DcMethodCall *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcMethodCall, dc_method_call_free)

/* The emulators (real paths) whose probes @call's answer waits for: the
 * candidates of a query (dc_answerer_candidates), the host arch's for the
 * node labels, every one for GetAllDomainCapabilities, each arch's for
 * GetCapabilities, those of the domain's own question for ValidateDomain,
 * none for ListEmulators (it shows "probing"). */
GPtrArray *dc_method_call_depends_on (DcMethodCall *call, DcRegistry *registry,
                                      DcAnswerer *answerer);

/* @call's reply (a tuple, as D-Bus carries it), or NULL and a DC_ERROR
 * (dc-errors.h). */
GVariant *dc_method_call_reply (DcMethodCall *call, DcRegistry *registry,
                                DcAnswerer *answerer, GError **error);

/* The reply of @method for @parameters (a tuple of its in-arguments), or
 * NULL and a DC_ERROR: one call, answered as things stand. */
GVariant *dc_methods_call (DcRegistry *registry, DcAnswerer *answerer,
                           const char *method, GVariant *parameters,
                           GError **error);
