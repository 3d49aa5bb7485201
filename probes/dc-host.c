/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dc-host.c: reading the host facts. */
#include "config.h"

#include "dc-host.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <json-glib/json-glib.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dc-arch.h"
#include "dc-cpuid-read.h"
#include "dc-file.h"
#include "dc-json.h"


static void
read_kvm (DcHostFacts *facts, const char *root)
{
  g_autofree char *path = g_build_filename (root, "dev", "kvm", NULL);
  int fd;
  int max;

  facts->kvm_present = g_file_test (path, G_FILE_TEST_EXISTS);
  fd = open (path, O_RDWR | O_CLOEXEC);
  facts->kvm_errno = fd < 0 && facts->kvm_present ? errno : 0;
  if (fd < 0)
    return;
  facts->kvm_usable = TRUE;
  max = ioctl (fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
  if (max <= 0)
    max = ioctl (fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
  facts->kvm_max_vcpus = max > 0 ? (guint) max : 0;
  close (fd);
}

/* @path's contents, bounded and non-blocking (dc-file.h): a FIFO or
 * /dev/zero under a moved root reads as missing (the reason logged),
 * never hangs. */
static gboolean
read_small (const char *path, gsize max, char **text)
{
  g_autoptr(GError) error = NULL;
  gsize length;

  if (dc_file_read_bounded (path, max, DC_FILE_FOLLOW_LINKS, text, &length, &error))
    return TRUE;
  if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_message ("Host facts leave out a file: %s", error->message);
  return FALSE;
}

/* The value of "KEY : value" in the first processor block, or NULL. */
static char *
cpuinfo_value (GStrv lines, const char *key)
{
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      const char *colon = strchr (lines[i], ':');
      g_autofree char *name = NULL;

      if (colon == NULL)
        continue;
      name = g_strstrip (g_strndup (lines[i], colon - lines[i]));
      if (g_str_equal (name, key))
        return g_strstrip (g_strdup (colon + 1));
    }
  return NULL;
}

/* The first processor's microcode, vendor and signature. */
static void
read_cpuinfo (DcHostFacts *facts, const char *root)
{
  g_autofree char *path = g_build_filename (root, "proc", "cpuinfo", NULL);
  g_autofree char *text = NULL;
  g_autofree char *family = NULL, *model = NULL, *stepping = NULL;
  g_auto(GStrv) lines = NULL;

  /* a large host's /proc/cpuinfo: 1 KB per CPU */
  if (!read_small (path, 4 * 1024 * 1024, &text))
    {
      facts->microcode = g_strdup ("");
      return;
    }
  lines = g_strsplit (text, "\n", -1);
  facts->microcode = cpuinfo_value (lines, "microcode");
  if (facts->microcode == NULL)
    facts->microcode = g_strdup ("");
  facts->cpu_vendor_id = cpuinfo_value (lines, "vendor_id");
  family = cpuinfo_value (lines, "cpu family");
  model = cpuinfo_value (lines, "model");
  stepping = cpuinfo_value (lines, "stepping");
  facts->has_cpu_signature = family != NULL && model != NULL && stepping != NULL;
  if (facts->has_cpu_signature)
    {
      facts->cpu_family = (guint) g_ascii_strtoull (family, NULL, 10);
      facts->cpu_model = (guint) g_ascii_strtoull (model, NULL, 10);
      facts->cpu_stepping = (guint) g_ascii_strtoull (stepping, NULL, 10);
    }
}

/* Whether a vhost-user descriptor (QEMU's interop/vhost-user.json, as
 * libvirt reads them) offers a backend of type "fs": virtiofsd. */
static gboolean
read_vhost_user_fs (const char *root)
{
  static const char *const dirs[] = { "etc/qemu/vhost-user", "usr/share/qemu/vhost-user" };
  static const DcJsonLimits limits = { 8, 1024 };

  for (gsize d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir = g_build_filename (root, dirs[d], NULL);
      g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
      const char *name;

      while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autofree char *text = NULL;
          g_autoptr(JsonNode) node = NULL;

          if (!g_str_has_suffix (name, ".json") || !read_small (path, 65536, &text) ||
              (node = dc_json_parse_object (text, strlen (text), 65536, &limits,
                                            NULL)) == NULL)
            continue;
          if (g_strcmp0 (dc_json_get_string (json_node_get_object (node), "type"),
                         "fs") == 0)
            return TRUE;
        }
    }
  return FALSE;
}

/* QEMU loads display, audio and device modules from
 * /usr/lib/<multiarch>/qemu; installing one changes the QOM types. */
static char *
read_qemu_modules (const char *root)
{
  g_autofree char *lib = g_build_filename (root, "usr", "lib", NULL);
  g_autoptr(GDir) dir = g_dir_open (lib, 0, NULL);
  GString *stamp = g_string_new (NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!g_str_equal (name, "qemu") && strstr (name, "-linux-") == NULL)
        continue;
      path = g_str_equal (name, "qemu") ? g_build_filename (lib, name, NULL)
                                        : g_build_filename (lib, name, "qemu", NULL);
      if (g_stat (path, &st) == 0 && S_ISDIR (st.st_mode))
        g_string_append_printf (stamp, "%s@%" G_GINT64_FORMAT ".%09ld;", path,
                                (gint64) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    }
  return g_string_free (stamp, FALSE);
}

/* Whether a sysfs switch under @root reads as on ("1", "Y", "y"). */
static gboolean
switch_on (const char *root, const char *path)
{
  g_autofree char *full = g_build_filename (root, path, NULL);
  g_autofree char *text = NULL;

  if (!read_small (full, 4096, &text))
    return FALSE;
  g_strstrip (text);
  return g_str_equal (text, "1") || g_ascii_strcasecmp (text, "y") == 0;
}

static char *
read_arch (const char *root)
{
  g_autofree char *path = g_build_filename (root, "proc", "sys", "kernel",
                                            "arch", NULL);
  g_autofree char *text = NULL;
  struct utsname uts;

  if (read_small (path, 4096, &text) && *g_strstrip (text))
    return g_strdup (dc_arch_from_uname (text));
  if (uname (&uts) == 0)
    return g_strdup (dc_arch_from_uname (uts.machine));
  return g_strdup ("unknown");
}

/* SEV limits from CPUID Fn8000_001F: ECX is how many encrypted guests run
 * at once, EDX the first ASID that is SEV but not SEV-ES. */
/* The host's physical address width (x86: CPUID 0x80000008 EAX[7:0]). */
static guint
read_phys_addr_bits (const char *arch, const char *root)
{
  guint32 regs[4];

  if (!dc_arch_is_x86 (arch) || !dc_cpuid_read (root, 0x80000008, 0, regs))
    return 0;
  return regs[0] & 0xff;
}

static void
read_sev (DcHostFacts *facts, const char *root)
{
  guint32 regs[4];

  facts->sev = switch_on (root, "sys/module/kvm_amd/parameters/sev");
  facts->sev_es = switch_on (root, "sys/module/kvm_amd/parameters/sev_es");
  facts->sev_snp = switch_on (root, "sys/module/kvm_amd/parameters/sev_snp");
  if (!facts->sev || !dc_cpuid_read (root, 0x8000001F, 0, regs))
    return;
  facts->sev_max_guests = regs[2] >= regs[3] ? regs[2] - regs[3] + 1 : 0;
  facts->sev_max_es_guests = facts->sev_es && regs[3] > 0 ? regs[3] - 1 : 0;
}

/* What /dev offers: KVM, VFIO, iommufd. */
static void
read_devices (DcHostFacts *facts, const char *root)
{
  g_autofree char *vfio = g_build_filename (root, "dev", "vfio", "vfio", NULL);
  g_autofree char *iommu = g_build_filename (root, "dev", "iommu", NULL);
  g_autofree char *groups = g_build_filename (root, "sys", "kernel",
                                              "iommu_groups", NULL);

  read_kvm (facts, root);
  facts->vfio = g_file_test (vfio, G_FILE_TEST_EXISTS) &&
                dc_file_dir_has_entries (groups);
  facts->iommufd = g_file_test (iommu, G_FILE_TEST_EXISTS);
}

gboolean
dc_host_facts_reread_devices (DcHostFacts *facts, const char *root)
{
  DcHostFacts now = { 0 };
  gboolean changed;

  read_devices (&now, root);
  changed = now.kvm_present != facts->kvm_present || now.kvm_usable != facts->kvm_usable ||
            now.kvm_max_vcpus != facts->kvm_max_vcpus || now.vfio != facts->vfio ||
            now.iommufd != facts->iommufd;
  facts->kvm_present = now.kvm_present;
  facts->kvm_usable = now.kvm_usable;
  facts->kvm_errno = now.kvm_errno;
  facts->kvm_max_vcpus = now.kvm_max_vcpus;
  facts->vfio = now.vfio;
  facts->iommufd = now.iommufd;
  return changed;
}

DcHostFacts *
dc_host_facts_read (const char *root)
{
  DcHostFacts *facts = g_new0 (DcHostFacts, 1);
  g_autofree char *rdp = NULL;
  struct utsname uts;

  facts->arch = read_arch (root);
  facts->kernel_release = g_strdup (uname (&uts) == 0 ? uts.release : "");
  read_devices (facts, root);
  read_sev (facts, root);
  facts->tdx = switch_on (root, "sys/module/kvm_intel/parameters/tdx");
  facts->s390_pv = switch_on (root, "sys/firmware/uv/prot_virt_host") &&
                   switch_on (root, "sys/module/kvm/parameters/prot_virt");
  facts->phys_addr_bits = read_phys_addr_bits (facts->arch, root);
  rdp = g_find_program_in_path ("qemu-rdp");
  facts->qemu_rdp = rdp != NULL;
  facts->virtiofsd = read_vhost_user_fs (root);
  read_cpuinfo (facts, root);
  facts->qemu_modules = read_qemu_modules (root);
  return facts;
}

gboolean
dc_host_facts_parse_swtpm (DcHostFacts *facts, const char *text,
                           GError **error)
{
  static const DcJsonLimits limits = { 8, 1024 };
  g_autoptr(JsonNode) root = dc_json_parse_bounded (text, strlen (text), &limits,
                                                    NULL, error);
  JsonArray *array;

  if (root == NULL)
    return FALSE;
  array = dc_json_get_array (dc_json_node_object (root), "features");
  if (array == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "swtpm_setup capabilities have no \"features\" list");
      return FALSE;
    }
  facts->swtpm = TRUE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *name = dc_json_array_get_string (array, i);

      facts->swtpm_tpm12 |= g_strcmp0 (name, "tpm-1.2") == 0;
      facts->swtpm_tpm20 |= g_strcmp0 (name, "tpm-2.0") == 0;
    }
  return TRUE;
}
