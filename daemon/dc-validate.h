/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-validate.h: a whole domain XML checked against this host.
 *
 * The domain names its own question (<domain type>, <os><type arch
 * machine>, <emulator>); the answer to it (dc_answerer_model) and the
 * reasons for its every "no" (dc_answerer_explain) decide each check, so
 * that a value is refused exactly where the domain capabilities answer
 * leaves it out, and for the reason it gives. The checks are a table
 * (docs/validate.md). Runs nothing: the emulator's facts are what its
 * probe found. */
#pragma once

#include <glib.h>

#include "dc-answerer.h"
#include "dc-domain-xml.h"

/* One domain XML, parsed once: its question (which probes a call waits
 * for) and then its checks. */
typedef struct _DcValidation DcValidation;

/* @xml parsed, or NULL and INVALID_ARGUMENT for flags other than 0 and for
 * input that is not a domain XML, or refused as input (too large, too
 * deep, not UTF-8, a DTD or an entity), naming the line where the parser
 * says. */
DcValidation *dc_validation_new (const char *xml, guint flags, GError **error);
void dc_validation_free (DcValidation *validation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DcValidation, dc_validation_free)

/* The emulator and arch the domain names, each NULL where it names none. */
const char *dc_validation_get_emulator (const DcValidation *validation);
const char *dc_validation_get_arch (const DcValidation *validation);

/* The problems (DcProblem, dc-wire.h) that stand in the way of the domain
 * on this host, in document order; empty when there are none. Fails as
 * GetDomainCapabilities fails where the emulator could not be probed. */
GPtrArray *dc_validation_run (DcValidation *validation, DcAnswerer *answerer,
                              GError **error);
