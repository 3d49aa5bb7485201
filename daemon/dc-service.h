/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-service.h: the org.domcapsd.DomainCapabilities1 object on the bus. */
#pragma once

#include <gio/gio.h>

#include "dc-engine.h"
#include "dc-wire.h"

typedef struct _DcService DcService;

/* @engine is borrowed. On the system bus only root may call Refresh.
 * The service also keeps the daemon's heap trimmed (dc-trim.h) after
 * answers and probes. */
DcService *dc_service_new (DcEngine *engine, gboolean system_bus);
/* The host may have changed (/dev changed, or a Refresh): reads again
 * what it offers; emulators are probed again where their facts depend on
 * it, and CapabilitiesChanged("") says when the host part changed. */
void dc_service_recheck_host (DcService *service);
/* The object can be on several connections at once (dc-bus-name.h). */
gboolean dc_service_export (DcService *service, GDBusConnection *connection,
                            GError **error);
void dc_service_unexport_from (DcService *service, GDBusConnection *connection);
/* @func is called after each answer with its connection and its size. */
typedef void (*DcServiceRepliedFunc) (GDBusConnection *connection, gsize size,
                                      gpointer user_data);
void dc_service_set_replied_func (DcService *service, DcServiceRepliedFunc func,
                                  gpointer user_data);
/* From now on, CapabilitiesChanged is emitted. Before the well-known
 * name is ours, no one can have asked for it (a match on our name matches
 * nothing yet), and a start would send one per emulator. */
void dc_service_start_signalling (DcService *service);
void dc_service_free (DcService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcService, dc_service_free)
