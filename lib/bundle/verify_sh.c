/*
 * VERIFY.sh, the script every disclosure bundle carries (etk-bundle(5);
 * CUSTODY.md §6c): the eleven verification steps with POSIX sh,
 * coreutils, sed, grep, tar and openssl only, so that a court or the
 * defence can check a bundle without etk.  It reads journal lines with
 * sed on their fixed field order (v, seq, prev, type, ts first; a seal's
 * signers and sig_files arrays) and never evaluates bundle content.
 *
 * The script itself is lib/bundle/VERIFY.sh; CMakeLists.txt embeds its
 * bytes as etk_bv_verify_sh_data so that etk and the bundles it writes
 * agree on it.  tests/cli/bundle-verify.sh runs it under dash against
 * good and tampered bundles.
 */
#include "verify_int.h"

extern const char etk_bv_verify_sh_data[];

const char *
etk_bundle_verify_script(void)
{
	return etk_bv_verify_sh_data;
}
