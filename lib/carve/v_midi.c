/*
 * Standard MIDI file validator (ringtones, sequencer files): the
 * "MThd" chunk (length 6, format 0-2, a track count, format 0 with one
 * track), then that many "MTrk" chunks, each ending with the
 * End-of-Track meta event (FF 2F 00); unknown chunks between them are
 * stepped over.  The file ends after the last track; a track that does
 * not end with End-of-Track, or a chunk that is not one, is CORRUPT
 * there.
 */
#include <string.h>

#include "carve/v_media.h"

#define MIDI_MAXCHUNKS	65536

static enum cv_status
midi_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[14];
	uint64_t pos, lim, wend, len;
	unsigned fmt, ntrk, n = 0, k;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 14) != 0 || memcmp(h, "MThd", 4) != 0 ||
	    cv_be32(h + 4) != 6)
		return cv_answer(r, CV_NO, 0);
	fmt = cv_be16(h + 8);
	ntrk = cv_be16(h + 10);
	if (fmt > 2 || ntrk == 0 || (fmt == 0 && ntrk != 1) ||
	    cv_be16(h + 12) == 0)
		return cv_answer(r, CV_NO, 0);
	pos = 14;
	for (k = 0; n < ntrk && k < MIDI_MAXCHUNKS; k++) {
		if (cv_read(src, off + pos, h, 8) != 0)
			return cv_answer(r, CV_TRUNCATED, lim);
		len = cv_be32(h + 4);
		if (memcmp(h, "MTrk", 4) == 0) {
			if (len < 3)
				break;
			if (pos + 8 + len > wend)
				return cv_answer(r, CV_TRUNCATED, lim);
			if (cv_read(src, off + pos + 8 + len - 3, h + 8, 3) !=
			    0 || memcmp(h + 8, "\xff\x2f\x00", 3) != 0)
				break;
			n++;
		} else if (h[0] < 'A' || h[0] > 'z' || h[1] < 'A' ||
		    h[1] > 'z' || h[2] < 'A' || h[2] > 'z' || h[3] < 'A' ||
		    h[3] > 'z' || pos + 8 + len > max)
			break;
		pos += 8 + len;
	}
	if (n < ntrk)
		return cv_answer(r, n > 0 ? CV_CORRUPT : CV_NO, pos);
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(midi_validate, midi_walk)

static const unsigned char midi_magic[] = { 'M', 'T', 'h', 'd' };

const struct cv_format cv_fmt_midi = {
	.type = "midi",
	.ext = "mid",
	.descr = "Standard MIDI file (header, tracks to End-of-Track)",
	.magic = midi_magic,
	.magic_len = sizeof(midi_magic),
	.magic_off = 0,
	.max_size = (uint64_t)64 << 20,
	.validate = midi_validate,
};
