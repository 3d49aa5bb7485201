/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domcapsctl: command-line client of org.domcapsd.DomainCapabilities1. */
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-direct.h"
#include "dc-dbus-generated.h"
#include "dc-errors.h"
#include "dc-methods.h"
#include "dc-nfd.h"
#include "dc-validate.h"
#include "dc-wire.h"

enum {
  EXIT_REFUSED = 1,     /* the daemon answered with an error */
  EXIT_USAGE = 2,       /* bad command line */
  EXIT_UNREACHABLE = 3, /* no bus or no daemon */
};

typedef struct {
  gboolean system_bus;
  gboolean session_bus;
  gboolean direct;
  gboolean json;
  gboolean verbose;
  char *emulatorbin;
  char *arch;
  char *machine;
  char *virttype;
  char *output;
  char *only;
  char *domain_xml;        /* validate: the domain, read from FILE or stdin */
  CtlDirectOptions engine;
} Options;

/* Where answers come from: the daemon over the bus, or the engine
 * in-process (--direct). Either gives the same reply tuples
 * (dc-methods.h), read with the same code (dc-wire.h). */
typedef struct {
  DcDomainCapabilities1 *proxy;
  DcEngine *engine;
} Source;

static const char *summary =
  "Commands:\n"
  "  domcapabilities [--emulatorbin P] [--arch A] [--machine M] [--virttype V]\n"
  "                     print the domain capabilities XML\n"
  "  list               list the emulators the daemon found\n"
  "  refresh [EMULATOR] probe EMULATOR (or all) again\n"
  "  monitor            print CapabilitiesChanged signals as they come\n"
  "  all [--json]       every emulator's answers (default and aliased\n"
  "                     machines x virttypes) at once\n"
  "  explain [domcapabilities' options] [--only PREFIX] [--json]\n"
  "                     why the answer says no where it does\n"
  "  capabilities       host capabilities: the host and one guest per arch,\n"
  "                     as `virsh capabilities` prints them\n"
  "  validate FILE|- [--json]\n"
  "                     check a domain XML against this host: every problem,\n"
  "                     its reason and a fix; exit 1 if an error stands in the way\n"
  "  nfd [--output FILE]\n"
  "                     node labels for Kubernetes' node-feature-discovery\n"
  "                     (KubeVirt's names), written atomically to FILE\n"
  "\n"
  "With --direct, domcapabilities, all, capabilities, validate and nfd probe\n"
  "in-process: no bus, no daemon, the same answer (--emulator-dir,\n"
  "--firmware-dir, --cache-dir and --probe-timeout as the daemon's).\n"
  "\n"
  "Exit status: 0 success, 1 the daemon refused (error named on stderr) or\n"
  "validate found an error in the domain,\n"
  "2 usage error, 3 the daemon or the bus cannot be reached.";

static int
report (GError *error)
{
  gboolean remote = g_dbus_error_is_remote_error (error);
  g_autofree char *name = remote ? g_dbus_error_get_remote_error (error) : NULL;
  /* The bus's own errors (no owner, no reply, ...) mean the daemon cannot
   * be reached; AccessDenied is a refusal like the daemon's own errors,
   * and so is an error of the in-process engine (--direct). */
  gboolean unreachable =
    remote ? (g_str_has_prefix (name, "org.freedesktop.DBus.Error.") &&
              !g_str_equal (name, "org.freedesktop.DBus.Error.AccessDenied"))
           : error->domain != DC_ERROR;

  if (!remote && error->domain == DC_ERROR)
    name = g_dbus_error_encode_gerror (error);
  g_dbus_error_strip_remote_error (error);
  g_printerr ("domcapsctl: %s%s%s%s\n", error->message, name ? " (" : "",
              name ? name : "", name ? ")" : "");
  return unreachable ? EXIT_UNREACHABLE : EXIT_REFUSED;
}

static const char *
or_empty (const char *s)
{
  return s ? s : "";
}

/* The reply of an answering method to @parameters (floating: taken). */
static GVariant *
source_call (Source *source, const char *method, GVariant *parameters,
             int timeout_ms, GError **error)
{
  g_autoptr(GVariant) arguments = g_variant_ref_sink (parameters);
  GVariant *reply;

  if (source->proxy != NULL)
    return g_dbus_proxy_call_sync (G_DBUS_PROXY (source->proxy), method, arguments,
                                   G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL, error);
  reply = dc_methods_call (dc_engine_get_registry (source->engine),
                           dc_engine_get_answerer (source->engine), method,
                           arguments, error);
  return reply ? g_variant_ref_sink (reply) : NULL;
}

static GVariant *
question (const Options *options)
{
  return g_variant_new ("(ssssu)", or_empty (options->emulatorbin),
                        or_empty (options->arch), or_empty (options->machine),
                        or_empty (options->virttype), 0);
}

/* Calls @method, whose reply is one XML document, and prints it. */
static int
print_document (Source *source, const char *method, GVariant *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = source_call (source, method, args, -1, &error);
  const char *xml;

  if (reply == NULL)
    return report (error);
  g_variant_get (reply, "(&s)", &xml);
  g_print ("%s", xml);
  return EXIT_SUCCESS;
}

static int
cmd_domcapabilities (Source *source, const Options *options)
{
  return print_document (source, "GetDomainCapabilities", question (options));
}

static int
cmd_capabilities (Source *source)
{
  return print_document (source, "GetCapabilities", g_variant_new ("()"));
}

static GPtrArray *
get_answers (Source *source, GError **error)
{
  /* Rendering every answer of every emulator takes a moment. */
  g_autoptr(GVariant) reply = source_call (source, "GetAllDomainCapabilities",
                                           g_variant_new ("(u)", 0), 120000, error);
  g_autoptr(GVariant) rows = reply ? g_variant_get_child_value (reply, 0) : NULL;

  return rows ? dc_answer_rows_from_variant (rows) : NULL;
}

static int
cmd_all (Source *source, const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answers = get_answers (source, &error);
  g_autofree char *json = NULL;

  if (answers == NULL)
    return report (error);
  if (options->json)
    {
      json = dc_answer_rows_to_json (answers);
      g_print ("%s\n", json);
      return EXIT_SUCCESS;
    }
  for (guint i = 0; i < answers->len; i++)
    {
      const DcAnswerRow *a = g_ptr_array_index (answers, i);
      if (*a->error != '\0')
        g_print ("<!-- %s: %s -->\n", a->emulator, a->error);
      else
        g_print ("<!-- %s %s %s %s -->\n%s", a->emulator, a->arch, a->machine,
                 a->virttype, a->xml);
    }
  return EXIT_SUCCESS;
}

static GPtrArray *
get_reasons (Source *source, const Options *options, GError **error)
{
  g_autoptr(GVariant) reply = source_call (source, "GetDomainCapabilitiesReasons",
                                           question (options), -1, error);
  g_autoptr(GVariant) reasons = reply ? g_variant_get_child_value (reply, 0) : NULL;

  return reasons ? dc_reasons_from_variant (reasons) : NULL;
}

/* "devices/tpm/enum[backendVersion]/1.2" -> group "devices/tpm", item
 * "backendVersion 1.2"; a model's -> "cpu/mode[custom]", its name. */
static void
split_reason_path (const char *path, char **group, char **item)
{
  const char *cut = strstr (path, "/enum[");
  const char *model = strstr (path, "/model[");

  if (cut != NULL)
    {
      g_autofree char *rest = g_strdup (cut + strlen ("/enum["));
      char *close = strchr (rest, ']');

      *group = g_strndup (path, cut - path);
      if (close != NULL)
        *close = '\0';
      *item = close ? g_strdup_printf ("%s %s", rest, close + 2) : g_strdup (rest);
    }
  else if (model != NULL)
    {
      *group = g_strndup (path, model - path);
      *item = g_strndup (model + 7, strlen (model + 7) - 1);
    }
  else
    {
      *group = g_strdup (path);
      *item = g_strdup ("");
    }
}

static const char *
state_words (const char *state)
{
  if (g_str_equal (state, DC_REASON_UNSUPPORTED))
    return "not supported";
  if (g_str_equal (state, DC_REASON_UNUSABLE))
    return "unusable";
  return "not offered";
}

static void
print_reasons (GPtrArray *reasons)
{
  g_autofree char *last = NULL;

  for (guint i = 0; i < reasons->len; i++)
    {
      const DcReason *r = g_ptr_array_index (reasons, i);
      g_autofree char *group = NULL;
      g_autofree char *item = NULL;

      split_reason_path (r->path, &group, &item);
      if (g_strcmp0 (group, last) != 0)
        g_print ("%s\n", group);
      g_print ("  %s%s%s: %s [%s]\n", item, *item ? " " : "",
               state_words (r->state), r->message, r->code);
      g_free (last);
      last = g_steal_pointer (&group);
    }
}

static int
cmd_explain (Source *source, const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reasons = get_reasons (source, options, &error);
  g_autofree char *json = NULL;

  if (reasons == NULL)
    return report (error);
  for (guint i = reasons->len; options->only && i-- > 0;)
    if (!g_str_has_prefix (((DcReason *) g_ptr_array_index (reasons, i))->path,
                           options->only))
      g_ptr_array_remove_index (reasons, i);
  if (!options->json)
    {
      print_reasons (reasons);
      return EXIT_SUCCESS;
    }
  json = dc_reasons_to_json (reasons);
  g_print ("%s\n", json);
  return EXIT_SUCCESS;
}

static void
print_problems (GPtrArray *problems)
{
  for (guint i = 0; i < problems->len; i++)
    {
      const DcProblem *p = g_ptr_array_index (problems, i);

      g_print ("%s %s [%s]\n  %s\n", p->severity, p->where, p->code, p->message);
      if (*p->capability)
        g_print ("  capability: %s\n", p->capability);
      if (*p->fix)
        g_print ("  fix: %s\n", p->fix);
    }
  if (problems->len == 0)
    g_print ("nothing stands in the way\n");
}

/* 0 when the domain would run here (warnings at most), 1 when an error
 * stands in the way or the daemon refused. */
static int
cmd_validate (Source *source, const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = source_call (source, "ValidateDomain",
                                           g_variant_new ("(su)", options->domain_xml, 0),
                                           -1, &error);
  g_autoptr(GVariant) array = reply ? g_variant_get_child_value (reply, 0) : NULL;
  g_autoptr(GPtrArray) problems = array ? dc_problems_from_variant (array) : NULL;
  gboolean runnable = TRUE;

  if (problems == NULL)
    return report (error);
  for (guint i = 0; i < problems->len; i++)
    runnable &= !g_str_equal (((DcProblem *) g_ptr_array_index (problems, i))->severity,
                              DC_PROBLEM_ERROR);
  if (options->json)
    {
      g_autofree char *json = dc_problems_to_json (problems);

      g_print ("%s\n", json);
    }
  else
    print_problems (problems);
  return runnable ? EXIT_SUCCESS : EXIT_FAILURE;
}

static GHashTable *
get_labels (Source *source, GError **error)
{
  g_autoptr(GVariant) reply = source_call (source, "GetNodeLabels", g_variant_new ("()"),
                                           -1, error);
  g_autoptr(GVariant) labels = reply ? g_variant_get_child_value (reply, 0) : NULL;

  return labels ? dc_labels_from_variant (labels) : NULL;
}

static int
cmd_nfd (Source *source, const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) labels = get_labels (source, &error);
  g_autofree char *text = NULL;
  gboolean changed;

  if (labels == NULL)
    return report (error);
  if (options->output == NULL)
    {
      text = dc_nfd_format (labels);
      g_print ("%s", text);
      return EXIT_SUCCESS;
    }
  if (!dc_nfd_write (options->output, labels, &changed, &error))
    {
      g_printerr ("domcapsctl: cannot write %s: %s\n", options->output,
                  error->message);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}

static void
print_emulator (const DcEmulatorInfo *e)
{
  g_autofree char *virttypes = g_strjoinv (",", e->virttypes);

  g_print ("%-40s %-8s %-12s %-10s %-24s %3u machines  %s\n", e->path, e->state,
           e->arch, virttypes, e->default_machine, g_strv_length (e->machines),
           e->version);
  if (*e->error)
    g_print ("    error: %s\n", e->error);
}

static int
cmd_list (Source *source)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = source_call (source, "ListEmulators", g_variant_new ("()"),
                                           -1, &error);
  g_autoptr(GVariant) list = reply ? g_variant_get_child_value (reply, 0) : NULL;

  if (list == NULL)
    return report (error);
  g_print ("%-40s %-8s %-12s %-10s %-24s %-12s  %s\n", "EMULATOR", "STATE",
           "ARCH", "VIRTTYPES", "DEFAULT MACHINE", "MACHINES", "QEMU");
  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr(GVariant) dict = g_variant_get_child_value (list, i);
      g_autoptr(DcEmulatorInfo) info = dc_emulator_info_from_variant (dict);

      print_emulator (info);
    }
  return EXIT_SUCCESS;
}

static int
cmd_refresh (DcDomainCapabilities1 *proxy, const char *emulator)
{
  g_autoptr(GError) error = NULL;

  /* Probing every emulator can take a while: no D-Bus timeout. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), G_MAXINT);
  if (!dc_domain_capabilities1_call_refresh_sync (proxy, emulator ? emulator : "",
                                                  NULL, &error))
    return report (error);
  return EXIT_SUCCESS;
}

static void
on_changed (DcDomainCapabilities1 *proxy, const char *emulator,
            gpointer user_data)
{
  g_print ("CapabilitiesChanged %s\n", emulator);
}

static int
cmd_monitor (DcDomainCapabilities1 *proxy)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_signal_connect (proxy, "capabilities-changed", G_CALLBACK (on_changed), NULL);
  g_main_loop_run (loop);
  return EXIT_SUCCESS;
}

static gboolean
is_command (char **argv, int argc, const char *name, int max_args)
{
  return g_str_equal (argv[1], name) && argc <= max_args + 2;
}

static int
run_answering (Source *source, const Options *options, const char *command)
{
  if (g_str_equal (command, "domcapabilities"))
    return cmd_domcapabilities (source, options);
  if (g_str_equal (command, "all"))
    return cmd_all (source, options);
  if (g_str_equal (command, "explain"))
    return cmd_explain (source, options);
  if (g_str_equal (command, "capabilities"))
    return cmd_capabilities (source);
  if (g_str_equal (command, "validate"))
    return cmd_validate (source, options);
  return cmd_nfd (source, options);
}

/* domcapabilities, all, capabilities and nfd, in-process. */
static int
run_direct (Options *options, const char *command)
{
  gboolean all = g_str_equal (command, "all") || g_str_equal (command, "capabilities");
  /* node labels are the host's: its arch, whatever the options say */
  gboolean host = g_str_equal (command, "nfd");
  Source source = { 0 };
  g_autoptr(DcValidation) domain = NULL;
  const char *emulator = options->emulatorbin, *arch = options->arch;
  int code;

  ctl_direct_quiet_logs (options->verbose);
  /* Registers the org.domcapsd.Error names used in messages. */
  (void) DC_ERROR;
  /* a domain asks its own question: probe what that needs */
  if (g_str_equal (command, "validate"))
    {
      domain = dc_validation_new (options->domain_xml, 0, NULL);
      emulator = domain ? dc_validation_get_emulator (domain) : NULL;
      arch = domain ? dc_validation_get_arch (domain) : NULL;
    }
  source.engine = ctl_direct_open (&options->engine, host ? NULL : emulator,
                                   host ? NULL : arch, all);
  code = run_answering (&source, options, command);
  dc_engine_free (source.engine);
  return code;
}

static DcDomainCapabilities1 *
connect_daemon (const Options *options)
{
  g_autoptr(GError) error = NULL;
  DcDomainCapabilities1 *proxy = dc_domain_capabilities1_proxy_new_for_bus_sync (
      options->session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
      G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, DC_BUS_NAME, DC_OBJECT_PATH, NULL,
      &error);

  if (proxy == NULL)
    g_printerr ("domcapsctl: cannot reach the %s bus: %s\n",
                options->session_bus ? "session" : "system", error->message);
  return proxy;
}

static int
run_bus (const Options *options, int argc, char **argv)
{
  g_autoptr(DcDomainCapabilities1) proxy = connect_daemon (options);
  Source source = { proxy, NULL };
  const char *command = argv[1];

  if (proxy == NULL)
    return EXIT_UNREACHABLE;
  if (g_str_equal (command, "list"))
    return cmd_list (&source);
  if (g_str_equal (command, "refresh"))
    return cmd_refresh (proxy, argc == 3 ? argv[2] : NULL);
  if (g_str_equal (command, "monitor"))
    return cmd_monitor (proxy);
  return run_answering (&source, options, command);
}

/* The domain to validate, from @file ("-": stdin), at most a byte more
 * than the daemon takes (so that the daemon says it is too large). */
static gboolean
read_domain (Options *options, const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GFile) f = NULL;
  g_autofree char *buffer = g_malloc (DC_DOMAIN_XML_MAX_SIZE + 2);
  gsize length = 0;

  if (g_str_equal (file, "-"))
    in = g_unix_input_stream_new (0, FALSE);
  else
    in = G_INPUT_STREAM (g_file_read (f = g_file_new_for_commandline_arg (file), NULL,
                                      &error));
  if (in == NULL ||
      !g_input_stream_read_all (in, buffer, DC_DOMAIN_XML_MAX_SIZE + 1, &length, NULL, &error))
    {
      g_printerr ("domcapsctl: cannot read %s: %s\n", file, error->message);
      return FALSE;
    }
  buffer[length] = '\0';
  /* D-Bus carries valid UTF-8 only; the same for --direct */
  if (strlen (buffer) != length || !g_utf8_validate (buffer, length, NULL))
    {
      g_printerr ("domcapsctl: %s is not valid UTF-8 text: not a domain XML\n", file);
      return FALSE;
    }
  options->domain_xml = g_steal_pointer (&buffer);
  return TRUE;
}

static int
dispatch (Options *options, int argc, char **argv)
{
  gboolean answering = is_command (argv, argc, "domcapabilities", 0) ||
                       is_command (argv, argc, "explain", 0) ||
                       is_command (argv, argc, "all", 0) ||
                       is_command (argv, argc, "capabilities", 0) ||
                       is_command (argv, argc, "validate", 1) ||
                       is_command (argv, argc, "nfd", 0);
  gboolean bus_only = is_command (argv, argc, "list", 0) ||
                      is_command (argv, argc, "refresh", 1) ||
                      is_command (argv, argc, "monitor", 0);

  if (g_str_equal (argv[1], "validate") && answering &&
      !read_domain (options, argc == 3 ? argv[2] : "-"))
    return EXIT_USAGE;
  if (answering && options->direct)
    return run_direct (options, argv[1]);
  if (answering || (bus_only && !options->direct))
    return run_bus (options, argc, argv);
  g_printerr ("domcapsctl: %s: %s\nTry 'domcapsctl --help'.\n", argv[1],
              bus_only ? "needs the daemon; not available with --direct"
                       : "unknown command or wrong arguments");
  return EXIT_USAGE;
}

static gboolean
check_options (const Options *options, int argc, GError **error)
{
  if (!dc_engine_check_options (options->system_bus, options->session_bus,
                                options->engine.probe_timeout, error))
    return FALSE;
  if (argc < 2)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         "no command given");
  return argc >= 2;
}

static gboolean
parse_options (Options *options, int *argc, char ***argv, GError **error)
{
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &options->system_bus,
      "Talk to the daemon on the system bus (the default)", NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &options->session_bus,
      "Talk to the daemon on the session bus", NULL },
    { "direct", 0, 0, G_OPTION_ARG_NONE, &options->direct,
      "Probe in-process instead of asking the daemon", NULL },
    { "emulatorbin", 0, 0, G_OPTION_ARG_FILENAME, &options->emulatorbin,
      "Emulator binary (domcapabilities)", "PATH" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &options->arch,
      "Guest architecture (domcapabilities)", "ARCH" },
    { "machine", 0, 0, G_OPTION_ARG_STRING, &options->machine,
      "Machine type or alias (domcapabilities)", "MACHINE" },
    { "virttype", 0, 0, G_OPTION_ARG_STRING, &options->virttype,
      "kvm or qemu (domcapabilities)", "TYPE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json,
      "Print JSON (all, explain)", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &options->only,
      "Only reasons whose path starts with PREFIX (explain)", "PREFIX" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &options->output,
      "Write the labels to FILE atomically (nfd)", "FILE" },
    { "emulator-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY,
      &options->engine.emulator_dirs,
      "Look for qemu-system-* here (--direct; repeatable)", "DIR" },
    { "firmware-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY,
      &options->engine.firmware_dirs,
      "Read firmware descriptors here (--direct; repeatable)", "DIR" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->engine.cache_dir,
      "Keep probe results here and reuse them (--direct; default: none)", "DIR" },
    { "host-root", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME,
      &options->engine.host_root,
      "Read host facts (/dev, /sys, /proc) below DIR (--direct; for tests)", "DIR" },
    { "probe-timeout", 0, 0, G_OPTION_ARG_INT, &options->engine.probe_timeout,
      "Give up on an emulator after this long (--direct; default: 30)",
      "SECONDS" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose,
      "Log what the probes do (--direct)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [ARG]");

  g_option_context_set_summary (context,
                                "Ask domcapsd what this host's QEMU can do.");
  g_option_context_set_description (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  return g_option_context_parse (context, argc, argv, error) &&
         check_options (options, *argc, error);
}

static void
options_clear (Options *options)
{
  g_free (options->emulatorbin);
  g_free (options->arch);
  g_free (options->machine);
  g_free (options->virttype);
  g_free (options->output);
  g_free (options->only);
  g_strfreev (options->engine.emulator_dirs);
  g_strfreev (options->engine.firmware_dirs);
  g_free (options->engine.cache_dir);
  g_free (options->engine.host_root);
  g_free (options->domain_xml);
}

int
main (int argc, char **argv)
{
  Options options = { 0 };
  g_autoptr(GError) error = NULL;
  int code;

  setlocale (LC_ALL, "");
  if (!parse_options (&options, &argc, &argv, &error))
    {
      g_printerr ("domcapsctl: %s\nTry 'domcapsctl --help'.\n", error->message);
      options_clear (&options);
      return EXIT_USAGE;
    }
  code = dispatch (&options, argc, argv);
  options_clear (&options);
  return code;
}
