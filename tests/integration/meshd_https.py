#!/usr/bin/python3
"""A netmap server for meshd_url.sh: HTTPS on one address, files from one
directory, a strong ETag per file content, 304 for a matching If-None-Match.
Counts what it saw in STATE_DIR/counts ("requests N", "conditional N",
"not_modified N"), rewritten after every request.

usage: meshd_https.py ADDR PORT DOCROOT CERT KEY STATE_DIR
"""
import hashlib
import http.server
import os
import ssl
import sys

ADDR, PORT, ROOT, CERT, KEY, STATE = sys.argv[1:7]
counts = {"requests": 0, "conditional": 0, "not_modified": 0}


def save():
    tmp = os.path.join(STATE, "counts.tmp")
    with open(tmp, "w") as f:
        for k, v in counts.items():
            f.write(f"{k} {v}\n")
    os.rename(tmp, os.path.join(STATE, "counts"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        counts["requests"] += 1
        name = os.path.basename(self.path)
        path = os.path.join(ROOT, name)
        try:
            with open(path, "rb") as f:
                body = f.read()
        except OSError:
            self.send_error(404)
            save()
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            counts["conditional"] += 1
        if inm == etag:
            counts["not_modified"] += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        save()

    def log_message(self, fmt, *args):
        sys.stderr.write("meshd_https: " + (fmt % args) + "\n")


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv = http.server.HTTPServer((ADDR, int(PORT)), Handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
save()
srv.serve_forever()
