"""A loopback HTTP/1.1 receiver for the market.http/1 tests. It keeps connections alive and
counts the TCP connections it accepted (GET /connections), and serves the awkward answers:
/redirect (302 to /ok), /big (a 20 MiB body; GET /big-sent: the bytes the last one wrote before
the client went away), /hang (accepts the request, never answers).
Prints "listening on port N" once it listens."""
import http.server
import socketserver
import threading
import time

connections = 0
big_sent = 0
lock = threading.Lock()
BIG = 20 << 20


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes

    def setup(self):
        global connections
        with lock:
            connections += 1
        super().setup()

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"ok", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.route()

    def do_GET(self):
        self.route()

    def route(self):
        global big_sent
        if self.path == "/connections":
            with lock:
                self.reply(200, str(connections).encode())
        elif self.path == "/big-sent":
            with lock:
                self.reply(200, str(big_sent).encode())
        elif self.path == "/redirect":
            self.reply(302, b"moved", [("Location", "/ok")])
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            with lock:
                big_sent = 0  # until this answer has stopped writing
            chunk = b"0123456789abcdef" * 4096
            sent = 0
            try:
                for _ in range(BIG // len(chunk)):
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                self.close_connection = True  # the client stopped reading, as it should
            with lock:
                big_sent = sent
        elif self.path == "/hang":
            time.sleep(3600)
        else:
            self.reply(200)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(f"listening on port {server.server_address[1]}", flush=True)
server.serve_forever()
