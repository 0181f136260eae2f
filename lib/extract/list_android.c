/*
 * Android artifacts, in the order ARTIFACTS.md ranks them.  Each
 * parser file defines its struct ex_artifact; this list names them.
 */
#include "extract/ex_int.h"

/* a_android_sms.c, a_bugle.c, a_android_calls.c, a_android_contacts.c,
 * a_whatsapp_android.c (msgstore.db and wa.db) */
extern const struct ex_artifact ex_art_android_mmssms;
extern const struct ex_artifact ex_art_google_messages;
extern const struct ex_artifact ex_art_android_calllog;
extern const struct ex_artifact ex_art_android_contacts;
extern const struct ex_artifact ex_art_whatsapp_android;
extern const struct ex_artifact ex_art_whatsapp_contacts;

const struct ex_artifact *const ex_artifacts_android[] = {
	&ex_art_android_mmssms,
	&ex_art_google_messages,
	&ex_art_android_calllog,
	&ex_art_android_contacts,
	&ex_art_whatsapp_android,
	&ex_art_whatsapp_contacts,
	NULL
};
