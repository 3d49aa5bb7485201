/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-replies.h: libvirt's .replies format, a recorded QMP conversation.
 *
 * JSON objects one after another, each command followed by its reply:
 * libvirt pretty-prints each and separates them with a blank line, ours
 * are one object a line; objects are found by their own braces, so both
 * (and any spacing) read the same. The one reader and writer of the
 * format in C: the fake emulator, the recorder and the unit tests use it
 * (tests/replies.py is its Python twin). */
#pragma once

#include "dc-qmp.h"

/* The exchanges (DcQmpExchange, answered: a return or an error) of the
 * file at @path, qmp_capabilities left out. */
GPtrArray *dc_replies_read (const char *path, GError **error);
/* The same from text. */
GPtrArray *dc_replies_parse (const char *text, GError **error);

/* The reply object of an answered exchange: {"return": ...} or
 * {"error": {"class": ..., "desc": ...}}. */
JsonNode *dc_replies_reply_node (const DcQmpExchange *exchange);

/* @exchanges as a .replies file, qmp_capabilities first. */
gboolean dc_replies_write (const char *path, GPtrArray *exchanges,
                           GError **error);
