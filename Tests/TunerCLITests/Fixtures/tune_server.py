#!/usr/bin/env python3
"""A service for `tuner tune` whose problems, and the fixes of them, are known by construction. It is backed by a real
PostgreSQL (DATABASE_URL; psql is argv[2]) through a pool of its own: POOL long-lived psql sessions, each running one
statement at a time, requests waiting for a free one.

  GET /orders?customer=N   SELECT count(*), sum(total) FROM tune_orders WHERE customer_id = N: no index on
                           customer_id, so every request scans the whole table (the planted missing index; with it,
                           a few rows)
  GET /report              an ordered aggregate over the newest 100,000 notes: the sort does not fit the default
                           work_mem (4MB) and spills to temporary files (the planted spill; with 64MB it sorts in memory)
  GET /health              ok once the pool is open
  POOL                     the pool's size (a knob whose right value is known: one session cannot use the machine)
  NOOP                     read and ignored (a knob that changes nothing)

`--setup ROWS URL` creates and fills tune_orders in the database at URL (ROWS rows, 5,000 customers) and exits. Listens on 127.0.0.1:PORT
(argv[1]) until SIGTERM.
"""
import os
import queue
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

port, psql = sys.argv[1], sys.argv[2]
END = "__tune_server_end__"

if len(sys.argv) > 5 and sys.argv[3] == "--setup":
    rows, database = int(sys.argv[4]), sys.argv[5]
    subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c",
                    "CREATE TABLE tune_orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, "
                    "total numeric NOT NULL, note text NOT NULL); "
                    f"INSERT INTO tune_orders (customer_id, total, note) SELECT (i::bigint * 7919) % 5000, (i % 100) + 0.5, "
                    f"md5(i::text) || md5((i + 1)::text) FROM generate_series(1, {rows}) i; ANALYZE tune_orders;"],
                   check=True, stdout=subprocess.DEVNULL)
    sys.exit(0)

database = os.environ["DATABASE_URL"]
pool_size = int(os.environ.get("POOL", "1"))
_ = os.environ.get("NOOP")


class Session:
    """One psql process kept open: a statement in, its rows out up to the end marker."""

    def __init__(self):
        self.process = subprocess.Popen([psql, "-X", "-q", "-A", "-t", "-d", database], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def run(self, sql):
        self.process.stdin.write(sql + ";\n\\echo " + END + "\n")
        self.process.stdin.flush()
        lines = []
        while True:
            line = self.process.stdout.readline()
            if not line or line.rstrip("\n") == END:
                return lines
            lines.append(line.rstrip("\n"))


sessions = queue.Queue()
for _ in range(pool_size):
    session = Session()
    session.run("SELECT 1")
    sessions.put(session)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def answer(self, body, status=200):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/health":
            return self.answer(b"ok\n")
        if url.path == "/orders":
            customer = int(parse_qs(url.query).get("customer", ["1"])[0]) % 5000
            sql = f"SELECT count(*), sum(total) FROM tune_orders WHERE customer_id = {customer}"
        elif url.path == "/report":
            sql = ("SELECT md5(string_agg(note, ',' ORDER BY note)) FROM tune_orders "
                   "WHERE id > (SELECT max(id) - 100000 FROM tune_orders)")
        else:
            return self.answer(b"not found\n", 404)
        session = sessions.get()
        try:
            rows = session.run(sql)
        finally:
            sessions.put(session)
        self.answer(("\n".join(rows) + "\n").encode())

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer.request_queue_size = 512
server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
print(f"pool {pool_size} listening", flush=True)
server.serve_forever()
