"""A webhook endpoint on loopback, for tests of the webhooks plugin: it records every request
and answers as its path says, and checks signatures with implementations independent of the
plugin: the `standardwebhooks` library for "v1" (HMAC-SHA256) and `cryptography`'s Ed25519 for
"v1a" (which standardwebhooks does not verify).

  POST /ok                    200 "ok"
  POST /status/CODE           CODE; query retry_after=VALUE adds a Retry-After header,
                              location=URL a Location header
  POST /hang                  never answers (sleeps 60 s)
  POST /big                   200 with a 20 MB body, counting the bytes it managed to send
  GET  /requests              every recorded request: path, headers (lower-cased), body (text)
  GET  /count                 how many requests were recorded
  POST /verify                {"index": N, "secret": "whsec_…"} or {"index": N, "public_key":
                              "whpk_…"}: whether request N's signature verifies with it, as
                              {"ok": bool, "error": "…"}
  GET  /big-sent              the bytes /big wrote before the client went away (0 while it writes)

Prints "listening on PORT" once it accepts connections.
"""
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

REQUESTS = []
LOCK = threading.Lock()
BIG = {"sent": 0}
TOLERANCE = 300


def verify_v1a(public_key, request):
    """Standard Webhooks' asymmetric scheme: ed25519 over id.timestamp.body, "v1a," + base64."""
    headers = request["headers"]
    timestamp = int(headers["webhook-timestamp"])
    if abs(time.time() - timestamp) > TOLERANCE:
        raise WebhookVerificationError("timestamp out of tolerance")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key[len("whpk_"):]))
    content = f"{headers['webhook-id']}.{timestamp}.".encode() + base64.b64decode(request["raw"])
    for part in headers["webhook-signature"].split(" "):
        version, _, signature = part.partition(",")
        if version != "v1a":
            continue
        try:
            key.verify(base64.b64decode(signature), content)
            return
        except InvalidSignature:
            pass
    raise WebhookVerificationError("no matching v1a signature")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/requests":
            with LOCK:
                body = json.dumps(REQUESTS).encode()
            self.answer(200, body, {"Content-Type": "application/json"})
        elif self.path == "/count":
            with LOCK:
                count = len(REQUESTS)
            self.answer(200, str(count).encode())
        elif self.path == "/big-sent":
            self.answer(200, str(BIG["sent"] if BIG.get("stopped") else 0).encode())
        else:
            self.answer(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        url = urlparse(self.path)
        if url.path == "/verify":
            return self.check(json.loads(raw))
        with LOCK:
            REQUESTS.append({"path": url.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                             "body": raw.decode("utf-8", "replace"), "raw": base64.b64encode(raw).decode()})
        query = parse_qs(url.query)
        if url.path == "/ok":
            self.answer(200, b"ok")
        elif url.path.startswith("/status/"):
            headers = {}
            if "retry_after" in query:
                headers["Retry-After"] = query["retry_after"][0]
            if "location" in query:
                headers["Location"] = query["location"][0]
            self.answer(int(url.path.rsplit("/", 1)[1]), b"status body", headers)
        elif url.path == "/hang":
            time.sleep(60)
        elif url.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(20 * 1024 * 1024))
            self.end_headers()
            chunk = b"x" * 65536
            BIG["sent"], BIG["stopped"] = 0, False
            try:
                for _ in range(320):
                    self.wfile.write(chunk)
                    BIG["sent"] += len(chunk)
            except OSError:
                pass
            BIG["stopped"] = True
        else:
            self.answer(404)

    def check(self, question):
        with LOCK:
            request = REQUESTS[question["index"]]
        try:
            if "secret" in question:
                Webhook(question["secret"]).verify(base64.b64decode(request["raw"]), request["headers"])
            else:
                verify_v1a(question["public_key"], request)
            result = {"ok": True}
        except (WebhookVerificationError, ValueError, KeyError) as error:
            result = {"ok": False, "error": str(error)}
        self.answer(200, json.dumps(result).encode(), {"Content-Type": "application/json"})


# A burst of deliveries opens many connections at once; the default backlog of 5 would refuse some.
ThreadingHTTPServer.request_queue_size = 1024
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
