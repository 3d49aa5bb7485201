/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-errors.c: registering the error domain with GDBus. */
#include "config.h"

#include "dc-errors.h"

#include <gio/gio.h>

static const GDBusErrorEntry dc_error_entries[] = {
  { DC_ERROR_UNKNOWN_EMULATOR, "org.domcapsd.Error.UnknownEmulator" },
  { DC_ERROR_UNSUPPORTED_ARCH, "org.domcapsd.Error.UnsupportedArch" },
  { DC_ERROR_UNKNOWN_MACHINE, "org.domcapsd.Error.UnknownMachine" },
  { DC_ERROR_UNSUPPORTED_VIRT_TYPE, "org.domcapsd.Error.UnsupportedVirtType" },
  { DC_ERROR_INVALID_ARGUMENT, "org.domcapsd.Error.InvalidArgument" },
  { DC_ERROR_PROBE_FAILED, "org.domcapsd.Error.ProbeFailed" },
  { DC_ERROR_PERMISSION_DENIED, "org.domcapsd.Error.PermissionDenied" },
  { DC_ERROR_FAILED, "org.domcapsd.Error.Failed" },
};

GQuark
dc_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("dc-error-quark", &quark,
                                      dc_error_entries,
                                      G_N_ELEMENTS (dc_error_entries));
  return (GQuark) quark;
}

void
dc_error_return (GDBusMethodInvocation *invocation, const GError *error)
{
  if (error->domain == DC_ERROR)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error_literal (invocation, DC_ERROR,
                                                   DC_ERROR_FAILED, error->message);
}
