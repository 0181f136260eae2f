/*
 * lib/bundle internal: what the verifier's files share (verify.c,
 * verify_tar.c, verify_sh.c).  Not installed.
 */
#ifndef ETK_BUNDLE_VERIFY_INT_H
#define ETK_BUNDLE_VERIFY_INT_H

#include <etk/etk.h>

/* Is a bundle path name acceptable (etk-bundle/1: [A-Za-z0-9._-/], not
 * absolute, no empty, "." or ".." component)?  NULL when it is, else
 * why not (static text). */
const char *etk_bv_name_problem(const char *name);

/* One member of a tar listing that is not acceptable. */
typedef void (*etk_bv_bad_fn)(void *arg, const char *name, const char *why);

/* Read the listing of a tar: every member's name (leading "./" and a
 * trailing "/" removed) checked with etk_bv_name_problem, its type
 * (regular files and directories only; no hard links) and no name
 * twice.  bad is called for each member that fails; *nbad counts them
 * and *nmembers counts all.  ETK_EFORMAT when the file is not a tar
 * that reads to its end. */
int etk_bv_tar_check(const char *tar, etk_bv_bad_fn bad, void *arg,
    size_t *nmembers, size_t *nbad, struct etk_error *err);

/* Extract a tar that passed etk_bv_tar_check into the existing, empty,
 * private directory dir: regular files and directories only, created
 * with O_EXCL / O_NOFOLLOW, nothing outside dir. */
int etk_bv_tar_extract(const char *tar, const char *dir,
    struct etk_error *err);

/* Does the tar's listing hold MANIFEST.json at its top ("./MANIFEST.json"
 * or "MANIFEST.json")?  1 yes, 0 no or not a tar. */
int etk_bv_tar_has_manifest(const char *tar);

/* Remove a directory tree (no symbolic links followed).  Best effort. */
void etk_bv_rmtree(const char *dir);

#endif /* ETK_BUNDLE_VERIFY_INT_H */
