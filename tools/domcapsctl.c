/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domcapsctl: command-line client of org.domcapsd.DomainCapabilities1. */
#include "config.h"

#include <gio/gio.h>
#include <locale.h>
#include <stdlib.h>

#include "dc-dbus-generated.h"

#define BUS_NAME "org.domcapsd.DomainCapabilities1"
#define OBJECT_PATH "/org/domcapsd/DomainCapabilities1"

enum {
  EXIT_REFUSED = 1,     /* the daemon answered with an error */
  EXIT_USAGE = 2,       /* bad command line */
  EXIT_UNREACHABLE = 3, /* no bus or no daemon */
};

typedef struct {
  gboolean system_bus;
  gboolean session_bus;
  char *emulatorbin;
  char *arch;
  char *machine;
  char *virttype;
} Options;

static const char *summary =
  "Commands:\n"
  "  domcapabilities [--emulatorbin P] [--arch A] [--machine M] [--virttype V]\n"
  "                     print the domain capabilities XML\n"
  "  list               list the emulators the daemon found\n"
  "  refresh [EMULATOR] probe EMULATOR (or all) again\n"
  "  monitor            print CapabilitiesChanged signals as they come\n"
  "\n"
  "Exit status: 0 success, 1 the daemon refused (error named on stderr),\n"
  "2 usage error, 3 the daemon or the bus cannot be reached.";

static int
report (GError *error)
{
  g_autofree char *name = g_dbus_error_get_remote_error (error);
  /* The bus's own errors (no owner, no reply, ...) mean the daemon cannot
   * be reached; AccessDenied is a refusal like the daemon's own errors. */
  gboolean unreachable = name == NULL ||
                         (g_str_has_prefix (name, "org.freedesktop.DBus.Error.") &&
                          !g_str_equal (name, "org.freedesktop.DBus.Error.AccessDenied"));

  g_dbus_error_strip_remote_error (error);
  g_printerr ("domcapsctl: %s%s%s%s\n", error->message, name ? " (" : "",
              name ? name : "", name ? ")" : "");
  return unreachable ? EXIT_UNREACHABLE : EXIT_REFUSED;
}

static int
cmd_domcapabilities (DcDomainCapabilities1 *proxy, const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;

  if (!dc_domain_capabilities1_call_get_domain_capabilities_sync (
          proxy, options->emulatorbin ? options->emulatorbin : "",
          options->arch ? options->arch : "",
          options->machine ? options->machine : "",
          options->virttype ? options->virttype : "", 0, &xml, NULL, &error))
    return report (error);
  g_print ("%s", xml);
  return EXIT_SUCCESS;
}

static void
print_emulator (GVariant *dict)
{
  const char *path = "", *state = "", *arch = "", *def = "", *version = "";
  const char *err = "";
  g_autofree const char **virttypes = NULL;
  g_autoptr(GVariant) machines = NULL;
  g_autofree char *vt = NULL;

  g_variant_lookup (dict, "path", "&s", &path);
  g_variant_lookup (dict, "state", "&s", &state);
  g_variant_lookup (dict, "arch", "&s", &arch);
  g_variant_lookup (dict, "default-machine", "&s", &def);
  g_variant_lookup (dict, "version", "&s", &version);
  g_variant_lookup (dict, "error", "&s", &err);
  g_variant_lookup (dict, "virttypes", "^a&s", &virttypes);
  machines = g_variant_lookup_value (dict, "machines", G_VARIANT_TYPE ("a(ss)"));
  vt = virttypes ? g_strjoinv (",", (char **) virttypes) : g_strdup ("");
  g_print ("%-40s %-8s %-12s %-10s %-24s %3zu machines  %s\n", path, state,
           arch, vt, def, machines ? g_variant_n_children (machines) : 0,
           version);
  if (*err)
    g_print ("    error: %s\n", err);
}

static int
cmd_list (DcDomainCapabilities1 *proxy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) list = NULL;
  GVariantIter iter;
  GVariant *dict;

  if (!dc_domain_capabilities1_call_list_emulators_sync (proxy, &list, NULL,
                                                         &error))
    return report (error);
  g_print ("%-40s %-8s %-12s %-10s %-24s %-12s  %s\n", "EMULATOR", "STATE",
           "ARCH", "VIRTTYPES", "DEFAULT MACHINE", "MACHINES", "QEMU");
  g_variant_iter_init (&iter, list);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      print_emulator (dict);
      g_variant_unref (dict);
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

static int
dispatch (DcDomainCapabilities1 *proxy, const Options *options, int argc,
          char **argv)
{
  const char *command = argv[1];

  if (g_str_equal (command, "domcapabilities") && argc == 2)
    return cmd_domcapabilities (proxy, options);
  if (g_str_equal (command, "list") && argc == 2)
    return cmd_list (proxy);
  if (g_str_equal (command, "refresh") && argc <= 3)
    return cmd_refresh (proxy, argc == 3 ? argv[2] : NULL);
  if (g_str_equal (command, "monitor") && argc == 2)
    return cmd_monitor (proxy);
  g_printerr ("domcapsctl: unknown command or wrong arguments: %s\n"
              "Try 'domcapsctl --help'.\n", command);
  return EXIT_USAGE;
}

static gboolean
parse_options (Options *options, int *argc, char ***argv, GError **error)
{
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &options->system_bus,
      "Talk to the daemon on the system bus (the default)", NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &options->session_bus,
      "Talk to the daemon on the session bus", NULL },
    { "emulatorbin", 0, 0, G_OPTION_ARG_FILENAME, &options->emulatorbin,
      "Emulator binary (domcapabilities)", "PATH" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &options->arch,
      "Guest architecture (domcapabilities)", "ARCH" },
    { "machine", 0, 0, G_OPTION_ARG_STRING, &options->machine,
      "Machine type or alias (domcapabilities)", "MACHINE" },
    { "virttype", 0, 0, G_OPTION_ARG_STRING, &options->virttype,
      "kvm or qemu (domcapabilities)", "TYPE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [ARG]");

  g_option_context_set_summary (context,
                                "Ask domcapsd what this host's QEMU can do.");
  g_option_context_set_description (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (options->system_bus && options->session_bus)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--system and --session exclude each other");
      return FALSE;
    }
  if (*argc < 2)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "no command given");
      return FALSE;
    }
  return TRUE;
}

static void
options_clear (Options *options)
{
  g_free (options->emulatorbin);
  g_free (options->arch);
  g_free (options->machine);
  g_free (options->virttype);
}

int
main (int argc, char **argv)
{
  Options options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DcDomainCapabilities1) proxy = NULL;
  int code;

  setlocale (LC_ALL, "");
  if (!parse_options (&options, &argc, &argv, &error))
    {
      g_printerr ("domcapsctl: %s\nTry 'domcapsctl --help'.\n", error->message);
      options_clear (&options);
      return EXIT_USAGE;
    }
  proxy = dc_domain_capabilities1_proxy_new_for_bus_sync (
      options.session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
      G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, BUS_NAME, OBJECT_PATH, NULL,
      &error);
  if (proxy == NULL)
    {
      g_printerr ("domcapsctl: cannot reach the %s bus: %s\n",
                  options.session_bus ? "session" : "system", error->message);
      options_clear (&options);
      return EXIT_UNREACHABLE;
    }
  code = dispatch (proxy, &options, argc, argv);
  options_clear (&options);
  return code;
}
