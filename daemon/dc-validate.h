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

/* The problems (DcProblem, dc-wire.h) that stand in the way of @xml on
 * this host, in document order; empty when there are none. Fails with
 * INVALID_ARGUMENT for flags other than 0 and for input that is not a
 * domain XML, or refused as input (too large, too deep, not UTF-8, a
 * DTD or an entity), naming the line where the parser says; and as
 * GetDomainCapabilities fails where the emulator could not be probed. */
GPtrArray *dc_validate_domain (DcAnswerer *answerer, const char *xml, guint flags,
                               GError **error);

/* The emulator and arch @xml names (each NULL where it names none), for
 * knowing which probes a call waits for; FALSE if @xml is refused. */
gboolean dc_validate_question (const char *xml, char **emulator, char **arch);
