/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-facts-qmp.h: facts built from what QEMU answered. */
#pragma once

#include <glib.h>

#include "dc-facts.h"

/* Builds facts from answered exchanges (DcQmpExchange) of the tcg and the
 * kvm process; either may be NULL (not run or failed, @tcg_error and
 * @kvm_error say why), not both. What does not depend on the accelerator
 * comes from tcg's answers where there are some. Fails if a reply that
 * every answer needs is missing or malformed. */
DcEmulatorFacts *dc_emulator_facts_from_replies (const char *path,
                                                 GPtrArray *tcg,
                                                 GPtrArray *kvm,
                                                 const char *tcg_error,
                                                 const char *kvm_error,
                                                 GError **error);
