/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c: options, the main loop, the bus name and the daemon's life. */
#include "config.h"

#include <gio/gio.h>
#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <string.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>

#include "dc-bus-name.h"
#include "dc-engine.h"
#include "dc-errors.h"
#include "dc-nfd.h"
#include "dc-service.h"
#include "dc-watch.h"

#define EXIT_USAGE 2

typedef struct {
  gboolean system_bus;
  gboolean session_bus;
  char **emulator_dirs;
  char **firmware_dirs;
  char *cache_dir;
  char *host_root;
  char *nfd_file;
  gboolean no_probe_helper;
  int probe_timeout;
  int retry_delay;
  gboolean verbose;
  gboolean version;
} Options;

/* What a watched directory holds. */
enum { WATCH_EMULATORS = 1 << 0, WATCH_FIRMWARE = 1 << 1, WATCH_DEVICES = 1 << 2 };

#define WATCH_QUIET_MS 250
#define WATCH_MAX_DELAY_MS 1000
/* Answers that change together (a rescan) rewrite the label file once. */
#define NFD_DELAY_MS 200
/* After the name is ours, before the watches are set: the first
 * answers go first (setting an inotify watch on /usr/bin takes ~1 ms). */
#define WATCH_START_DELAY_MS 100

typedef struct {
  Options options;
  GMainLoop *loop;
  DcEngine *engine;
  DcRegistry *registry;    /* the engine's */
  DcService *service;
  DcWatch *watch;
  DcNfdWriter *nfd_writer;
  GDBusConnection *connection;
  DcBusName *bus_name;
  gboolean serving;        /* the name is ours */
  guint waiting;           /* for the bus and the host facts */
  gboolean started;        /* every emulator probed once */
  int exit_code;
} Daemon;

static gboolean
parse_options (Options *options, int *argc, char ***argv, GError **error)
{
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &options->system_bus,
      "Serve on the system bus (the default)", NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &options->session_bus,
      "Serve on the session bus", NULL },
    { "emulator-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->emulator_dirs,
      "Look for qemu-system-* here (repeatable; default: $PATH and "
      "/usr/libexec)", "DIR" },
    { "firmware-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options->firmware_dirs,
      "Read firmware descriptors here, lowest precedence first (repeatable; "
      "default: /usr/share/qemu/firmware, /etc/qemu/firmware and, on the "
      "session bus, $XDG_CONFIG_HOME/qemu/firmware)", "DIR" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->cache_dir,
      "Keep the probe cache here (default: $CACHE_DIRECTORY or the user "
      "cache directory)", "DIR" },
    { "nfd-file", 0, 0, G_OPTION_ARG_FILENAME, &options->nfd_file,
      "Keep node labels for Kubernetes' node-feature-discovery in FILE "
      "(rewritten whenever the answers change)", "FILE" },
    { "probe-timeout", 0, 0, G_OPTION_ARG_INT, &options->probe_timeout,
      "Give up on an emulator that has not answered after this long "
      "(default: 30)", "SECONDS" },
    { "host-root", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME,
      &options->host_root,
      "Read host facts (/dev, /sys, /proc) below DIR; for tests", "DIR" },
    { "no-probe-helper", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE,
      &options->no_probe_helper, "Probe in the daemon's own process", NULL },
    { "retry-delay", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &options->retry_delay,
      "Seconds before a probe that failed for a passing reason is tried again", "SECONDS" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose,
      "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version,
      "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("- serve QEMU domain capabilities over D-Bus");

  g_option_context_set_summary (context,
    "Probes every installed qemu-system-* emulator and answers\n"
    "org.domcapsd.DomainCapabilities1.GetDomainCapabilities with libvirt's\n"
    "domain capabilities XML.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (!dc_engine_check_options (options->system_bus, options->session_bus,
                                options->probe_timeout, error))
    return FALSE;
  return TRUE;
}

/* $CACHE_DIRECTORY (systemd, first entry) or the user cache directory. */
static char *
cache_dir (const Options *options)
{
  const char *systemd = g_getenv ("CACHE_DIRECTORY");

  if (options->cache_dir != NULL)
    return g_strdup (options->cache_dir);
  if (systemd != NULL && *systemd != '\0')
    return g_strndup (systemd, strcspn (systemd, ":"));
  return g_build_filename (g_get_user_cache_dir (), "domcapsd", NULL);
}

static gboolean on_shutdown_done (gpointer user_data);

/* /dev/kvm appeared after a systemd unit started with DevicePolicy=closed:
 * its DeviceAllow= could not name a node that did not exist, so only a
 * new start can open it. */
static gboolean
kvm_needs_restart (Daemon *daemon)
{
  const DcHostFacts *host = dc_engine_get_host (daemon->engine);

  return host->kvm_present && !host->kvm_usable && host->kvm_errno == EPERM &&
         g_getenv ("INVOCATION_ID") != NULL;
}

static void
on_devices_changed (Daemon *daemon)
{
  dc_service_recheck_host (daemon->service);
  if (!kvm_needs_restart (daemon))
    return;
  g_message ("/dev/kvm appeared after the start and this unit's device policy "
             "predates it; exiting to be started again");
  daemon->exit_code = EX_TEMPFAIL;
  dc_registry_shutdown (daemon->registry, on_shutdown_done, daemon);
}

static void
on_watched_change (guint kinds, gpointer user_data)
{
  Daemon *daemon = user_data;

  if (kinds & WATCH_DEVICES)
    on_devices_changed (daemon);
  if (kinds & WATCH_FIRMWARE)
    dc_engine_load_firmware (daemon->engine);
  if (kinds & WATCH_EMULATORS)
    {
      g_auto(GStrv) dirs = NULL;

      dc_registry_rescan (daemon->registry);
      dirs = dc_registry_watch_dirs (daemon->registry);
      dc_watch_set_dirs (daemon->watch, WATCH_EMULATORS, (const char *const *) dirs);
    }
}

static void
rescan_once (gpointer registry)
{
  dc_registry_rescan (registry);
}

/* A GSourceFunc: run once, WATCH_START_DELAY_MS after the name is ours. */
static gboolean
start_watching (gpointer user_data)
{
  Daemon *daemon = user_data;
  g_auto(GStrv) dirs = dc_registry_watch_dirs (daemon->registry);
  /* /dev/kvm appearing (a module loaded late), going, or its group changed */
  g_autofree char *dev_dir = g_build_filename (daemon->options.host_root
                                                 ? daemon->options.host_root : "/",
                                               "dev", NULL);
  const char *dev[] = { dev_dir, NULL };

  daemon->watch = dc_watch_new (WATCH_QUIET_MS, WATCH_MAX_DELAY_MS,
                                on_watched_change, daemon);
  dc_watch_set_dirs (daemon->watch, WATCH_EMULATORS, (const char *const *) dirs);
  dc_watch_set_dirs (daemon->watch, WATCH_FIRMWARE,
                     dc_engine_get_firmware_dirs (daemon->engine));
  dc_watch_set_dirs (daemon->watch, WATCH_DEVICES, (const char *const *) dev);
  /* What changed since start, before any watch: firmware descriptors (a
   * signal only if they differ), and a binary added, replaced or removed
   * (stats only, no QEMU unless one changed). */
  dc_engine_load_firmware (daemon->engine);
  g_idle_add_once (rescan_once, daemon->registry);
  return G_SOURCE_REMOVE;
}

/* How many emulators have a probe result (ready, failed, or not usable on
 * this host, which is no failure), and failed. */
static guint
count_probed (DcRegistry *registry, guint *total, guint *failed)
{
  g_autoptr(GPtrArray) list = dc_registry_list (registry);
  guint done = 0;

  *failed = 0;
  for (guint i = 0; i < list->len; i++)
    {
      DcEmulatorState state = dc_emulator_get_state (g_ptr_array_index (list, i));
      done += state == DC_EMULATOR_READY || state == DC_EMULATOR_FAILED ||
              state == DC_EMULATOR_UNUSABLE;
      *failed += state == DC_EMULATOR_FAILED;
    }
  *total = list->len;
  return done;
}

/* systemd's STATUS: the start-up probes' progress, then what is served. */
static void
tell_status (Daemon *daemon)
{
  guint total, failed;
  guint done = count_probed (daemon->registry, &total, &failed);

  if (daemon->started)
    sd_notifyf (0, "STATUS=Serving %u emulators (%u failed to probe)", total, failed);
  else
    sd_notifyf (0, "STATUS=%sProbing: %u/%u emulators done",
                daemon->serving ? "Serving; " : "", done, total);
}

static void
on_emulator_probed (DcRegistry *registry, const char *path, gpointer user_data)
{
  Daemon *daemon = user_data;

  if (!daemon->started)
    tell_status (daemon);
}

static void
on_name_acquired (const char *name, gpointer user_data)
{
  Daemon *daemon = user_data;
  guint total, failed;

  /* The watches after the first answers (WATCH_START_DELAY_MS); what
   * changed before they are set is found when they are. */
  if (daemon->watch == NULL)
    g_timeout_add (WATCH_START_DELAY_MS, start_watching, daemon);

  daemon->serving = TRUE;
  count_probed (daemon->registry, &total, &failed);
  dc_service_start_signalling (daemon->service);
  /* Ready as soon as the name is ours: a query waits for the probes its
   * answer needs, not for all of them (docs/architecture.md). */
  g_message ("Serving %s with %u emulators", name, total);
  sd_notify (0, "READY=1");
  tell_status (daemon);
}

static void
on_name_lost (const char *name, gboolean bus_closed, gpointer user_data)
{
  Daemon *daemon = user_data;

  if (bus_closed)
    {
      /* The bus went away (restarted): systemd's Restart= starts us again
       * and D-Bus activation would too. */
      g_warning ("Lost the connection to the bus; exiting to be started again");
      daemon->exit_code = EX_TEMPFAIL;
    }
  else
    {
      g_critical ("Could not own %s on the bus (is another instance running?)",
                  name);
      daemon->exit_code = EXIT_FAILURE;
    }
  g_main_loop_quit (daemon->loop);
}

static void
on_replied (GDBusConnection *connection, gsize size, gpointer user_data)
{
  dc_bus_name_replied (user_data, connection, size);
}

/* Takes the bus name once connected and the host facts are complete;
 * the emulators are probed meanwhile and on. */
static void
serve_when_ready (Daemon *daemon)
{
  static const DcBusNameHandlers handlers = { on_name_acquired, on_name_lost };
  GBusType type = daemon->options.session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  if (--daemon->waiting > 0)
    return;
  /* the connections that take the name over later go there too */
  address = g_dbus_address_get_for_bus_sync (type, NULL, &error);
  if (address == NULL)
    g_message ("The bus connection will not be renewed: %s", error->message);
  daemon->bus_name = dc_bus_name_new (g_steal_pointer (&daemon->connection),
                                      address, DC_BUS_NAME,
                                      daemon->service, &handlers, daemon);
  dc_service_set_replied_func (daemon->service, on_replied, daemon->bus_name);
}

static void
on_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;

  guint total, failed;

  dc_engine_start_finish (daemon->engine, result);
  daemon->started = TRUE;
  count_probed (daemon->registry, &total, &failed);
  g_message ("Every emulator probed: %u (%u failed to probe)", total, failed);
  tell_status (daemon);
  if (daemon->options.nfd_file != NULL)
    daemon->nfd_writer = dc_nfd_writer_new (daemon->registry,
                                            dc_engine_get_answerer (daemon->engine),
                                            daemon->options.nfd_file,
                                            NFD_DELAY_MS);
}

static void
on_host_ready (gpointer user_data)
{
  serve_when_ready (user_data);
}
static gboolean on_shutdown_done (gpointer user_data);

static void
fail_and_stop (Daemon *daemon, const char *what, const GError *error)
{
  g_printerr ("domcapsd: %s: %s\n", what, error->message);
  daemon->exit_code = EXIT_FAILURE;
  dc_registry_shutdown (daemon->registry, on_shutdown_done, daemon);
}

static void
on_bus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  daemon->connection = g_bus_get_finish (result, &error);
  if (daemon->connection == NULL)
    return fail_and_stop (daemon, daemon->options.session_bus
                                    ? "cannot connect to the session bus"
                                    : "cannot connect to the system bus", error);
  /* A bus that goes away is handled (on_name_lost), not a SIGTERM. */
  g_dbus_connection_set_exit_on_close (daemon->connection, FALSE);
  daemon->service = dc_service_new (daemon->engine, !daemon->options.session_bus);
  if (!dc_service_export (daemon->service, daemon->connection, &error))
    return fail_and_stop (daemon, "cannot export the service", error);
  serve_when_ready (daemon);
}

static gboolean
on_shutdown_done (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_message ("Stopping");
  sd_notify (0, "STOPPING=1");
  dc_registry_shutdown (daemon->registry, on_shutdown_done, daemon);
  return G_SOURCE_REMOVE;
}

static int
run (Daemon *daemon)
{
  Options *options = &daemon->options;
  g_autofree char *cache = cache_dir (options);
  DcEngineOptions engine_options = {
    .emulator_dirs = (const char *const *) options->emulator_dirs,
    .firmware_dirs = (const char *const *) options->firmware_dirs,
    .user_firmware = options->session_bus,
    .cache_dir = cache,
    .host_root = options->host_root,
    .probe_timeout = options->probe_timeout,
    .retry_delay = CLAMP (options->retry_delay, 0, 3600),
    .probe_in_helper = !options->no_probe_helper,
  };

  /* The bus handshake (in GDBus's thread) and the engine's start (host
   * facts, discovery, the cache, the probes) go side by side. The name is
   * taken once the bus is there and the host facts are complete. */
  daemon->loop = g_main_loop_new (NULL, FALSE);
  daemon->waiting = 2;
  g_bus_get (options->session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
             NULL, on_bus, daemon);
  daemon->engine = dc_engine_new (&engine_options);
  daemon->registry = dc_engine_get_registry (daemon->engine);
  g_signal_connect (daemon->registry, "emulator-probed",
                    G_CALLBACK (on_emulator_probed), daemon);
  g_unix_signal_add (SIGTERM, on_signal, daemon);
  g_unix_signal_add (SIGINT, on_signal, daemon);
  sd_notify (0, "STATUS=Probing emulators");
  dc_engine_start_async (daemon->engine, on_host_ready, on_started, daemon);
  g_main_loop_run (daemon->loop);
  return daemon->exit_code;
}

static void
daemon_clear (Daemon *daemon)
{
  g_clear_pointer (&daemon->bus_name, dc_bus_name_free);
  g_clear_pointer (&daemon->watch, dc_watch_free);
  g_clear_pointer (&daemon->nfd_writer, dc_nfd_writer_free);
  g_clear_pointer (&daemon->service, dc_service_free);
  g_clear_pointer (&daemon->engine, dc_engine_free);
  g_clear_object (&daemon->connection);
  g_clear_pointer (&daemon->loop, g_main_loop_unref);
  g_strfreev (daemon->options.emulator_dirs);
  g_strfreev (daemon->options.firmware_dirs);
  g_free (daemon->options.cache_dir);
  g_free (daemon->options.host_root);
  g_free (daemon->options.nfd_file);
}

int
main (int argc, char **argv)
{
  Daemon daemon = { 0 };
  g_autoptr(GError) error = NULL;
  int code;

  setlocale (LC_ALL, "");
  if (!parse_options (&daemon.options, &argc, &argv, &error))
    {
      g_printerr ("domcapsd: %s\nTry 'domcapsd --help'.\n", error->message);
      daemon_clear (&daemon);
      return EXIT_USAGE;
    }
  if (daemon.options.version)
    {
      g_print ("domcapsd %s\n", PACKAGE_VERSION);
      daemon_clear (&daemon);
      return EXIT_SUCCESS;
    }
  if (daemon.options.verbose)
    g_log_set_debug_enabled (TRUE);

  /* Registers the org.domcapsd.Error names before any call arrives. */
  (void) DC_ERROR;
  code = run (&daemon);
  daemon_clear (&daemon);
  return code;
}
