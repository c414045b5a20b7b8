"""A service that serves a known CPU profile as Go's net/http/pprof does.

Usage: pprof_server.py PORT PROFILE [MUTEX ALLOCS]
  GET /debug/pprof/profile?seconds=N  waits N seconds, then answers PROFILE's bytes; prints
                                      "profile seconds=N asked=T answered=T" (Unix times) to stdout
  GET /debug/pprof/mutex?seconds=N    the same with MUTEX's bytes ("mutex seconds=N …"), when given
  GET /debug/pprof/allocs?seconds=N   the same with ALLOCS's bytes ("allocs seconds=N …"), when given
  GET /debug/pprof/garbage            answers bytes that are no profile
  any other GET                       200 "ok"
"""
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PROFILE = open(sys.argv[2], "rb").read()
PROFILES = {"profile": PROFILE}
if len(sys.argv) > 4:
    PROFILES["mutex"] = open(sys.argv[3], "rb").read()
    PROFILES["allocs"] = open(sys.argv[4], "rb").read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, body, content_type="application/octet-stream"):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        name = url.path[len("/debug/pprof/"):] if url.path.startswith("/debug/pprof/") else None
        if name in PROFILES:
            seconds = int(parse_qs(url.query).get("seconds", ["30"])[0])
            asked = time.time()
            time.sleep(seconds)
            print(f"{name} seconds={seconds} asked={asked:.3f} answered={time.time():.3f}", flush=True)
            self.send(PROFILES[name])
        elif url.path == "/debug/pprof/garbage/debug/pprof/profile":
            self.send(b"\x1f\x8b not gzip at all")
        else:
            self.send(b"ok\n", "text/plain")


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
