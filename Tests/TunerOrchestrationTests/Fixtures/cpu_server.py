"""A service whose CPU time per request is known by construction: every GET /work burns BURN_MS milliseconds of
its thread's CPU time (time.thread_time), then answers. GET /metrics gives the standard process collector's
figures (process_cpu_seconds_total from os.times(), process_resident_memory_bytes from /proc/self/statm), as a
Prometheus client would. Usage: python3 cpu_server.py PORT BURN_MS
"""
import http.server
import os
import sys
import time

PORT = int(sys.argv[1])
BURN = float(sys.argv[2]) / 1000


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, body, kind="text/plain"):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/metrics":
            times = os.times()
            pages = int(open("/proc/self/statm").read().split()[1])
            self.answer("# TYPE process_cpu_seconds_total counter\n"
                        f"process_cpu_seconds_total {times.user + times.system}\n"
                        "# TYPE process_resident_memory_bytes gauge\n"
                        f"process_resident_memory_bytes {pages * os.sysconf('SC_PAGE_SIZE')}\n")
            return
        if self.path == "/work":
            end = time.thread_time() + BURN
            x = 0
            while time.thread_time() < end:
                x += 1
        self.answer("ok\n")


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
