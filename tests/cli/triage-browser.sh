#!/bin/sh
# triage-browser: the examiner's report of `etk triage` in a real browser
# (Debian's chromium, headless).  For a case made from phone.E01 and
# ios-ffs.E01:
#  (a) the DOM after the page's scripts ran: per exhibit, every
#      data-count equals the case database's number (sqlite3 etk.db) and
#      the data-item elements shown match it (include/etk/report.h);
#  (b) a screenshot exists, is a PNG and is not blank (kept in the build
#      directory as triage-report.png for a person to look at);
#  (c) no request leaves the page: chromium goes through a logging proxy
#      (python3, 127.0.0.1) with every host name unresolvable, and writes
#      a net log; the page must start no request other than file: and
#      data: ones.  A leaky page and a blank page are run through the
#      same checks first, so the checks are known to be able to fail.
# Skipped (77) without chromium, python3, sqlite3 or etk-triage.
. "$ETK_SRC/tests/cli/lib.sh"

skip() {
	echo "skip: $*"
	exit 77
}
command -v etk-triage >/dev/null 2>&1 || skip "etk-triage not built"
CHROMIUM=${ETK_CHROMIUM:-}
if [ -z "$CHROMIUM" ]; then
	for c in chromium chromium-browser; do
		if command -v "$c" >/dev/null 2>&1; then
			CHROMIUM=$(command -v "$c")
			break
		fi
	done
fi
[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] ||
    skip "chromium not installed (apt-get install chromium)"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not installed"
BUILD=$(cd "$BIN/.." && pwd)

# ---------------------------------------------------------------- helpers
cat >"$T/rb.py" <<'EOF'
# Checks for triage-browser.sh: dom, netlog, png (see the script).
import json, sqlite3, sys, zlib, struct
from html.parser import HTMLParser

KINDS_SQL = {
    # data-count KIND -> rows of the exhibit, distinct by source/locator
    'messages': "SELECT count(DISTINCT source) FROM messages WHERE substr(source, 1, length(?1)) = ?1",
    'calls': "SELECT count(DISTINCT source) FROM calls WHERE substr(source, 1, length(?1)) = ?1",
    'contacts': "SELECT count(DISTINCT source) FROM contacts WHERE substr(source, 1, length(?1)) = ?1",
    'images': "SELECT count(DISTINCT locator) FROM images WHERE substr(locator, 1, length(?1)) = ?1",
    'carved': "SELECT count(DISTINCT locator) FROM carved WHERE substr(locator, 1, length(?1)) = ?1",
    'files': "SELECT count(DISTINCT locator) FROM files WHERE substr(locator, 1, length(?1)) = ?1",
    'deleted': "SELECT count(DISTINCT locator) FROM files WHERE deleted = 1 AND substr(locator, 1, length(?1)) = ?1",
}
ITEM_OF = {'messages': 'message', 'calls': 'call', 'contacts': 'contact',
           'images': 'image', 'carved': 'carved', 'files': 'file'}
LOCATOR_SQL = {
    'message': "SELECT DISTINCT source FROM messages WHERE substr(source, 1, length(?1)) = ?1",
    'call': "SELECT DISTINCT source FROM calls WHERE substr(source, 1, length(?1)) = ?1",
    'contact': "SELECT DISTINCT source FROM contacts WHERE substr(source, 1, length(?1)) = ?1",
}
CAP = 500   # lists longer than this may be capped by the report

class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []         # [exhibit, section depth]
        self.ex = {}            # name -> {'counts': {}, 'items': {}}
        self.cur_count = None
        self.text = ''
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'section':
            if 'exhibit' in (a.get('class') or '').split() and 'data-exhibit' in a:
                name = a['data-exhibit']
                self.ex.setdefault(name, {'counts': {}, 'items': {}, 'locs': {}})
                self.stack.append([name, 0])
            elif self.stack:
                self.stack[-1][1] += 1
        if not self.stack:
            return
        e = self.ex[self.stack[-1][0]]
        if 'data-count' in a:
            self.cur_count = (e, a['data-count'])
            self.text = ''
        if 'data-item' in a:
            k = a['data-item']
            e['items'][k] = e['items'].get(k, 0) + 1
            e['locs'].setdefault(k, []).append(a.get('data-locator'))
    def handle_data(self, d):
        if self.cur_count:
            self.text += d
    def handle_endtag(self, tag):
        if self.cur_count and tag == 'span':
            e, k = self.cur_count
            e['counts'][k] = self.text.strip()
            self.cur_count = None
        if tag == 'section' and self.stack:
            if self.stack[-1][1] == 0:
                self.stack.pop()
            else:
                self.stack[-1][1] -= 1

def dom(path, db):
    p = Dom()
    p.feed(open(path, encoding='utf-8', errors='replace').read())
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
    bad = 0
    def no(msg):
        nonlocal bad
        bad += 1
        print('MISMATCH: ' + msg)
    names = sorted(r[0] for r in con.execute('SELECT DISTINCT name FROM evidence'))
    if sorted(p.ex) != names:
        no('exhibits in page %s, in database %s' % (sorted(p.ex), names))
    for name in sorted(p.ex):
        e = p.ex[name]
        pre = name + ':'
        for kind, sql in KINDS_SQL.items():
            want = con.execute(sql, (pre,)).fetchone()[0]
            got = e['counts'].get(kind)
            if got is None:
                no('%s: no data-count="%s"' % (name, kind))
                continue
            if got != str(want):
                no('%s: data-count %s = %r, database %d' % (name, kind, got, want))
            item = ITEM_OF.get(kind)
            if item and want <= CAP and e['items'].get(item, 0) != want:
                no('%s: %d data-item="%s", database %d %s' % (name, e['items'].get(item, 0), item, want, kind))
            print('%s %s page=%s db=%d items=%s' % (name, kind, got, want,
                  e['items'].get(item, '-') if item else '-'))
        for item, locs in e['locs'].items():
            for l in locs:
                if not l or not l.startswith(pre):
                    no('%s: data-item="%s" with data-locator %r' % (name, item, l))
                    break
        for item, sql in LOCATOR_SQL.items():
            want = sorted(r[0] for r in con.execute(sql, (pre,)))
            if len(want) > CAP:
                continue
            got = sorted(x for x in e['locs'].get(item, []) if x)
            if got != want:
                no('%s: data-locator of data-item="%s" differ from the database sources (%d vs %d)'
                   % (name, item, len(got), len(want)))
    if not p.ex:
        no('no <section class="exhibit" data-exhibit=...> in the page')
    return bad

# Attributes that load or link something must be data: (or a fragment,
# or, for <a href>, a relative path inside the case); no <link> to a
# style sheet, no CSS url()/@import other than data:.  xmlns values
# are names, not requests.
FETCH_ATTRS = ('src', 'srcset', 'poster', 'data', 'background', 'action',
               'formaction', 'xlink:href', 'ping', 'manifest', 'codebase',
               'cite', 'longdesc', 'profile', 'archive', 'usemap', 'icon')
class Static(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad = []
        self.in_style = False
    def css(self, text, where):
        import re
        for m in re.finditer(r'url\(\s*[\'"]?([^\'")\s]*)', text, re.I):
            if not m.group(1).lower().startswith('data:') and not m.group(1).startswith('#'):
                self.bad.append('%s: url(%s)' % (where, m.group(1)[:80]))
        if re.search(r'@import', text, re.I):
            self.bad.append('%s: @import' % where)
    def handle_starttag(self, tag, attrs):
        import re
        for k, v in attrs:
            k = k.lower()
            v = (v or '').strip()
            if k.startswith('xmlns'):
                continue
            if re.match(r'^(https?:|ftp:|ws:|wss:)?//', v, re.I):
                self.bad.append('<%s %s="%s">' % (tag, k, v[:80]))
            elif k in FETCH_ATTRS and v and not re.match(r'^(data:|#)', v, re.I):
                self.bad.append('<%s %s="%s">' % (tag, k, v[:80]))
            elif k == 'href' and tag != 'a' and v and not re.match(r'^(data:|#)', v, re.I):
                self.bad.append('<%s %s="%s">' % (tag, k, v[:80]))
            elif k == 'href' and re.match(r'^[a-z][a-z0-9+.-]*:', v, re.I) and \
                    not re.match(r'^(data:|javascript:void)', v, re.I):
                self.bad.append('<%s %s="%s">' % (tag, k, v[:80]))
            elif k == 'style':
                self.css(v, '<%s style>' % tag)
            elif k == 'http-equiv' and v.lower() == 'refresh':
                self.bad.append('<meta http-equiv=refresh>')
        if tag == 'base':
            self.bad.append('<base>')
        self.in_style = tag == 'style'
    def handle_endtag(self, tag):
        self.in_style = False
    def handle_data(self, d):
        if self.in_style:
            self.css(d, '<style>')

def static(path):
    p = Static()
    p.feed(open(path, encoding='utf-8', errors='replace').read())
    for b in p.bad:
        print('EXTERNAL: ' + b)
    return len(p.bad)

# Requests in the net log.  Chromium's own background requests (network
# time, component updater, account check: even with
# --disable-background-networking) carry initiator "not an origin" (the
# browser process); a request the page makes (a subresource, fetch, a
# navigation it starts) carries the page's origin as initiator ("null"
# for a file: page).  So: every URL request whose initiator is anything
# but "not an origin" is the page's, and must be file: or data:; the
# browser's own are listed, and the proxy may have seen only their hosts.
def netlog(path, proxylog):
    d = json.load(open(path))
    c = d['constants']
    et = {v: k for k, v in c['logEventTypes'].items()}
    page, browser = [], []
    for ev in d['events']:
        if et.get(ev['type']) != 'URL_REQUEST_START_JOB':
            continue
        pr = ev.get('params') or {}
        if 'url' not in pr:
            continue
        (browser if pr.get('initiator') == 'not an origin' else page).append(pr['url'])
    # Any URL at all in the log must be file:, data:, or one of the
    # browser's own requests.
    import re
    allurls = set(re.findall(r'"(?:url|original_url|new_location)":"([^"]*)"',
                             open(path).read()))
    bhosts = set()
    for u in browser:
        m = re.match(r'^[a-z]+://([^/:?#]+)', u)
        if m:
            bhosts.add(m.group(1))
    bad = 0
    for u in sorted(set(page)):
        if not (u.startswith('file:') or u.startswith('data:')):
            print('PAGE REQUEST: ' + u[:200])
            bad += 1
    for u in sorted(allurls - set(browser)):
        if not (u.startswith('file:') or u.startswith('data:')):
            print('URL IN NETLOG: ' + u[:200])
            bad += 1
    for u in sorted(set(browser)):
        print('(browser, not the page: %s)' % u[:100])
    for line in open(proxylog):
        line = line.strip()
        m = re.match(r'^[A-Z]+ (?:[a-z]+://)?([^/:]+)', line)
        host = m.group(1) if m else line
        if host in bhosts:
            print('(proxy saw the browser\'s own: %s)' % line[:100])
        else:
            print('PROXY REQUEST: ' + line[:200])
            bad += 1
    return bad

# A PNG that decodes and is not one flat colour: the standard deviation
# of the grey level over the top rows (where the summary is).
def png(path, rows):
    b = open(path, 'rb').read()
    if b[:8] != b'\x89PNG\r\n\x1a\n':
        print('not a PNG')
        return 1
    pos, idat, hdr = 8, b'', None
    while pos < len(b):
        n, t = struct.unpack('>I4s', b[pos:pos + 8])
        data = b[pos + 8:pos + 8 + n]
        if t == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', data)
        elif t == b'IDAT':
            idat += data
        pos += 12 + n
    w, h, depth, ctype = hdr[0], hdr[1], hdr[2], hdr[3]
    if depth != 8 or ctype not in (2, 6):
        print('unexpected PNG format depth %d colour %d' % (depth, ctype))
        return 1
    bpp = 3 if ctype == 2 else 4
    stride = w * bpp
    raw = zlib.decompressobj().decompress(idat, (stride + 1) * min(rows, h))
    prev = bytearray(stride)
    n = s = s2 = 0
    for y in range(min(rows, h)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            cc = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + up) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + up) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(up - cc), abs(a - cc), abs(a + up - 2 * cc)
                pp = a if pa <= pb and pa <= pc else (up if pb <= pc else cc)
                line[i] = (line[i] + pp) & 255
        for i in range(0, stride, bpp * 4):
            g = (line[i] + line[i + 1] + line[i + 2]) / 765.0
            n += 1
            s += g
            s2 += g * g
        prev = line
    mean = s / n
    sd = max(0.0, s2 / n - mean * mean) ** 0.5
    print('%dx%d sd=%.4f' % (w, h, sd))
    return 0 if sd > 0.02 else 1

if __name__ == '__main__':
    if sys.argv[1] == 'dom':
        sys.exit(1 if dom(sys.argv[2], sys.argv[3]) else 0)
    if sys.argv[1] == 'static':
        sys.exit(1 if static(sys.argv[2]) else 0)
    if sys.argv[1] == 'netlog':
        sys.exit(1 if netlog(sys.argv[2], sys.argv[3]) else 0)
    if sys.argv[1] == 'png':
        sys.exit(png(sys.argv[2], int(sys.argv[3])))
    sys.exit(2)
EOF

cat >"$T/proxy.py" <<'EOF'
# Logs every request (one line each) and answers 403; port in argv[1].
import http.server, socketserver, sys
log = open(sys.argv[2], 'a', buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def _any(self):
        log.write('%s %s\n' % (self.command, self.path))
        self.send_response(403)
        self.send_header('Content-Length', '0')
        self.end_headers()
    do_GET = do_POST = do_HEAD = do_PUT = do_CONNECT = do_OPTIONS = _any
    do_DELETE = do_PATCH = _any
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(('127.0.0.1', 0), H)
open(sys.argv[1] + '.tmp', 'w').write('%d\n' % s.server_address[1])
import os
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.serve_forever()
EOF

PROXY_PID=
stop_proxy() {
	if [ -n "$PROXY_PID" ]; then
		kill "$PROXY_PID" 2>/dev/null
		wait "$PROXY_PID" 2>/dev/null
		PROXY_PID=
	fi
}
trap 'stop_proxy; rm -rf "$T"' EXIT INT TERM
python3 "$T/proxy.py" "$T/proxy.port" "$T/proxy.log" &
PROXY_PID=$!
i=0
while [ ! -s "$T/proxy.port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
PORT=$(cat "$T/proxy.port" 2>/dev/null)
[ -n "$PORT" ] || { fail "the logging proxy did not start"; finish; exit 1; }

# chromium URL [ARGS...]: headless, a fresh profile, nothing in the
# background that can be turned off, everything through the proxy, no
# name resolves (except the proxy's address), net log in $T/net.json.
# The page gets 5 s of virtual time for its scripts and loads.  The
# resolver rule must EXCLUDE the proxy's address: "MAP * ~NOTFOUND" alone
# also fails the connection to 127.0.0.1, and the proxy would then see
# nothing whatever the page does.
chromium() {
	_u=$1
	shift
	rm -rf "$T/profile" "$T/net.json"
	: >"$T/proxy.log"
	timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	    --no-first-run --disable-extensions --disable-background-networking \
	    --disable-component-update --disable-sync --metrics-recording-only \
	    --no-default-browser-check --disable-default-apps \
	    --disable-client-side-phishing-detection --disable-domain-reliability \
	    --no-pings --disable-breakpad \
	    --disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter \
	    --user-data-dir="$T/profile" \
	    --proxy-server="http://127.0.0.1:$PORT" --proxy-bypass-list='<-loopback>' \
	    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
	    --log-net-log="$T/net.json" --virtual-time-budget=5000 \
	    "$@" "$_u" 2>"$T/chromium.err"
}

# ---- the checks can fail: a leaky page and a blank page ----
cat >"$T/leak.html" <<'EOF'
<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="http://style.example.test/a.css"></head>
<body><img src="https://img.example.test/x.png">
<script>fetch('http://fetch.example.test/y').catch(function () {});</script>
</body></html>
EOF
chromium "file://$T/leak.html" --dump-dom >"$T/leak.dom"
check "chromium runs (leak.html)" test -s "$T/leak.dom"
check "the net log and proxy show the leaky page's requests" \
    sh -c "! python3 '$T/rb.py' netlog '$T/net.json' '$T/proxy.log' >'$T/leak.out'"
check "the leaky page's fetch is seen" grep -q 'fetch.example.test' "$T/leak.out"
check "the proxy saw the leaky page" grep -q '^PROXY REQUEST: ' "$T/leak.out"
check "the static check finds the leaky page's references" \
    sh -c "! python3 '$T/rb.py' static '$T/leak.html' >/dev/null"
printf '<!doctype html><html><body style="background:#fff"></body></html>\n' \
    >"$T/blank.html"
chromium "file://$T/blank.html" --screenshot="$T/blank.png" --window-size=640,480 \
    >/dev/null
check "a blank page is found blank" \
    sh -c "! python3 '$T/rb.py' png '$T/blank.png' 480 >/dev/null"

# ---- the case ----
C=$T/case
run timeout 300 etk-triage -o "$C" --case-number TB-1 --examiner "T. Browser" \
    "$FIX/phone.E01" "$FIX/ios-ffs.E01"
expect_rc 0
R=$C/reports/index.html
check "reports/index.html written" test -s "$R"
if [ ! -s "$R" ]; then
	finish
	exit 1
fi

# Self-contained before any browser: no attribute, style or link that
# would fetch something (URLs in message bodies are text, not requests).
if python3 "$T/rb.py" static "$R" >"$T/static.out"; then
	_ok
else
	fail "the page refers to outside resources:"
	head -10 "$T/static.out" >&2
fi
check "no <link rel=stylesheet>" sh -c "! grep -qiE '<link[^>]*stylesheet' '$R'"

# (a) the DOM after the scripts ran, against the case database
chromium "file://$R" --dump-dom >"$T/dom.html"
check "chromium dumped the DOM" test -s "$T/dom.html"
if python3 "$T/rb.py" dom "$T/dom.html" "$C/etk.db" >"$T/dom.out"; then
	_ok
else
	fail "report counts differ from the case database:"
	grep MISMATCH "$T/dom.out" | head -20 >&2
fi
check "phone.E01 shows messages" \
    grep -q '^phone.E01 messages page=[1-9]' "$T/dom.out"
# (c) no request left the page while it loaded and ran
if python3 "$T/rb.py" netlog "$T/net.json" "$T/proxy.log" >"$T/net.out"; then
	_ok
else
	fail "the report made requests:"
	grep -v '^(' "$T/net.out" | head -10 >&2
fi

# (b) a screenshot, not blank, kept for a person to look at
chromium "file://$R" --screenshot="$T/shot.png" --window-size=1280,4000 \
    --hide-scrollbars >/dev/null
check "screenshot written" test -s "$T/shot.png"
if python3 "$T/rb.py" png "$T/shot.png" 1200 >"$T/png.out"; then
	_ok
else
	fail "screenshot is blank or not a PNG: $(cat "$T/png.out")"
fi
if command -v identify >/dev/null 2>&1; then
	check "identify reads a 1280x4000 PNG" \
	    sh -c "identify -format '%m %w %h' '$T/shot.png' | grep -qx 'PNG 1280 4000'"
fi
if python3 "$T/rb.py" netlog "$T/net.json" "$T/proxy.log" >"$T/net2.out"; then
	_ok
else
	fail "the report made requests (screenshot run):"
	grep -v '^(' "$T/net2.out" | head -10 >&2
fi
cp "$T/shot.png" "$BUILD/triage-report.png.tmp" &&
    mv "$BUILD/triage-report.png.tmp" "$BUILD/triage-report.png" &&
    echo "screenshot: $BUILD/triage-report.png"

stop_proxy
finish
