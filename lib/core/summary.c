/*
 * Run summary (include/etk/summary.h): one outcome per scope, in the
 * order scopes were first added, guarded by a mutex so worker threads
 * can report directly.
 *
 * Merging keeps the worse outcome.  From worst to least bad:
 * ERROR, TIMEOUT, UNSUPPORTED, then OK/EMPTY (one rank: which of the
 * two is decided by the count), ABSENT, SKIPPED.  A failure always wins;
 * among the rest the outcome that saw most wins, because a scope that
 * was both skipped and read was read.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <etk/summary.h>

struct sitem {
	char *scope;
	char *kind;		/* NULL when not given */
	char *reason;		/* NULL when not given */
	enum etk_outcome outcome;
	uint64_t count;
};

struct etk_summary {
	pthread_mutex_t mu;
	struct sitem *items;
	size_t n, cap;
	size_t *slots;		/* open addressing: item index + 1, 0 empty */
	size_t nslots;		/* power of two, > 2n */
	char **old;		/* replaced reasons: kept until free, because
				 * etk_summary_item lends them out */
	size_t nold, oldcap;
};

static const char *const outcome_names[] = {
	"ok", "empty", "absent", "error", "unsupported", "timeout", "skipped"
};
#define NOUTCOMES (sizeof(outcome_names) / sizeof(outcome_names[0]))

static int
valid_outcome(enum etk_outcome o)
{
	return (unsigned)o < NOUTCOMES;
}

static int
severity(enum etk_outcome o)
{
	switch (o) {
	case ETK_OUTCOME_SKIPPED:	return 0;
	case ETK_OUTCOME_ABSENT:	return 1;
	case ETK_OUTCOME_OK:
	case ETK_OUTCOME_EMPTY:		return 2;
	case ETK_OUTCOME_UNSUPPORTED:	return 3;
	case ETK_OUTCOME_TIMEOUT:	return 4;
	case ETK_OUTCOME_ERROR:
	default:			return 5;
	}
}

static int
is_failure(enum etk_outcome o)
{
	return o == ETK_OUTCOME_ERROR || o == ETK_OUTCOME_TIMEOUT;
}

static size_t
hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= UINT64_C(1099511628211);
	}
	return (size_t)h;
}

/* Slot for scope: holding it, or the empty one where it would go. */
static size_t *
find_slot(const struct etk_summary *sum, const char *scope)
{
	size_t mask = sum->nslots - 1, i = hash(scope) & mask;

	while (sum->slots[i] != 0 &&
	    strcmp(sum->items[sum->slots[i] - 1].scope, scope) != 0)
		i = (i + 1) & mask;
	return &sum->slots[i];
}

static int
rehash(struct etk_summary *sum, size_t nslots)
{
	size_t *slots, *old = sum->slots, oldn = sum->nslots, i;

	if ((slots = calloc(nslots, sizeof(*slots))) == NULL)
		return ETK_ENOMEM;
	sum->slots = slots;
	sum->nslots = nslots;
	for (i = 0; i < oldn; i++)
		if (old[i] != 0)
			*find_slot(sum, sum->items[old[i] - 1].scope) = old[i];
	free(old);
	return ETK_OK;
}

int
etk_summary_new(struct etk_summary **sump, struct etk_error *err)
{
	struct etk_summary *sum;

	if (sump == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "summary: no result");
	*sump = NULL;
	if ((sum = calloc(1, sizeof(*sum))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "summary");
	if (rehash(sum, 16) != ETK_OK) {
		free(sum);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "summary");
	}
	if (pthread_mutex_init(&sum->mu, NULL) != 0) {
		free(sum->slots);
		free(sum);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "summary: mutex");
	}
	*sump = sum;
	return ETK_OK;
}

void
etk_summary_free(struct etk_summary *sum)
{
	size_t i;

	if (sum == NULL)
		return;
	for (i = 0; i < sum->n; i++) {
		free(sum->items[i].scope);
		free(sum->items[i].kind);
		free(sum->items[i].reason);
	}
	for (i = 0; i < sum->nold; i++)
		free(sum->old[i]);
	free(sum->old);
	free(sum->items);
	free(sum->slots);
	pthread_mutex_destroy(&sum->mu);
	free(sum);
}

/* Keep a replaced reason alive until etk_summary_free. */
static int
retire(struct etk_summary *sum, char *s)
{
	char **old;
	size_t cap;

	if (s == NULL)
		return ETK_OK;
	if (sum->nold == sum->oldcap) {
		cap = sum->oldcap ? sum->oldcap * 2 : 8;
		if ((old = realloc(sum->old, cap * sizeof(*old))) == NULL)
			return ETK_ENOMEM;
		sum->old = old;
		sum->oldcap = cap;
	}
	sum->old[sum->nold++] = s;
	return ETK_OK;
}

static void
normalise(struct sitem *it)
{
	if (it->outcome == ETK_OUTCOME_OK || it->outcome == ETK_OUTCOME_EMPTY)
		it->outcome = it->count != 0 ? ETK_OUTCOME_OK :
		    ETK_OUTCOME_EMPTY;
}

static int
merge(struct etk_summary *sum, struct sitem *it, const char *kind,
    enum etk_outcome o, uint64_t count, const char *reason)
{
	char *dup;
	int sv = severity(o), cur = severity(it->outcome);

	if (it->kind == NULL && kind != NULL &&
	    (it->kind = strdup(kind)) == NULL)
		return ETK_ENOMEM;
	if (sv > cur) {
		dup = NULL;
		if (reason != NULL && (dup = strdup(reason)) == NULL)
			return ETK_ENOMEM;
		if (retire(sum, it->reason) != ETK_OK) {
			free(dup);
			return ETK_ENOMEM;
		}
		it->reason = dup;
		it->outcome = o;
	} else if (sv == cur && it->reason == NULL && reason != NULL &&
	    (it->reason = strdup(reason)) == NULL)
		return ETK_ENOMEM;
	it->count = count > UINT64_MAX - it->count ? UINT64_MAX :
	    it->count + count;
	normalise(it);
	return ETK_OK;
}

static int
append(struct etk_summary *sum, size_t *slot, const char *scope,
    const char *kind, enum etk_outcome o, uint64_t count, const char *reason)
{
	struct sitem *it, *items;
	size_t cap;

	if (sum->n == sum->cap) {
		cap = sum->cap ? sum->cap * 2 : 16;
		if ((items = realloc(sum->items, cap * sizeof(*items))) == NULL)
			return ETK_ENOMEM;
		sum->items = items;
		sum->cap = cap;
	}
	it = &sum->items[sum->n];
	memset(it, 0, sizeof(*it));
	if ((it->scope = strdup(scope)) == NULL ||
	    (kind != NULL && (it->kind = strdup(kind)) == NULL) ||
	    (reason != NULL && (it->reason = strdup(reason)) == NULL)) {
		free(it->scope);
		free(it->kind);
		return ETK_ENOMEM;
	}
	it->outcome = o;
	it->count = count;
	normalise(it);
	*slot = ++sum->n;
	return ETK_OK;
}

int
etk_summary_add(struct etk_summary *sum, const char *scope,
    const char *kind, enum etk_outcome o, uint64_t count, const char *reason)
{
	size_t *slot;
	int rc;

	if (sum == NULL || scope == NULL || !valid_outcome(o))
		return ETK_EINVAL;
	pthread_mutex_lock(&sum->mu);
	rc = ETK_OK;
	if ((sum->n + 1) * 2 > sum->nslots)
		rc = rehash(sum, sum->nslots * 2);
	if (rc == ETK_OK) {
		slot = find_slot(sum, scope);
		if (*slot != 0)
			rc = merge(sum, &sum->items[*slot - 1], kind, o, count,
			    reason);
		else
			rc = append(sum, slot, scope, kind, o, count, reason);
	}
	pthread_mutex_unlock(&sum->mu);
	return rc;
}

const char *
etk_outcome_name(enum etk_outcome o)
{
	return valid_outcome(o) ? outcome_names[o] : "unknown";
}

/* The summary is only ever allocated non-const: locking through a
 * const pointer is fine. */
static void
lock(const struct etk_summary *sum)
{
	pthread_mutex_lock(&((struct etk_summary *)sum)->mu);
}

static void
unlock(const struct etk_summary *sum)
{
	pthread_mutex_unlock(&((struct etk_summary *)sum)->mu);
}

int
etk_summary_item(const struct etk_summary *sum, size_t i, const char **scope,
    const char **kind, enum etk_outcome *o, uint64_t *count,
    const char **reason)
{
	const struct sitem *it;

	if (sum == NULL)
		return ETK_EINVAL;
	lock(sum);
	if (i >= sum->n) {
		unlock(sum);
		return ETK_ENOTFOUND;
	}
	it = &sum->items[i];
	if (scope != NULL)
		*scope = it->scope;
	if (kind != NULL)
		*kind = it->kind;
	if (o != NULL)
		*o = it->outcome;
	if (count != NULL)
		*count = it->count;
	if (reason != NULL)
		*reason = it->reason;
	unlock(sum);
	return ETK_OK;
}

size_t
etk_summary_count(const struct etk_summary *sum)
{
	size_t n;

	if (sum == NULL)
		return 0;
	lock(sum);
	n = sum->n;
	unlock(sum);
	return n;
}

int
etk_summary_exit(const struct etk_summary *sum)
{
	size_t i, nfail = 0, nok = 0;

	if (sum == NULL)
		return ETK_EXIT_OK;
	lock(sum);
	for (i = 0; i < sum->n; i++) {
		if (is_failure(sum->items[i].outcome)) {
			nfail++;
			/* A failed item that still gave something (a file
			 * system listed in part) makes the run partial. */
			if (sum->items[i].count > 0)
				nok++;
		} else if (sum->items[i].outcome == ETK_OUTCOME_OK ||
		    sum->items[i].outcome == ETK_OUTCOME_EMPTY)
			nok++;
	}
	unlock(sum);
	if (nfail == 0)
		return ETK_EXIT_OK;
	return nok != 0 ? ETK_EXIT_PARTIAL : ETK_EXIT_FAILURE;
}

void
etk_summary_json(const struct etk_summary *sum, const char *command,
    int exit_status, struct etk_json *j)
{
	const struct sitem *it;
	size_t i;

	if (j == NULL)
		return;
	etk_json_obj_begin(j);
	etk_json_key(j, "record");
	etk_json_str(j, "summary");
	etk_json_key(j, "command");
	etk_json_str(j, command);
	etk_json_key(j, "exit");
	etk_json_int(j, exit_status);
	etk_json_key(j, "items");
	etk_json_arr_begin(j);
	if (sum != NULL) {
		lock(sum);
		for (i = 0; i < sum->n; i++) {
			it = &sum->items[i];
			etk_json_obj_begin(j);
			etk_json_key(j, "scope");
			etk_json_str(j, it->scope);
			etk_json_key(j, "kind");
			etk_json_str(j, it->kind);
			etk_json_key(j, "status");
			etk_json_str(j, outcome_names[it->outcome]);
			etk_json_key(j, "count");
			etk_json_uint(j, it->count);
			etk_json_key(j, "reason");
			etk_json_str(j, it->reason);
			etk_json_obj_end(j);
		}
		unlock(sum);
	}
	etk_json_arr_end(j);
	etk_json_obj_end(j);
}

/* Append s with control bytes shown as '?' (text goes to a terminal). */
static void
add_clean(struct etk_buf *out, const char *s)
{
	const char *run;

	for (run = s; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != 0x7f)
			continue;
		etk_buf_add(out, run, (size_t)(s - run));
		etk_buf_addc(out, '?');
		run = s + 1;
	}
	etk_buf_add(out, run, (size_t)(s - run));
}

void
etk_summary_text(const struct etk_summary *sum, struct etk_buf *out)
{
	const struct sitem *it;
	size_t i;

	if (sum == NULL || out == NULL)
		return;
	lock(sum);
	for (i = 0; i < sum->n; i++) {
		it = &sum->items[i];
		etk_buf_printf(out, "summary: %s ", outcome_names[it->outcome]);
		add_clean(out, it->scope);
		if (it->kind != NULL) {
			etk_buf_adds(out, " (");
			add_clean(out, it->kind);
			etk_buf_addc(out, ')');
		}
		etk_buf_printf(out, ": %llu", (unsigned long long)it->count);
		if (it->reason != NULL) {
			etk_buf_addc(out, ' ');
			add_clean(out, it->reason);
		}
		etk_buf_addc(out, '\n');
	}
	unlock(sum);
}
