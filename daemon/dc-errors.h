/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-errors.h: the daemon's errors, each mapped to a D-Bus error name
 * under org.domcapsd.Error. */
#pragma once

#include <glib.h>

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
