/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-bus-name.h: the service's well-known name, and the connection that
 * owns it, renewed after a large reply (docs/architecture.md, "Latency
 * after large replies"). */
#pragma once

#include <gio/gio.h>

#include "dc-service.h"

typedef struct _DcBusName DcBusName;

/* @acquired once the name is ours (never after a renewal); @lost when
 * it is not, or no longer: @bus_closed when the bus went away, else
 * another owner has it. */
typedef struct {
  void (*acquired) (const char *name, gpointer user_data);
  void (*lost) (const char *name, gboolean bus_closed, gpointer user_data);
} DcBusNameHandlers;

/* Asks the bus for @name on @connection (taken), where @service is
 * exported already; @address is the bus's, for the connections that take
 * the name over (NULL: none will). @service is borrowed, and exported on
 * each of them. */
DcBusName *dc_bus_name_new (GDBusConnection *connection, const char *address,
                            const char *name, DcService *service,
                            const DcBusNameHandlers *handlers, gpointer user_data);
/* A reply of @size bytes went out on @connection: past
 * DC_BUS_NAME_RENEW_ABOVE the name moves to a fresh connection once
 * such replies pause. The connection that had it stays queued for the
 * name and answers until idle (docs/architecture.md). */
void dc_bus_name_replied (DcBusName *bus_name, GDBusConnection *connection, gsize size);
void dc_bus_name_free (DcBusName *bus_name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcBusName, dc_bus_name_free)

/* The bus daemon reads a connection's messages into one buffer that keeps
 * the size of the largest; past glibc's mmap threshold (128 KiB, a buffer
 * doubled from 64 KiB) every later message costs it page faults. */
#define DC_BUS_NAME_RENEW_ABOVE (64 * 1024)
