/* etk: the evidence triage kit library.  Include this for everything. */
#ifndef ETK_ETK_H
#define ETK_ETK_H

#include <etk/core.h>
#include <etk/json.h>
#include <etk/locator.h>
#include <etk/source.h>
#include <etk/summary.h>
#include <etk/progress.h>
#include <etk/evidence.h>
#include <etk/custody.h>
#include <etk/hash.h>
#include <etk/hashset.h>
#include <etk/output.h>
#include <etk/manifest.h>
#include <etk/redact.h>
#include <etk/bundle.h>

#endif /* ETK_ETK_H */
