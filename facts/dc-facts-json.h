/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-facts-json.h: EmulatorFacts as JSON, for the disk cache.
 *
 * Reading checks every member's type; a wrong or missing one fails with a
 * reason, so a corrupt or foreign file is refused, never half-trusted. */
#pragma once

#include "dc-facts.h"

JsonNode *dc_emulator_facts_to_json (const DcEmulatorFacts *facts);
DcEmulatorFacts *dc_emulator_facts_from_json (JsonObject *object,
                                              GError **error);
