#!/usr/bin/env python3
"""A real HTTP server on 127.0.0.1 for the fetch tests, from Python's standard
library. It prints its port, then serves the cases the tests name by path.
Started and stopped by tests/cli/test_fetch.sh; it stops by itself after
a while in case the test is killed."""
import os
import gzip
import http.server
import ssl
import sys
import threading
import time



# Sector names are unique in a store: each path serves names of its own.
def good_csv(path, extra=False):
    rows = ["Transport", "Prisons"] + (["Courts"] if extra else [])
    return ("name\n" + "".join("%s %s\n" % (r, path) for r in rows)).encode()


def good_json(path):
    return ('[{"name": "Transport %s"}, {"name": "Prisons %s"}]\n' % (path, path)).encode()

hits = {}
pings = []
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def count(self):
        with lock:
            hits[self.path] = hits.get(self.path, 0) + 1
            return hits[self.path]

    def send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_POST(self):
        # Health pings with a body (URL/fail carries the error).
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace")
        if self.path.startswith("/ping"):
            with lock:
                pings.append("POST %s %s" % (self.path, body.splitlines()[0] if body else ""))
            return self.send(200, b"OK")
        return self.send(404, b"unknown test path\n")

    def do_GET(self):
        n = self.count()
        p, _, query = self.path.partition("?")
        if p == "/pings":
            with lock:
                text = "\n".join(pings) + "\n"
            return self.send(200, text.encode())
        if p.startswith("/ping"):
            with lock:
                pings.append("GET %s" % self.path)
            return self.send(200, b"OK")
        if p == "/good.csv" or p == "/versioned.csv":
            etag = '"v1"' if p == "/good.csv" or n < 3 else '"v2"'
            body = good_csv(p, extra=etag == '"v2"')
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, headers={"ETag": etag})
            return self.send(200, body, {"Content-Type": "text/csv", "ETag": etag,
                                         "Last-Modified": "Tue, 26 Jun 2012 09:00:00 GMT"})
        if p.startswith("/files/") and os.environ.get("FETCH_FILES"):   # a peer's export, written by the test
            name = os.path.basename(p)
            try:
                with open(os.path.join(os.environ["FETCH_FILES"], name), "rb") as f:
                    return self.send(200, f.read(), {"Content-Type": "text/plain"})
            except OSError:
                return self.send(404, b"no such file\n")
        if p == "/good.json":
            return self.send(200, good_json(p), {"Content-Type": "application/json"})
        if p == "/missing.csv":
            return self.send(404, b"not here\n")
        if p == "/flaky.csv":
            if n == 1:
                return self.send(500, b"oops\n")
            return self.send(200, good_csv(p))
        if p == "/always500.csv":
            return self.send(503, b"down\n")
        if p == "/busy.csv":
            if n == 1:
                return self.send(429, b"slow down\n", {"Retry-After": "1"})
            return self.send(200, good_csv(p))
        if p == "/forbidden.csv":
            return self.send(403, b"no\n")
        if p == "/truncated.csv":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"name\nTransport /truncated.csv\nPri")
            self.wfile.flush()
            self.close_connection = True
            return
        if p == "/big.csv":
            body = b"name\n" + b"".join(b"Sector %d\n" % i for i in range(200000))
            return self.send(200, body)
        if p == "/slow.csv":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"name\n")
            self.wfile.flush()
            time.sleep(6)
            self.close_connection = True
            return
        if p == "/retry-huge.csv":
            # A Retry-After no 64-bit number holds: the client must saturate, not overflow.
            return self.send(503, b"later\n", {"Retry-After": "99999999999999999999"})
        if p == "/drip.csv":
            # Two bytes a second: a stall, however long the total timeout.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(120):
                    self.wfile.write(b"ab")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            self.close_connection = True
            return
        if p == "/long-header.csv":
            self.send_response(200)
            self.send_header("X-Long", "a" * (1 << 20))
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"name\n")
            return
        if p == "/slow-ok.csv":
            # A valid body over about three seconds, fast enough not to stall.
            rows = b"name\n" + b"".join(b"Slow sector %s %d\n" % (query.encode(), i) for i in range(100))
            self.send_response(200)
            self.send_header("Content-Length", str(len(rows)))
            self.end_headers()
            step = len(rows) // 10 + 1
            for i in range(0, len(rows), step):
                self.wfile.write(rows[i:i + step])
                self.wfile.flush()
                time.sleep(0.3)
            return
        if p.startswith("/redirect/"):
            k = int(p.rsplit("/", 1)[1])
            target = "/good.csv" if k <= 0 else "/redirect/%d" % (k - 1)
            return self.send(302, b"", {"Location": target})
        if p == "/to-file":
            return self.send(302, b"", {"Location": "file:///etc/passwd"})
        if p == "/wrong.csv":
            return self.send(200, b"<html><body>Maintenance</body></html>\n", {"Content-Type": "text/html"})
        if p == "/gzip.csv":
            if "gzip" not in (self.headers.get("Accept-Encoding") or ""):
                return self.send(406, b"gzip expected\n")
            return self.send(200, gzip.compress(good_csv(p)), {"Content-Encoding": "gzip"})
        if p == "/ua.csv":
            ua = (self.headers.get("User-Agent") or "").encode()
            return self.send(200, b"name\n" + ua + b"\n")
        return self.send(404, b"unknown test path\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass   # clients hang up on purpose in these tests (size limits, timeouts)


def main():
    """argv: [lifetime seconds] [certificate.pem key.pem]: with a certificate,
    a second server speaks HTTPS, and its port is printed on a second line."""
    lifetime = float(sys.argv[1]) if len(sys.argv) > 1 else 300
    servers = [Server(("127.0.0.1", 0), Handler)]
    if len(sys.argv) > 3:
        tls = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        servers.append(tls)
    for srv in servers:
        print(srv.server_address[1], flush=True)
        threading.Timer(lifetime, srv.shutdown).start()
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
