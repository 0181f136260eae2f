/* Versions of etk and of every library linked in (for -V and journals). */
#include <stdio.h>
#include <string.h>

#include <archive.h>
#include <libewf.h>
#include <magic.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <tsk/libtsk.h>
#include <zlib.h>

#include <etk/core.h>

const char *
etk_version(void)
{
	return ETK_VERSION;
}

static const char *const lib_names[] = {
	"libewf", "libtsk", "libmagic", "openssl", "sqlite", "libarchive", "zlib"
};
static char lib_vers[7][64];
static const char *lib_ptrs[7];
static char all[512];

static void
fill(void)
{
	const char *a;
	int m;
	size_t i;

	if (lib_ptrs[0] != NULL)
		return;
	snprintf(lib_vers[0], sizeof(lib_vers[0]), "%s", libewf_get_version());
	snprintf(lib_vers[1], sizeof(lib_vers[1]), "%s", tsk_version_get_str());
	m = magic_version();
	snprintf(lib_vers[2], sizeof(lib_vers[2]), "%d.%02d", m / 100, m % 100);
	snprintf(lib_vers[3], sizeof(lib_vers[3]), "%s",
	    OpenSSL_version(OPENSSL_VERSION_STRING));
	snprintf(lib_vers[4], sizeof(lib_vers[4]), "%s", sqlite3_libversion());
	a = archive_version_string();	/* "libarchive 3.6.2" */
	if (strncmp(a, "libarchive ", 11) == 0)
		a += 11;
	snprintf(lib_vers[5], sizeof(lib_vers[5]), "%s", a);
	snprintf(lib_vers[6], sizeof(lib_vers[6]), "%s", zlibVersion());
	all[0] = '\0';
	for (i = 0; i < 7; i++) {
		size_t n = strlen(all);
		snprintf(all + n, sizeof(all) - n, "%s%s %s", i ? ", " : "",
		    lib_names[i], lib_vers[i]);
	}
	for (i = 0; i < 7; i++)
		lib_ptrs[i] = lib_vers[i];
}

const char *
etk_lib_versions(void)
{
	fill();
	return all;
}

size_t
etk_lib_version_list(const char *const **names, const char *const **versions)
{
	fill();
	if (names != NULL)
		*names = lib_names;
	if (versions != NULL)
		*versions = lib_ptrs;
	return 7;
}
