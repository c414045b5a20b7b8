"""A service whose cold start is known by construction: it takes STARTUP_MS before it listens, and its first
GET /work pays INIT_MS of lazy initialisation (a pool connecting, say) unless PREWARM=1, in which case that
initialisation happens before it listens. GET /health answers once it listens.
Usage: python3 coldstart_server.py PORT STARTUP_MS INIT_MS   (PREWARM=1 in the environment to pre-warm)
"""
import http.server
import os
import sys
import threading
import time

PORT, STARTUP, INIT = int(sys.argv[1]), float(sys.argv[2]) / 1000, float(sys.argv[3]) / 1000
state = {"warm": False}
lock = threading.Lock()


def warm_up():
    with lock:
        if not state["warm"]:
            time.sleep(INIT)
            state["warm"] = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY the body waits for a delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/work":
            warm_up()
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


time.sleep(STARTUP)
if os.environ.get("PREWARM") == "1":
    warm_up()
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
