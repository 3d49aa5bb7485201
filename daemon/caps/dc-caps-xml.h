/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-caps-xml.h: writing the DomainCaps model as XML with libxml2, in
 * libvirt's layout (two-space indentation, single-quoted attributes) so
 * that documents from both diff cleanly. */
#pragma once

#include "dc-caps.h"

char *dc_caps_to_xml (const DcCapsNode *root, GError **error);
