#!/usr/bin/env python3
"""A service backed by a real PostgreSQL whose bottleneck is known by construction, for `tuner run --capacity`
and `tuner sweep --db`. Every request on a path other than /health and /metrics runs one psql command against
DATABASE_URL (psql is argv[2]) while holding one of POOL slots (the service's connection pool):

  MODE=pool    SELECT pg_sleep(0.25): the pool of POOL slots is the limit (all in use, requests waiting);
               the sleep is long beside psql's own start (tens of ms), so a busy machine does not move the limit.
  MODE=lock    UPDATE one row, then pg_sleep(0.1), in one transaction: the row lock serialises every
               request, so sessions wait on a lock (POOL is large, the pool is not the limit).
  MODE=insert  INSERT one row into fixture_rows: one transaction and one row written per request.
  MODE=cpu     no database work and no pool: 30 ms of the handling thread's own CPU per request, under Python's
               interpreter lock, so one core at most whatever the machine has (about 33 requests/s): the service's
               CPU is the limit.

/metrics shows the pool as Prometheus gauges (fixture_db_pool_connections{state}, fixture_db_pool_waiting,
fixture_db_pool_max_connections). Listens on 127.0.0.1:PORT (argv[1]) until SIGTERM.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, psql = int(sys.argv[1]), sys.argv[2]
pool = int(os.environ.get("POOL", "2"))
mode = os.environ.get("MODE", "pool")
database = os.environ["DATABASE_URL"]
statements = {
    "pool": "SELECT pg_sleep(0.25)",
    "lock": "BEGIN; UPDATE fixture_hot SET n = n + 1 WHERE id = 1; SELECT pg_sleep(0.1); COMMIT;",
    "insert": "INSERT INTO fixture_rows (v) VALUES (1)",
}
statement = statements.get(mode)
slots = threading.BoundedSemaphore(pool)
lock = threading.Lock()
state = {"in_use": 0, "waiting": 0}


def run_sql(sql):
    subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
                   check=True, stdout=subprocess.DEVNULL)


if mode == "lock":
    run_sql("CREATE TABLE IF NOT EXISTS fixture_hot (id int PRIMARY KEY, n int NOT NULL); "
            "INSERT INTO fixture_hot VALUES (1, 0) ON CONFLICT DO NOTHING")
if mode == "insert":
    run_sql("CREATE TABLE IF NOT EXISTS fixture_rows (id bigserial PRIMARY KEY, v int NOT NULL)")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def answer(self, body, status=200):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            return self.answer(b"ok\n")
        if self.path == "/metrics":
            with lock:
                in_use, waiting = state["in_use"], state["waiting"]
            text = (f'fixture_db_pool_connections{{state="in_use"}} {in_use}\n'
                    f'fixture_db_pool_connections{{state="idle"}} {pool - in_use}\n'
                    f"fixture_db_pool_waiting {waiting}\n"
                    f"fixture_db_pool_max_connections {pool}\n")
            return self.answer(text.encode())
        if mode == "cpu":
            end = time.thread_time() + 0.03
            spins = 0
            while time.thread_time() < end:
                spins += 1
            return self.answer(b"ok\n")
        with lock:
            state["waiting"] += 1
        with slots:
            with lock:
                state["waiting"] -= 1
                state["in_use"] += 1
            try:
                run_sql(statement)
                ok = True
            except subprocess.CalledProcessError:
                ok = False
            finally:
                with lock:
                    state["in_use"] -= 1
        self.answer(b"ok\n" if ok else b"database error\n", 200 if ok else 500)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer.request_queue_size = 512
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
print(f"{mode} pool {pool} listening", flush=True)
server.serve_forever()
