/*
 * iOS artifacts, in the order ARTIFACTS.md ranks them.  Each parser
 * file defines its struct ex_artifact; this list names them.
 */
#include "extract/ex_int.h"

/* a_ios_sms.c, a_ios_calls.c, a_ios_addressbook.c, a_whatsapp_ios.c,
 * a_whatsapp_ios_calls.c */
extern const struct ex_artifact ex_ios_sms;
extern const struct ex_artifact ex_ios_calls;
extern const struct ex_artifact ex_ios_addressbook;
extern const struct ex_artifact ex_whatsapp_ios;
extern const struct ex_artifact ex_whatsapp_ios_calls;

const struct ex_artifact *const ex_artifacts_ios[] = {
	&ex_ios_sms,
	&ex_ios_calls,
	&ex_ios_addressbook,
	&ex_whatsapp_ios,
	&ex_whatsapp_ios_calls,
	NULL
};
