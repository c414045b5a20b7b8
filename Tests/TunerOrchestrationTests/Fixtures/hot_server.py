"""A Python service whose CPU goes, by construction, three quarters to burn_hot and one quarter to burn_cold: each
GET /work runs the same loop 3N times in one and N times in the other (N from the command line). GET /health answers
at once. Usage: python3 hot_server.py PORT N
"""
import http.server
import sys

PORT = int(sys.argv[1])
N = int(sys.argv[2])


def burn_hot(n):
    x = 0.0
    for i in range(n):
        x += i * 0.5 / (i + 1)
    return x


def burn_cold(n):
    x = 0.0
    for i in range(n):
        x += i * 0.5 / (i + 1)
    return x


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/work":
            burn_hot(3 * N)
            burn_cold(N)
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
