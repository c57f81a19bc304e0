#!/usr/bin/python3
"""sshd_tcp_helper: the two ends of a TCP conversation that checks a
forwarded connection carries bytes intact in both directions and passes a
half-close (EOF) through, for tests/integration/sshd_forward.sh.

    sshd_tcp_helper.py serve HOST PORT FILE READYFILE
        Listen; for each connection read to EOF, answer the SHA-256 of what
        was read (hex, one line), then FILE's bytes, then close.  READYFILE
        is written once listening.
    sshd_tcp_helper.py client HOST PORT FILE
        Connect, send FILE, half-close, read the answer; print
        "<digest the server computed> <digest of the bytes received after it>".
Any error prints a one-line message on stderr and exits 1.
"""

import hashlib
import socket
import sys
import threading

CHUNK = 65536
CONNECT_TIMEOUT_S = 30


def handle(conn, payload):
    with conn:
        h = hashlib.sha256()
        while True:
            data = conn.recv(CHUNK)
            if not data:
                break
            h.update(data)
        conn.sendall(h.hexdigest().encode() + b"\n")
        conn.sendall(payload)


def serve(host, port, path, ready):
    payload = open(path, "rb").read()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, int(port)))
    srv.listen(16)
    open(ready, "w").write("listening\n")
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, payload), daemon=True).start()


def client(host, port, path):
    data = open(path, "rb").read()
    conn = socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S)
    conn.settimeout(None)
    conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)
    answer = bytearray()
    while True:
        chunk = conn.recv(CHUNK)
        if not chunk:
            break
        answer += chunk
    conn.close()
    line, sep, rest = bytes(answer).partition(b"\n")
    if not sep:
        sys.stderr.write("sshd_tcp_helper: no answer (%d bytes)\n" % len(answer))
        return 1
    print(line.decode(), hashlib.sha256(rest).hexdigest())
    return 0


def main():
    try:
        if len(sys.argv) == 6 and sys.argv[1] == "serve":
            return serve(*sys.argv[2:])
        if len(sys.argv) == 5 and sys.argv[1] == "client":
            return client(*sys.argv[2:])
    except OSError as e:
        sys.stderr.write("sshd_tcp_helper: %s\n" % e)
        return 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
