#!/usr/bin/env python3
"""Test receivers for the recorder's HTTP sinks (tests only, loopback only).

  rec_receiver.py loki --port-file F [--port N] --state FILE
      Grafana Loki is not packaged in Debian 12 and this machine cannot fetch
      it, so this stands in for it: it implements the documented push API
      (POST /loki/api/v1/push, JSON body {"streams":[{"stream":{labels},
      "values":[["<ns>","<line>"],...]}]}, 204 on success, 400 with a reason
      on a malformed request), drops exact duplicate entries of a stream as
      Loki does, and answers the query API the recorder reads back with
      (GET /loki/api/v1/query_range with an equality-only selector, start,
      end, limit, direction; GET /loki/api/v1/label/NAME/values).  It is
      strict: every deviation from the documented format is a 400, and
      GET /stats counts pushes, entries received and duplicates dropped.

  rec_receiver.py hec --port-file F [--port N] --state FILE --token TOKEN
      A Splunk HTTP Event Collector stand-in: POST /services/collector/event
      with "Authorization: Splunk TOKEN" and concatenated JSON event objects
      (each with "event", optional numeric "time", string host, source,
      sourcetype, object fields); answers {"text":"Success","code":0}.
      GET /events returns what it stored.

State is kept in --state so a restarted receiver still has what it got.
"""
import argparse
import json
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*')

lock = threading.Lock()
state = {}


def save(path):
    if not path:  # --state "" (benchmarks): keep everything in memory only
        return
    with open(path + ".tmp", "w") as f:
        json.dump(state, f)
    import os
    os.replace(path + ".tmp", path)


def parse_selector(q):
    q = q.strip()
    if not (q.startswith("{") and q.endswith("}")):
        raise ValueError("selector must be {...}")
    body = q[1:-1]
    out = {}
    pos = 0
    while pos < len(body):
        m = MATCHER.match(body, pos)
        if not m:
            raise ValueError("only label=\"value\" matchers are supported here: %r" % body[pos:])
        out[m.group(1)] = json.loads('"' + m.group(2) + '"')
        pos = m.end()
        if pos < len(body):
            if body[pos] != ",":
                raise ValueError("expected ,")
            pos += 1
    if not out:
        raise ValueError("empty selector")
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj=None, ctype="application/json"):
        body = b"" if obj is None else (json.dumps(obj).encode() if not isinstance(obj, bytes) else obj)
        self.send_response(code)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n)

    # ---- Loki ----
    def loki_push(self):
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return self.reply(400, b"unsupported Content-Type", "text/plain")
        try:
            doc = json.loads(self.body())
            if not isinstance(doc, dict) or set(doc) != {"streams"} or not isinstance(doc["streams"], list):
                raise ValueError('body must be {"streams":[...]}')
            entries = []
            for s in doc["streams"]:
                if not isinstance(s, dict) or set(s) != {"stream", "values"}:
                    raise ValueError("a stream must have exactly stream and values")
                labels = s["stream"]
                if not isinstance(labels, dict) or not labels:
                    raise ValueError("stream labels must be a non-empty object")
                for k, v in labels.items():
                    if not LABEL_NAME.match(k) or not isinstance(v, str) or v == "":
                        raise ValueError("bad label %r=%r" % (k, v))
                if not isinstance(s["values"], list) or not s["values"]:
                    raise ValueError("values must be a non-empty array")
                key = json.dumps(labels, sort_keys=True)
                for v in s["values"]:
                    if not isinstance(v, list) or len(v) not in (2, 3):
                        raise ValueError("a value must be [ts, line] or [ts, line, metadata]")
                    if not isinstance(v[0], str) or not v[0].isdigit():
                        raise ValueError("timestamp must be a string of nanoseconds: %r" % (v[0],))
                    if not isinstance(v[1], str):
                        raise ValueError("line must be a string")
                    entries.append((key, v[0], v[1]))
        except (ValueError, KeyError, TypeError) as e:
            return self.reply(400, ("bad push: %s" % e).encode(), "text/plain")
        with lock:
            st = state.setdefault("streams", {})
            state["pushes"] = state.get("pushes", 0) + 1
            for key, ts, line in entries:
                s = st.setdefault(key, [])
                seen = self.server.seen.setdefault(key, set())
                state["received"] = state.get("received", 0) + 1
                if (ts, line) in seen:  # Loki drops exact duplicates
                    state["duplicates"] = state.get("duplicates", 0) + 1
                    continue
                seen.add((ts, line))
                s.append([ts, line])
            save(self.server.state_path)
        self.reply(204)

    def loki_query_range(self, q):
        try:
            sel = parse_selector(q["query"][0])
            start = int(q.get("start", ["0"])[0])
            end = int(q.get("end", [str(2**63)])[0])
            limit = int(q.get("limit", ["100"])[0])
            direction = q.get("direction", ["backward"])[0]
            if direction not in ("forward", "backward"):
                raise ValueError("direction")
        except (ValueError, KeyError) as e:
            return self.reply(400, ("bad query: %s" % e).encode(), "text/plain")
        found = []
        with lock:
            for key, vals in state.get("streams", {}).items():
                labels = json.loads(key)
                if all(labels.get(k) == v for k, v in sel.items()):
                    for ts, line in vals:
                        if start <= int(ts) <= end:
                            found.append((int(ts), key, ts, line))
        found.sort(key=lambda x: x[0], reverse=(direction == "backward"))
        found = found[:limit]
        streams = {}
        for _, key, ts, line in found:
            streams.setdefault(key, []).append([ts, line])
        result = [{"stream": json.loads(k), "values": v} for k, v in streams.items()]
        self.reply(200, {"status": "success", "data": {"resultType": "streams", "result": result, "stats": {}}})

    def loki_label_values(self, name):
        vals = set()
        with lock:
            for key in state.get("streams", {}):
                v = json.loads(key).get(name)
                if v is not None:
                    vals.add(v)
        self.reply(200, {"status": "success", "data": sorted(vals)})

    # ---- HEC ----
    def hec_event(self):
        if self.headers.get("Authorization") != "Splunk " + self.server.token:
            return self.reply(401, {"text": "Invalid token", "code": 4})
        raw = self.body().decode("utf-8")
        dec = json.JSONDecoder()
        pos, events = 0, []
        try:
            while True:
                while pos < len(raw) and raw[pos] in " \t\r\n":
                    pos += 1
                if pos >= len(raw):
                    break
                obj, pos = dec.raw_decode(raw, pos)
                if not isinstance(obj, dict):
                    raise ValueError("an event must be an object")
                if "event" not in obj or obj["event"] in ("", None):
                    return self.reply(400, {"text": "Event field is required", "code": 12})
                if "time" in obj and not isinstance(obj["time"], (int, float)):
                    raise ValueError("time must be a number")
                for k in ("host", "source", "sourcetype", "index"):
                    if k in obj and not isinstance(obj[k], str):
                        raise ValueError("%s must be a string" % k)
                if "fields" in obj and not isinstance(obj["fields"], dict):
                    raise ValueError("fields must be an object")
                events.append(obj)
        except ValueError as e:
            return self.reply(400, {"text": "Invalid data format: %s" % e, "code": 6})
        if not events:
            return self.reply(400, {"text": "No data", "code": 5})
        with lock:
            state.setdefault("events", []).extend(events)
            state["posts"] = state.get("posts", 0) + 1
            save(self.server.state_path)
        self.reply(200, {"text": "Success", "code": 0})

    def do_POST(self):
        path = urllib.parse.urlparse(self.path).path
        if self.server.mode == "loki" and path == "/loki/api/v1/push":
            return self.loki_push()
        if self.server.mode == "hec" and path == "/services/collector/event":
            return self.hec_event()
        self.reply(404, b"not found", "text/plain")

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/stats":
            with lock:
                return self.reply(200, {k: v for k, v in state.items() if not isinstance(v, (dict, list))})
        if self.server.mode == "loki":
            if u.path == "/loki/api/v1/query_range":
                return self.loki_query_range(q)
            m = re.match(r"^/loki/api/v1/label/([a-zA-Z_][a-zA-Z0-9_]*)/values$", u.path)
            if m:
                return self.loki_label_values(m.group(1))
        if self.server.mode == "hec" and u.path == "/events":
            with lock:
                return self.reply(200, state.get("events", []))
        self.reply(404, b"not found", "text/plain")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["loki", "hec"])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state", default="")
    ap.add_argument("--token", default="")
    a = ap.parse_args()
    global state
    try:
        with open(a.state) as f:
            state = json.load(f)
    except (FileNotFoundError, IsADirectoryError):
        state = {}
    if not a.state:
        state = {}
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.mode, srv.token, srv.state_path = a.mode, a.token, a.state
    srv.seen = {k: {(v[0], v[1]) for v in vals} for k, vals in state.get("streams", {}).items()}
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    import os
    os.replace(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
