"""A webhook receiver for the delivery-target tests, on an ephemeral loopback port.

POST /hook        records the request (webhook-id, x-attempt, the time, the body) and answers
                  as the current mode says.
POST /_mode       sets the mode: {"status": 200, "retry_after": "3", "drop": false, "body": "ok"}.
                  "drop" closes the connection without an answer (the endpoint is down).
GET  /_received   the requests recorded so far, oldest first, with the status each got.

Prints "port N" once it listens.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
mode = {"status": 200, "retry_after": None, "drop": False, "body": "ok"}
received = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            self.answer(200, json.dumps(received))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        if self.path == "/_mode":
            with lock:
                mode.update(json.loads(body))
            return self.answer(204, "")
        with lock:
            current = dict(mode)
            received.append({"id": self.headers.get("webhook-id"), "attempt": self.headers.get("x-attempt"), "at": time.time(),
                             "status": 0 if current["drop"] else current["status"], "body": body})
        if current["drop"]:
            self.close_connection = True
            return
        headers = [("retry-after", str(current["retry_after"]))] if current["retry_after"] is not None else []
        self.answer(current["status"], current["body"], headers)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port", server.server_address[1], flush=True)
server.serve_forever()
