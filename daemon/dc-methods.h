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

/* The emulators (real paths) whose probes @method's answer to
 * @parameters waits for: the candidates of a query (dc_answerer_candidates),
 * the host arch's for the node labels, every one for
 * GetAllDomainCapabilities, each arch's for GetCapabilities, none for
 * ListEmulators (it shows "probing"). */
GPtrArray *dc_methods_depends_on (DcRegistry *registry, DcAnswerer *answerer,
                                  const char *method, GVariant *parameters);

/* The reply of @method for @parameters (a tuple of its in-arguments), or
 * NULL and a DC_ERROR (dc-errors.h). */
GVariant *dc_methods_call (DcRegistry *registry, DcAnswerer *answerer,
                           const char *method, GVariant *parameters,
                           GError **error);
