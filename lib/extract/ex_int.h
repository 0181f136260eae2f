/*
 * libetk extraction internals: the contract between the artifact
 * parsers (a_*.c), the database layer (db.c), the clock table
 * (time.c) and the run that discovers databases and writes records
 * (run.c, sink.c; cmd/etk-extract).
 *
 * A parser sees one SQLite database, already a private copy (never the
 * evidence), asks which tables and columns it has, builds its queries
 * from that (a missing column reads as NULL, never as a failure), and
 * hands each row to the sink as a record struct.  Everything a record
 * points at is borrowed for the duration of the emit call only: the
 * sink copies what it keeps.  Parsers print nothing and never exit.
 */
#ifndef ETK_EX_INT_H
#define ETK_EX_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <etk/core.h>

/* ------------------------------------------------------------------ */
/* Clocks (time.c) */

enum ex_tenc {
	EX_T_NONE = 0,
	EX_T_UNIX_S,		/* seconds since 1970-01-01 UTC */
	EX_T_UNIX_MS,
	EX_T_UNIX_US,
	EX_T_UNIX_NS,
	EX_T_COCOA_S,		/* seconds since 2001-01-01 UTC (may be REAL) */
	EX_T_COCOA_NS,		/* nanoseconds since 2001-01-01 UTC */
	EX_T_WEBKIT_US,		/* microseconds since 1601-01-01 UTC */
	EX_T_FILETIME		/* 100 ns ticks since 1601-01-01 UTC */
};

/* "unix_s", "unix_ms", "unix_us", "unix_ns", "cocoa_s", "cocoa_ns",
 * "webkit_us", "filetime"; NULL for EX_T_NONE. */
const char *ex_tenc_name(enum ex_tenc);

/* A point in time as a record keeps it: the raw value exactly as the
 * database stored it, its encoding, and the UTC instant.  set == 0
 * means no time (NULL, 0 which apps use for "unset", or out of range);
 * the raw value is still kept when there was one (has_raw). */
struct ex_time {
	int set;
	int64_t sec;		/* Unix seconds, floor */
	int32_t nsec;		/* 0..999999999 */
	enum ex_tenc enc;
	int has_raw;
	int raw_is_real;	/* raw_d holds it (a REAL column) */
	int64_t raw_i;
	double raw_d;
};

/* Integer raw value -> t.  0 is "unset" (t->set = 0, raw kept).
 * Floor division for negatives.  Returns 0, or -1 when the instant
 * falls outside years 1601..9999 (t->set = 0, raw kept). */
int ex_time_int(struct ex_time *t, enum ex_tenc enc, int64_t raw);
/* REAL raw value (Cocoa seconds with a fraction, ...). */
int ex_time_real(struct ex_time *t, enum ex_tenc enc, double raw);
/* Cocoa time whose unit changed with the OS (sms.db date: seconds
 * before iOS 11, nanoseconds after): picks by magnitude (|v| >= 1e11
 * is ns). */
int ex_time_cocoa_auto(struct ex_time *t, int64_t raw);
/* From a result column: INTEGER, REAL, NULL or numeric TEXT. */
int ex_time_col(struct ex_time *t, enum ex_tenc enc, sqlite3_stmt *st,
    int col);

/* ------------------------------------------------------------------ */
/* Databases (db.c) */

struct ex_db {
	sqlite3 *db;		/* the private copy with its WAL applied */
	sqlite3 *main_only;	/* the copy of the main file alone, when a
				 * -wal came with it (else NULL): rows not
				 * found here live only in the WAL */
	char *tmpdir;		/* private copies; removed on close */
	char *locator;		/* the database file's locator */
	char *path;		/* its path inside the source ("/data/...") */
	int has_wal;		/* a non-empty -wal was copied */
	int has_journal;	/* a hot -journal was copied */
	sqlite3_stmt *wal_st;	/* ex_db_wal_only's statement for wal_table */
	char *wal_table;
};

/* Open the private copies already placed in tmpdir as "db", and
 * optionally "db-wal" and "db-journal".  Takes ownership of tmpdir
 * (removed by ex_db_close, also on failure).  ETK_EFORMAT when the
 * file is not a readable SQLite database (encrypted, corrupt). */
int ex_db_open_copied(char *tmpdir, const char *locator, const char *path,
    struct ex_db **out, struct etk_error *err);
/* Copy a local file and its -wal / -journal (when present) into a
 * fresh private directory and open that.  The original is only read.
 * For folders and unit tests. */
int ex_db_open_local(const char *file, const char *locator,
    const char *path, struct ex_db **out, struct etk_error *err);
void ex_db_close(struct ex_db *);	/* accepts NULL */

int ex_db_has_table(struct ex_db *, const char *table);
int ex_db_has_col(struct ex_db *, const char *table, const char *col);
/* Append `"table"."col"` to sql when the column exists, else `NULL`:
 * how parsers build queries that survive schema generations. */
void ex_db_col(struct ex_db *, struct etk_buf *sql, const char *table,
    const char *col);
/* Prepare sql on the WAL-applied copy.  ETK_EFORMAT with the SQLite
 * message when it fails. */
int ex_db_prepare(struct ex_db *, const char *sql, sqlite3_stmt **st,
    struct etk_error *err);
/* 1 when table's row with this rowid exists only in the WAL (not in the
 * main file), else 0 (also when there is no WAL). */
int ex_db_wal_only(struct ex_db *, const char *table, int64_t rowid);
/* Like ex_db_col, naming the column through a query alias of table. */
void ex_db_col_as(struct ex_db *, struct etk_buf *sql, const char *table,
    const char *alias, const char *col);
/* 1 when table exists with every column named (NULL-terminated). */
int ex_db_has_cols(struct ex_db *, const char *table, ...);
/* Column text as UTF-8 (NULL for SQL NULL); valid until the next step. */
const char *ex_col_text(sqlite3_stmt *, int col);
/* Column integer; def for NULL. */
int64_t ex_col_int(sqlite3_stmt *, int col, int64_t def);

/* ------------------------------------------------------------------ */
/* Records */

/* Where a record came from inside its database.  The sink makes the
 * source locator "<db locator>#<table>/<rowid>". */
struct ex_prov {
	const char *table;
	int64_t rowid;
	int wal_only;		/* the row lives only in the -wal */
	const char *file;	/* or: not a row but a file beside the
				 * database (the rel path given to
				 * read_file); source is then that
				 * file's own locator */
};

/* An attachment as the database names it.  The sink resolves the
 * stored path to a file in the same evidence (exact path, then the
 * app's known prefixes, then the base name inside the app's folder),
 * exports it and lists its locator; unresolved ones are kept as
 * stored. */
struct ex_attach {
	const char *stored;	/* path/URI as stored, may be NULL */
	const char *mime;	/* as stored, may be NULL */
	const char *name;	/* transfer/file name, may be NULL */
	int64_t size;		/* as stored, -1 unknown */
};

struct ex_message {
	const char *app;	/* android_sms, android_mms, google_messages,
				 * whatsapp, ios_sms, imessage, ... */
	const char *thread;	/* thread/chat id as text, or NULL */
	const char *thread_name;/* group subject, or NULL */
	const char *direction;	/* "incoming", "outgoing", NULL unknown */
	const char *from;	/* number/handle/JID as stored, NULL unknown */
	const char *from_name;	/* display name when the database has it */
	const char *const *to;
	size_t nto;
	struct ex_time time;	/* sent/received time */
	struct ex_time time_read;	/* optional */
	const char *body;	/* UTF-8, NULL when none */
	const char *service;	/* "SMS", "MMS", "iMessage", "RCS", ... */
	const struct ex_attach *att;
	size_t natt;
	int read;		/* 1, 0, -1 unknown */
	int deleted;		/* 1: the database marks it deleted */
	struct ex_prov prov;
};

struct ex_call {
	const char *app;	/* android_calllog, ios_callhistory,
				 * whatsapp, ... */
	const char *direction;	/* incoming, outgoing, missed, rejected,
				 * blocked, voicemail, unknown */
	const char *number;	/* as stored; NULL for a private number */
	const char *name;	/* cached name, or NULL */
	const char *service;	/* "phone", "facetime_audio", "video", ... */
	struct ex_time time;
	int64_t duration_s;	/* -1 unknown */
	int video;		/* 1, 0, -1 unknown */
	int deleted;
	struct ex_prov prov;
};

struct ex_contact {
	const char *app;	/* android_contacts, ios_addressbook,
				 * whatsapp, ... */
	const char *name;
	const char *const *numbers;
	size_t nnumbers;
	const char *const *emails;
	size_t nemails;
	const char *org;	/* may be NULL */
	const char *account;	/* e.g. WhatsApp JID, may be NULL */
	int deleted;
	struct ex_prov prov;
};

/* The device owner / an account holder, for POLE. */
struct ex_account {
	const char *app;
	const char *kind;	/* "telephone", "email", "whatsapp",
				 * "apple_id", ... */
	const char *value;
	const char *name;	/* may be NULL */
	struct ex_prov prov;
};

/* ------------------------------------------------------------------ */
/* The sink a parser writes to */

struct ex_sink_ops {
	void (*message)(void *arg, const struct ex_message *);
	void (*call)(void *arg, const struct ex_call *);
	void (*contact)(void *arg, const struct ex_contact *);
	void (*account)(void *arg, const struct ex_account *);
	/* Something was skipped (a row, a blob): named, counted, exit 3. */
	void (*warn)(void *arg, const char *item, const char *why);
	/* Open another database from the same folder as db (WhatsApp's
	 * wa.db beside msgstore.db): 0, ETK_ENOTFOUND, or an error. */
	int (*sibling)(void *arg, const struct ex_db *db, const char *name,
	    struct ex_db **out, struct etk_error *err);
	/* Read a small file relative to db's folder ("../shared_prefs/x")
	 * into out (capped at 16 MiB): 0, ETK_ENOTFOUND, or an error. */
	int (*read_file)(void *arg, const struct ex_db *db, const char *rel,
	    struct etk_buf *out, struct etk_error *err);
};

struct ex_ctx {
	const struct ex_sink_ops *ops;
	void *arg;
};

/* ------------------------------------------------------------------ */
/* Artifacts (one per database kind; artifacts.c lists them) */

#define EX_WHAT_MESSAGES 0x01
#define EX_WHAT_CALLS	 0x02
#define EX_WHAT_CONTACTS 0x04
#define EX_WHAT_IMAGES	 0x08
#define EX_WHAT_POLE	 0x10

enum ex_parse_status {
	EX_PARSED = 0,		/* read (possibly zero rows) */
	EX_UNSUPPORTED,		/* recognised, schema generation not
				 * understood: reason says which */
	EX_FAILED		/* database unreadable part way */
};

/* What a parse loop's last sqlite3_step code means: EX_PARSED for
 * SQLITE_DONE, else EX_FAILED with "what: SQLite's message" in reason. */
enum ex_parse_status ex_step_status(struct ex_db *, int rc, const char *what,
    char *reason, size_t reasonsz);

/* A list of strings (NULL allowed) in one buffer (strs.c). */
struct ex_strs {
	struct etk_buf buf;	/* each string NUL-terminated */
	size_t *off;		/* where each starts; SIZE_MAX for NULL */
	size_t n, cap;
	const char **ptr;	/* ex_strs_ptrs' result */
	size_t ptrcap;
	int oom;
};
void ex_strs_init(struct ex_strs *);
void ex_strs_free(struct ex_strs *);
void ex_strs_reset(struct ex_strs *);
/* Append; the index, or SIZE_MAX when out of memory (oom set). */
size_t ex_strs_add(struct ex_strs *, const char *s);
size_t ex_strs_addn(struct ex_strs *, const char *s, size_t len);
const char *ex_strs_get(const struct ex_strs *, size_t i);
/* Pointers to every string, for a record; NULL when the list is empty
 * or out of memory (callers then give a count of 0). */
const char *const *ex_strs_ptrs(struct ex_strs *);

struct ex_artifact {
	const char *name;	/* "android_mmssms", "ios_sms", ... (run
				 * summary scope) */
	const char *descr;	/* one line for the man page / --list */
	unsigned what;		/* EX_WHAT_* it can produce */
	/* Usual path suffixes, for the summary's "absent" lines and to
	 * prefer path matches; NULL-terminated, may be empty. */
	const char *const *paths;
	/* 1 when the database's tables are this artifact's schema (by
	 * table and column names, not by file name). */
	int (*recognise)(struct ex_db *);
	/* Parse: emit records through ctx.  nrows counts source rows
	 * read; reason (static or in a caller buffer) says why on
	 * EX_UNSUPPORTED / EX_FAILED. */
	enum ex_parse_status (*parse)(struct ex_ctx *, struct ex_db *,
	    unsigned what, uint64_t *nrows, char *reason, size_t reasonsz);
};

/* NULL-terminated lists, one per parser file group. */
extern const struct ex_artifact *const ex_artifacts_android[];
extern const struct ex_artifact *const ex_artifacts_ios[];

/* Every artifact, android first (artifacts.c). */
size_t ex_artifacts_all(const struct ex_artifact **out, size_t cap);

/* ------------------------------------------------------------------ */
/* Pictures (image.c): dimensions from the header and EXIF via libexif */

struct ex_image_info {
	int has_dims;
	uint32_t width, height;
	/* EXIF DateTimeOriginal (else DateTimeDigitized, else DateTime),
	 * as RFC 3339: "2024-02-14T18:30:12+01:00" when OffsetTimeOriginal
	 * (or OffsetTime) gives the zone, else "2024-02-14T18:30:12"
	 * (local, zone unknown).  Empty when absent. */
	char taken[40];
	int taken_has_offset;
	int has_taken_utc;	/* taken with an offset, as UTC: */
	int64_t taken_utc;	/* Unix seconds */
	char make[128];
	char model[128];
	int has_gps;		/* lat/lon present and valid */
	double lat, lon;	/* signed decimal degrees (S, W negative) */
	int has_alt;
	double alt;		/* metres, negative below sea level */
	int orientation;	/* 1..8, 0 absent */
	int exif_damaged;	/* EXIF present but malformed: warn */
};
/* Probe a picture's bytes (JPEG, PNG, GIF, WebP, TIFF, HEIC, BMP):
 * never reads outside buf, never loops on hostile offsets.  0, or
 * ETK_EFORMAT when nothing could be read (info zeroed). */
int ex_image_probe(const void *buf, size_t len, struct ex_image_info *info);

/* ------------------------------------------------------------------ */
/* Phone numbers and POLE (phone.c, pole.c) */

/* Normalise a phone number toward E.164: "+447700900123" from
 * "07700 900123" with default_cc "44", "+44 (0)7700-900123",
 * "00447700900123", "tel:+44...", WhatsApp JIDs
 * "447700900123@s.whatsapp.net".  Returns 1 when out holds an E.164
 * number, 0 when raw is not a phone number (short codes, alphanumeric
 * senders, e-mail handles: out then holds a cleaned copy). */
int ex_phone_norm(const char *raw, const char *default_cc, char *out,
    size_t outsz);

struct ex_pole;
/* default_cc: country calling code for national numbers ("44"), or
 * NULL to leave them national.  tmpdir: where message and call events
 * are spilled (a file made with mkstemp and unlinked at once), NULL
 * for $TMPDIR or /tmp; ETK_EIO when it cannot be made. */
int ex_pole_new(struct ex_pole **, const char *default_cc,
    const char *tmpdir, struct etk_error *err);
void ex_pole_free(struct ex_pole *);	/* accepts NULL */
/* source is the record's locator ("<db>#table/rowid"); exhibit names
 * the evidence.  Entities are de-duplicated by normalised value. */
void ex_pole_message(struct ex_pole *, const struct ex_message *,
    const char *source);
void ex_pole_call(struct ex_pole *, const struct ex_call *,
    const char *source);
void ex_pole_contact(struct ex_pole *, const struct ex_contact *,
    const char *source);
void ex_pole_account(struct ex_pole *, const struct ex_account *,
    const char *source);
void ex_pole_image(struct ex_pole *, const struct ex_image_info *,
    const char *locator, const char *sha256);
/* Write entities and links as JSON Lines in a deterministic order:
 * people, objects, locations and photo events whatever order records
 * came in, message and call events in the order they came.  Lines are
 * rendered into bounded buffers handed to out() as they fill (which:
 * 0 entities, 1 links; whole lines only; out may consume and must not
 * keep buf), so a million events never sit in memory as text.  out
 * returning non-zero stops the write with ETK_EIO. */
typedef int (*ex_pole_out)(void *arg, int which, const struct etk_buf *buf);
int ex_pole_write(struct ex_pole *, ex_pole_out out, void *arg,
    struct etk_error *err);

#endif /* ETK_EX_INT_H */
