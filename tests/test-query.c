/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of query resolution (dc-query.c) over hand-made snapshots:
 * the defaults of GetDomainCapabilities without a bus or a daemon. */
#include "config.h"

#include <string.h>

#include "dc-errors.h"
#include "dc-query.h"

typedef struct {
  DcQuerySnapshot snapshot;
  DcHostFacts host;
  GPtrArray *facts;       /* DcEmulatorFacts, kept alive */
  GPtrArray *names;       /* GPtrArray per emulator */
} Fixture;

static DcEmulatorFacts *
facts_new (const char *path, const char *target, const char *arch)
{
  DcEmulatorFacts *f = dc_emulator_facts_new ();
  DcMachine *pc = g_new0 (DcMachine, 1), *q35 = g_new0 (DcMachine, 1);

  f->path = g_strdup (path);
  f->target = g_strdup (target);
  f->arch = g_strdup (arch);
  f->version = g_strdup ("7.2.0");
  pc->name = g_strdup ("pc-i440fx-7.2"), pc->alias = g_strdup ("pc");
  pc->cpu_max = 255, pc->is_default = TRUE;
  q35->name = g_strdup ("pc-q35-7.2"), q35->alias = g_strdup ("q35"), q35->cpu_max = 288;
  g_ptr_array_add (f->machines, pc);
  g_ptr_array_add (f->machines, q35);
  f->tcg = TRUE;
  f->kvm = TRUE;
  return f;
}

static void
add (Fixture *fx, const char *name, const char *target, const char *arch,
     gboolean probed)
{
  g_autofree char *path = g_strconcat ("/usr/bin/", name, NULL);
  DcQueryEmulator *e = g_new0 (DcQueryEmulator, 1);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (names, g_strdup (path));
  g_ptr_array_add (fx->names, names);
  e->path = g_ptr_array_index (names, 0);
  e->names = names;
  if (probed)
    {
      DcEmulatorFacts *f = facts_new (path, target, arch);
      g_ptr_array_add (fx->facts, f);
      e->facts = f;
    }
  else
    e->error = "it crashed";
  g_ptr_array_add (fx->snapshot.emulators, e);
}

static void
set_up (Fixture *fx, gconstpointer data)
{
  fx->host.arch = (char *) "x86_64";
  fx->host.kvm_usable = TRUE;
  fx->facts = g_ptr_array_new_with_free_func ((GDestroyNotify) dc_emulator_facts_unref);
  fx->names = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  fx->snapshot.emulators = g_ptr_array_new_with_free_func (g_free);
  fx->snapshot.host = &fx->host;
  fx->snapshot.firmware = g_ptr_array_new ();
  add (fx, "qemu-system-i386", "i386", "i686", TRUE);
  add (fx, "qemu-system-sh4", "sh4", "sh4", FALSE);
  add (fx, "qemu-system-x86_64", "x86_64", "x86_64", TRUE);
  add (fx, "qemu-system-x86_64-microvm", "x86_64", "x86_64", TRUE);
}

static void
tear_down (Fixture *fx, gconstpointer data)
{
  g_ptr_array_unref (fx->snapshot.emulators);
  g_ptr_array_unref (fx->snapshot.firmware);
  g_ptr_array_unref (fx->facts);
  g_ptr_array_unref (fx->names);
}

static DcResolvedQuery
resolve_ok (Fixture *fx, const char *emulatorbin, const char *arch,
            const char *machine, const char *virttype)
{
  DcResolvedQuery answer;
  g_autoptr(GError) error = NULL;

  g_assert_true (dc_query_check (emulatorbin, arch, machine, virttype, 0, &error));
  g_assert_true (dc_query_resolve (&fx->snapshot, emulatorbin, arch, machine,
                                   virttype, &answer, &error));
  g_assert_no_error (error);
  return answer;
}

static void
resolve_fails (Fixture *fx, const char *emulatorbin, const char *arch,
               const char *machine, const char *virttype, guint flags, gint code)
{
  DcResolvedQuery answer;
  g_autoptr(GError) error = NULL;

  if (dc_query_check (emulatorbin, arch, machine, virttype, flags, &error))
    g_assert_false (dc_query_resolve (&fx->snapshot, emulatorbin, arch, machine,
                                      virttype, &answer, &error));
  g_assert_error (error, DC_ERROR, code);
}

static void
test_defaults (Fixture *fx, gconstpointer data)
{
  DcResolvedQuery a = resolve_ok (fx, "", "", "", "");

  /* the host's arch, its canonical emulator over the -microvm build */
  g_assert_cmpstr (a.emulator->path, ==, "/usr/bin/qemu-system-x86_64");
  g_assert_cmpstr (a.arch, ==, "x86_64");
  g_assert_cmpstr (a.machine->name, ==, "pc-i440fx-7.2");
  g_assert_cmpstr (a.virttype, ==, "kvm");
  /* an alias resolves to its canonical machine */
  a = resolve_ok (fx, "", "x86_64", "q35", "qemu");
  g_assert_cmpstr (a.machine->name, ==, "pc-q35-7.2");
  g_assert_cmpstr (a.virttype, ==, "qemu");
}

static void
test_i686 (Fixture *fx, gconstpointer data)
{
  DcResolvedQuery a = resolve_ok (fx, "", "i686", "", "");

  g_assert_cmpstr (a.emulator->path, ==, "/usr/bin/qemu-system-i386");
  /* without qemu-system-i386, x86_64's emulator runs i686 too */
  g_ptr_array_remove_index (fx->snapshot.emulators, 0);
  a = resolve_ok (fx, "", "i686", "", "");
  g_assert_cmpstr (a.emulator->path, ==, "/usr/bin/qemu-system-x86_64");
  g_assert_cmpstr (a.arch, ==, "i686");
  /* and a named emulator answers for its own arch unless asked otherwise */
  a = resolve_ok (fx, "/usr/bin/qemu-system-x86_64", "", "", "");
  g_assert_cmpstr (a.arch, ==, "x86_64");
}

static void
test_errors (Fixture *fx, gconstpointer data)
{
  g_autofree char *long_name = g_strnfill (300, 'x');

  resolve_fails (fx, "/usr/bin/qemu-system-nope", "", "", "", 0, DC_ERROR_UNKNOWN_EMULATOR);
  resolve_fails (fx, "/usr/bin/qemu-system-sh4", "", "", "", 0, DC_ERROR_PROBE_FAILED);
  resolve_fails (fx, "", "mips", "", "", 0, DC_ERROR_UNSUPPORTED_ARCH);
  resolve_fails (fx, "/usr/bin/qemu-system-i386", "x86_64", "", "", 0,
                 DC_ERROR_UNSUPPORTED_ARCH);
  resolve_fails (fx, "", "", "virt", "", 0, DC_ERROR_UNKNOWN_MACHINE);
  resolve_fails (fx, "", "", "", "xen", 0, DC_ERROR_UNSUPPORTED_VIRT_TYPE);
  resolve_fails (fx, "", "", "", "", 1, DC_ERROR_INVALID_ARGUMENT);
  resolve_fails (fx, "", long_name, "", "", 0, DC_ERROR_INVALID_ARGUMENT);
  fx->host.kvm_usable = FALSE;
  resolve_fails (fx, "", "", "", "kvm", 0, DC_ERROR_UNSUPPORTED_VIRT_TYPE);
  g_assert_cmpstr (resolve_ok (fx, "", "", "", "").virttype, ==, "qemu");
}

static void
test_candidates (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) i686 = dc_query_candidates (&fx->snapshot, NULL, "i686");
  g_autoptr(GPtrArray) named = dc_query_candidates (&fx->snapshot,
                                                    "/usr/bin/qemu-system-sh4", NULL);
  g_autoptr(GPtrArray) unknown = dc_query_candidates (&fx->snapshot, NULL, "mips");

  g_assert_cmpuint (i686->len, ==, 3);   /* i386, x86_64, x86_64-microvm */
  g_assert_cmpuint (named->len, ==, 1);
  g_assert_cmpuint (unknown->len, ==, 4);  /* no name promises mips: all */
}

static void
test_memo (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcQueryMemo) memo = dc_query_memo_new ();
  DcResolvedQuery a = resolve_ok (fx, "", "", "", "");
  g_autofree char *first = dc_query_render (memo, &fx->snapshot, &a, NULL);
  g_autofree char *again = NULL;
  g_autofree char *after = NULL;
  DcEmulatorFacts *facts = (DcEmulatorFacts *) a.emulator->facts;

  /* the memo answers without rendering: a change to the facts it is not
   * told of (a new generation) is not seen */
  g_hash_table_add (facts->qom_types, g_strdup ("iothread"));
  dc_query_memo_sync (memo, 0);
  again = dc_query_render (memo, &fx->snapshot, &a, NULL);
  g_assert_cmpstr (again, ==, first);
  dc_query_memo_sync (memo, 1);
  after = dc_query_render (memo, &fx->snapshot, &a, NULL);
  g_assert_cmpstr (after, !=, first);
  g_assert_nonnull (strstr (after, "<iothreads supported='yes'/>"));
}

/* A question asked again is answered from what it was answered with,
 * until the generation changes (a new emulator, new facts or firmware may
 * change which emulator or machine answers it). */
static void
test_memo_of_questions (Fixture *fx, gconstpointer data)
{
  g_autoptr(DcQueryMemo) memo = dc_query_memo_new ();
  DcResolvedQuery a = resolve_ok (fx, "", "", "", "");
  g_autofree char *xml = dc_query_render (memo, &fx->snapshot, &a, NULL);

  g_assert_null (dc_query_memo_lookup_question (memo, "", "", "", ""));
  dc_query_memo_remember_question (memo, "", "", "", "", &a);
  g_assert_cmpstr (dc_query_memo_lookup_question (memo, "", "", "", ""), ==, xml);
  g_assert_null (dc_query_memo_lookup_question (memo, "", "x86_64", "", ""));
  dc_query_memo_sync (memo, 0);                 /* the same generation */
  g_assert_cmpstr (dc_query_memo_lookup_question (memo, "", "", "", ""), ==, xml);
  dc_query_memo_sync (memo, 7);                 /* any change */
  g_assert_null (dc_query_memo_lookup_question (memo, "", "", "", ""));
  g_assert_null (dc_query_memo_lookup (memo, &a));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/query/defaults", Fixture, NULL, set_up, test_defaults, tear_down);
  g_test_add ("/query/i686", Fixture, NULL, set_up, test_i686, tear_down);
  g_test_add ("/query/errors", Fixture, NULL, set_up, test_errors, tear_down);
  g_test_add ("/query/candidates", Fixture, NULL, set_up, test_candidates, tear_down);
  g_test_add ("/query/memo", Fixture, NULL, set_up, test_memo, tear_down);
  g_test_add ("/query/memo-of-questions", Fixture, NULL, set_up, test_memo_of_questions,
              tear_down);
  return g_test_run ();
}
