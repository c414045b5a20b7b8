#!/usr/bin/env python3
"""An HTTP server whose capacity is known by construction, for benchmarks/capacity.sh.

  slots MODE:  SLOTS requests are served at once, each takes SERVICE_MS; the rest wait in line.
               Capacity = SLOTS / SERVICE_MS * 1000 requests/s.
  random MODE: SLOTS requests are served at once, each for an exponentially distributed time of mean
               MEAN_MS (an M/M/c queue under random arrivals); capacity at a latency SLO depends on the SLO.
  limit MODE:  every request is answered at once, with 503 once more than LIMIT requests arrived
               in the last second. Capacity at an error SLO = LIMIT requests/s.

Usage: capacity_server.py PORT slots SLOTS SERVICE_MS | PORT random SLOTS MEAN_MS | PORT limit LIMIT
Listens on 127.0.0.1 only and runs until killed.
"""
import collections
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, mode = int(sys.argv[1]), sys.argv[2]
if mode in ("slots", "random"):
    slots = threading.BoundedSemaphore(int(sys.argv[3]))
    service = int(sys.argv[4]) / 1000
else:
    limit = int(sys.argv[3])
    arrivals = collections.deque()
    arrivals_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response and no Nagle delay: otherwise delayed ACKs add 40 ms to every answer.
    wbufsize = 65536
    disable_nagle_algorithm = True

    def do_GET(self):
        status = 200
        if mode == "slots":
            with slots:
                time.sleep(service)
        elif mode == "random":
            with slots:
                time.sleep(random.expovariate(1 / service))
        else:
            now = time.monotonic()
            with arrivals_lock:
                arrivals.append(now)
                while arrivals and now - arrivals[0] > 1.0:
                    arrivals.popleft()
                if len(arrivals) > limit:
                    status = 503
        body = b"ok\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 512
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
