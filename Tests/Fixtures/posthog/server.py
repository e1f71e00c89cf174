"""PostHog's batch capture endpoint on loopback, for tests of the posthog plugin. It checks what
PostHog checks and answers as PostHog does:

  POST /batch/    {"api_key": KEY, "batch": [event, ...]}; 401 for another key, 413 over 20 MB,
                  400 when the body or any event is invalid (event name, distinct_id, a UUID,
                  an ISO 8601 timestamp; and, to stand for PostHog's other validation errors,
                  an event whose properties have "invalid": true); else 200 {"status": "Ok"}
                  and the events are kept.
  POST /fail      {"status": CODE, "count": N}: the next N batch requests answer CODE.
  POST /delay     {"ms": N}: every batch request waits N ms before it is answered.
  GET  /received  {"requests": [{"events": n, "bytes": b, "status": s}], "events": [...]}:
                  every batch request and every accepted event, duplicates included.
  GET  /count     {"events": n, "unique": u}: accepted events, and their distinct UUIDs.

Usage: server.py API_KEY. Prints "listening on PORT" once it accepts connections.
"""
import json
import sys
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = sys.argv[1]
MAX_BODY = 20 * 1024 * 1024
LOCK = threading.Lock()
REQUESTS = []
EVENTS = []
UUIDS = set()
FAILURES = {"status": 0, "count": 0}
DELAY = {"ms": 0}


def invalid_event(event):
    """Why PostHog would refuse the event, or None."""
    if not isinstance(event, dict) or not isinstance(event.get("event"), str) or not event["event"]:
        return "event name missing"
    properties = event.get("properties")
    if not isinstance(properties, dict) or not isinstance(properties.get("distinct_id"), str) or not properties["distinct_id"]:
        return "distinct_id missing"
    try:
        uuid.UUID(event.get("uuid", ""))
    except (ValueError, TypeError, AttributeError):
        return "uuid is not a UUID"
    try:
        datetime.fromisoformat(event.get("timestamp", "").replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return "timestamp is not ISO 8601"
    if properties.get("invalid") is True:
        return "a property is invalid"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            if self.path == "/received":
                return self.answer(200, {"requests": REQUESTS, "events": EVENTS})
            if self.path == "/count":
                return self.answer(200, {"events": len(EVENTS), "unique": len(UUIDS)})
        self.answer(404, {"detail": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if length > MAX_BODY:
            self.rfile.read(length)
            return self.answer(413, {"type": "validation_error", "code": "payload_too_large", "detail": "over 20 MB"})
        raw = self.rfile.read(length)
        if self.path == "/fail":
            order = json.loads(raw)
            with LOCK:
                FAILURES.update(status=order["status"], count=order["count"])
            return self.answer(200, {})
        if self.path == "/delay":
            with LOCK:
                DELAY["ms"] = json.loads(raw)["ms"]
            return self.answer(200, {})
        if self.path != "/batch/":
            return self.answer(404, {"detail": "not found"})
        with LOCK:
            delay = DELAY["ms"]
        if delay:
            time.sleep(delay / 1000)
        status, body, events = self.batch(raw)
        with LOCK:
            REQUESTS.append({"events": len(events), "bytes": length, "status": status})
            if status == 200:
                EVENTS.extend(events)
                UUIDS.update(event["uuid"] for event in events)
        self.answer(status, body)

    def batch(self, raw):
        with LOCK:
            if FAILURES["count"] > 0:
                FAILURES["count"] -= 1
                return FAILURES["status"], {"detail": "injected failure"}, []
        try:
            payload = json.loads(raw)
        except ValueError:
            return 400, {"type": "validation_error", "code": "invalid_payload", "detail": "not JSON"}, []
        if not isinstance(payload, dict) or not isinstance(payload.get("batch"), list):
            return 400, {"type": "validation_error", "code": "invalid_payload", "detail": "batch missing"}, []
        if payload.get("api_key") != API_KEY:
            return 401, {"type": "authentication_error", "code": "invalid_api_key", "detail": "Project API key invalid."}, []
        for event in payload["batch"]:
            why = invalid_event(event)
            if why:
                return 400, {"type": "validation_error", "code": "invalid_payload", "detail": why}, []
        return 200, {"status": "Ok"}, payload["batch"]


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
