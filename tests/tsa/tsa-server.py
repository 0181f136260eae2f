#!/usr/bin/env python3
"""tsa-server.py DIR PORTFILE: a tiny RFC 3161 time-stamp server for tests.

DIR is a test TSA made by tests/tsa/make-tsa.sh (it needs DIR/tsa.cnf).
The server binds 127.0.0.1 on a port the kernel picks, writes that port
number (decimal, with a newline) to PORTFILE, and serves until killed.
PORTFILE is written under a temporary name and renamed, so a reader that
sees the file sees the whole number; the socket is already listening by
then.  Remove any stale PORTFILE before starting the server.

    POST /tsa      body = DER TimeStampReq; answered by running
                   `openssl ts -reply -config DIR/tsa.cnf -queryfile Q -out R`
                   (one at a time: they share the serial file), 200 with
                   Content-Type application/timestamp-reply; a query openssl
                   cannot parse gets openssl's own rejection reply, or 500
    POST /bad      500, text/plain
    POST /garbage  200, application/timestamp-reply, 64 random bytes
    POST /html     200, text/html (a captive portal, a proxy error page)
    POST /big      200, application/timestamp-reply, 2 MiB of zeros
    POST /slow     sleeps 60 s before answering (client timeouts)
    POST /redirect 307 to /tsa on this server
    POST /redirect-file
                   307 to file:///etc/passwd (a client must not follow)
    anything else  404

Typical use from a shell test (tests/tsa/lib.sh wraps this: tsa_start,
tsa_stop):

    sh tests/tsa/make-tsa.sh "$T/tsa"
    rm -f "$T/port"
    python3 tests/tsa/tsa-server.py "$T/tsa" "$T/port" &
    pid=$!
    i=0
    while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
    url="http://127.0.0.1:$(cat "$T/port")/tsa"
    ...
    kill $pid

The server exits by itself when its parent process goes away (checked
every second), so a test that dies without killing it leaves nothing
behind.  That needs a parent that lives as long as the test: start it
with `&` from the test's own shell, or fork/exec from a C test, not with
system("... &") (that parent, sh, exits at once).  Where that cannot be
helped, set ETK_TSA_SERVER_DETACHED=1: the server then exits after 600 s
without a request instead.
"""

import http.server
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

LOCK = threading.Lock()
MAX_QUERY = 64 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "etk-test-tsa/1"
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):  # quiet: tests read stderr
        if os.environ.get("ETK_TSA_SERVER_VERBOSE"):
            sys.stderr.write("tsa-server: " + (fmt % args) + "\n")

    def send(self, code, ctype, body):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, where):
        self.send_response(307)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.send(405, "text/plain", b"POST a time-stamp query\n")

    def do_POST(self):
        LAST[0] = time.monotonic()
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_QUERY:
            self.send(413, "text/plain", b"query too large\n")
            return
        body = self.rfile.read(n)
        path = self.path.split("?", 1)[0]
        if path == "/tsa":
            self.reply(body)
        elif path == "/bad":
            self.send(500, "text/plain", b"TSA is broken today\n")
        elif path == "/garbage":
            self.send(200, "application/timestamp-reply", os.urandom(64))
        elif path == "/html":
            self.send(200, "text/html", b"<html>log in first</html>\n")
        elif path == "/big":
            self.send(200, "application/timestamp-reply", bytes(2 << 20))
        elif path == "/redirect":
            port = self.server.server_address[1]
            self.redirect("http://127.0.0.1:%d/tsa" % port)
        elif path == "/redirect-file":
            self.redirect("file:///etc/passwd")
        elif path == "/slow":
            time.sleep(60)
            self.send(500, "text/plain", b"too late\n")
        else:
            self.send(404, "text/plain", b"no such TSA\n")

    def reply(self, query):
        with tempfile.TemporaryDirectory(prefix="tsa-") as tmp:
            q = os.path.join(tmp, "q.tsq")
            r = os.path.join(tmp, "r.tsr")
            with open(q, "wb") as f:
                f.write(query)
            with LOCK:
                p = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", CNF,
                     "-queryfile", q, "-out", r],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode != 0 or not os.path.exists(r):
                self.send(500, "text/plain", p.stderr[-2000:])
                return
            with open(r, "rb") as f:
                self.send(200, "application/timestamp-reply", f.read())


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that hangs up early (the 1 MiB cap, a timeout) is
        # what the tests do on purpose: no traceback for that.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


LAST = [time.monotonic()]
IDLE_MAX = 600


def watch_parent(ppid, detached):
    while True:
        time.sleep(1)
        if detached:
            if time.monotonic() - LAST[0] > IDLE_MAX:
                os._exit(0)
        elif os.getppid() != ppid:
            os._exit(0)


def main():
    global CNF
    if len(sys.argv) != 3:
        sys.stderr.write("usage: tsa-server.py DIR PORTFILE\n")
        sys.exit(2)
    CNF = os.path.join(os.path.abspath(sys.argv[1]), "tsa.cnf")
    if not os.path.exists(CNF):
        sys.stderr.write("tsa-server.py: %s missing (run make-tsa.sh)\n" % CNF)
        sys.exit(1)
    srv = Server(("127.0.0.1", 0), Handler)   # bound and listening here
    portfile = sys.argv[2]
    tmp = "%s.tmp.%d" % (portfile, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, portfile)
    detached = os.environ.get("ETK_TSA_SERVER_DETACHED", "") not in ("", "0")
    threading.Thread(target=watch_parent, args=(os.getppid(), detached),
                     daemon=True).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
