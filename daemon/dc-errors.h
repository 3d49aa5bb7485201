/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-errors.h: the daemon's errors, each mapped to a D-Bus error name
 * under org.domcapsd.Error. */
#pragma once

#include <gio/gio.h>

#define DC_ERROR (dc_error_quark ())
GQuark dc_error_quark (void);

typedef enum {
  DC_ERROR_UNKNOWN_EMULATOR,      /* org.domcapsd.Error.UnknownEmulator */
  DC_ERROR_UNSUPPORTED_ARCH,      /* ...UnsupportedArch */
  DC_ERROR_UNKNOWN_MACHINE,       /* ...UnknownMachine */
  DC_ERROR_UNSUPPORTED_VIRT_TYPE, /* ...UnsupportedVirtType */
  DC_ERROR_INVALID_ARGUMENT,      /* ...InvalidArgument */
  DC_ERROR_PROBE_FAILED,          /* ...ProbeFailed */
  DC_ERROR_PERMISSION_DENIED,     /* ...PermissionDenied */
  DC_ERROR_FAILED,                /* ...Failed: anything else */
} DcError;

/* Returns @error to a D-Bus caller under its org.domcapsd.Error name; an
 * error of another domain becomes org.domcapsd.Error.Failed with its
 * message, never GDBus's unmapped-error name. */
void dc_error_return (GDBusMethodInvocation *invocation, const GError *error);
