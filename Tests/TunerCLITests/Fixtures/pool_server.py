#!/usr/bin/env python3
"""A service whose best pool size is known by construction, for the sweep tests.

POOL requests are served at once; each takes 100 ms while at most 4 run, and proportionally longer beyond
(4 workers' worth of CPU shared by all): capacity = 10 x min(POOL, 4) requests/s, flat from POOL=4 on,
so the smallest pool within 5% of the best is 4. (Long service times keep a busy machine's scheduling
delays small beside them.) Listens on 127.0.0.1:PORT (argv[1]) until SIGTERM.
SWEEP_MARK in argv lets a test find stray copies. With a third argument PREFIX, the time each request spent in
the service (from its request line read to its response written, in ms) is appended to PREFIX-POOL.log: the
service's own account of how long it took, which a starved machine can stretch beyond the construction.
"""
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

pool = int(os.environ["POOL"])
if pool <= 0:
    sys.exit("POOL must be positive")
slots = threading.BoundedSemaphore(pool)
service = 0.100 * max(1.0, pool / 4)
own_times = open(f"{sys.argv[3]}-{pool}.log", "a", buffering=1) if len(sys.argv) > 3 else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 65536
    disable_nagle_algorithm = True

    def parse_request(self):
        self.arrived = time.monotonic()  # the request line has just been read
        return super().parse_request()

    def do_GET(self):
        if self.path != "/health":
            with slots:
                time.sleep(service)
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if own_times and self.path != "/health":
            own_times.write(f"{(time.monotonic() - self.arrived) * 1000:.1f}\n")

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer.request_queue_size = 512  # the engine opens its whole pool at once
server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
print(f"pool {pool} listening", flush=True)
server.serve_forever()
