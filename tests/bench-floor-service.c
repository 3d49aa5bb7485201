/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-floor-service: the least a GDBus service can do for a reply of a
 * given size, as the floor beside domcapsd's GetDomainCapabilities.
 *
 *   bench-floor-service ADDRESS SIZE
 *
 * Owns org.domcapsd.BenchFloor on the bus at ADDRESS and answers
 * org.domcapsd.DomainCapabilities1.GetDomainCapabilities on
 * /org/domcapsd/BenchFloor with a constant string of SIZE bytes; prints
 * "ready" once it owns the name. Asked for arch "large", it returns 2 MB
 * once instead: the history after which bench.py (m) measures the bus. */
#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>

static const char introspection[] =
  "<node><interface name='org.domcapsd.DomainCapabilities1'>"
  "<method name='GetDomainCapabilities'>"
  "<arg name='emulatorbin' type='s' direction='in'/>"
  "<arg name='arch' type='s' direction='in'/>"
  "<arg name='machine' type='s' direction='in'/>"
  "<arg name='virttype' type='s' direction='in'/>"
  "<arg name='flags' type='u' direction='in'/>"
  "<arg name='xml' type='s' direction='out'/>"
  "</method></interface></node>";

static char *reply;

static void
on_call (GDBusConnection *conn, const char *sender, const char *path,
         const char *iface, const char *method, GVariant *params,
         GDBusMethodInvocation *invocation, gpointer user_data)
{
  const char *arch;

  g_variant_get_child (params, 1, "&s", &arch);
  if (g_str_equal (arch, "large"))
    {
      g_autofree char *large = g_strnfill (2 * 1000 * 1000, 'x');

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", large));
      return;
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", reply));
}

static void
on_acquired (GDBusConnection *conn, const char *name, gpointer user_data)
{
  printf ("ready\n");
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  const GDBusInterfaceVTable vtable = { on_call, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GDBusConnection) conn = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  if (argc != 3)
    return 2;
  reply = g_strnfill (strtoul (argv[2], NULL, 10), 'x');
  info = g_dbus_node_info_new_for_xml (introspection, NULL);
  conn = g_dbus_connection_new_for_address_sync (
      argv[1], G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
               G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, NULL);
  if (conn == NULL)
    return 1;
  g_dbus_connection_register_object (conn, "/org/domcapsd/BenchFloor",
                                     info->interfaces[0], &vtable, NULL, NULL, NULL);
  g_bus_own_name_on_connection (conn, "org.domcapsd.BenchFloor",
                                G_BUS_NAME_OWNER_FLAGS_NONE, on_acquired, NULL,
                                NULL, NULL);
  g_main_loop_run (loop);
  return 0;
}
