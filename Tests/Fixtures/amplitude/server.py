"""Amplitude's HTTP V2 API on loopback, for tests of the amplitude plugin. It checks what
Amplitude checks and answers as Amplitude documents:

  POST /2/httpapi  {"api_key": KEY, "events": [...], "options": {"min_id_length": n}}
                   413 {"code": 413, "error": ...} over 2000 events or over the byte limit;
                   400 {"code": 400, "error": "Invalid API key: <key>"} for another key (echoed,
                   as Amplitude does); 400 "missing_field" when api_key or events is missing;
                   400 with "events_with_missing_fields" (event_type, user_id/device_id,
                   insert_id), "events_with_invalid_fields" (a time that is not an integer, and,
                   to stand for Amplitude's other validation errors, event_properties with
                   "invalid": true), "events_with_invalid_id_lengths" (ids shorter than
                   min_id_length, 5 by default) and "silenced_events" (silenced devices);
                   429 with "throttled_events", "throttled_users", "eps_threshold" and
                   "exceeded_daily_quota_users" for events of throttled users (on order);
                   else 200 {"code": 200, "events_ingested": n, ...}. A refused request
                   (400, 413, 429) ingests none of its events. Accepted events are deduplicated
                   by insert_id, as Amplitude does; the duplicates are recorded.
  POST /fail       {"status": CODE, "count": N}: the next N uploads answer CODE (a 400 without
                   indices, a 5xx).
  POST /throttle   {"users": [...], "count": N, "daily_quota": bool}: the next N uploads with
                   events of those users answer 429 naming them.
  POST /limits     {"max_bytes": N}: uploads over N bytes answer 413.
  POST /silence    {"devices": [...]}: those devices' events are silenced.
  GET  /received   {"requests": [{"events": n, "bytes": b, "status": s}], "events": [...],
                   "duplicates": [...]}

Usage: server.py API_KEY. Prints "listening on PORT" once it accepts connections.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = sys.argv[1]
MAX_EVENTS = 2000
LOCK = threading.Lock()
STATE = {"max_bytes": 20 * 1024 * 1024, "fail": {"status": 0, "count": 0},
         "throttle": {"users": [], "count": 0, "daily_quota": False}, "silenced": []}
REQUESTS = []
EVENTS = []
DUPLICATES = []
SEEN = set()


def problems(events, min_id_length):
    """The 400 body members naming the invalid events, or None when all are valid."""
    missing, invalid, lengths, silenced = {}, {}, {}, []

    def note(table, field, index):
        table.setdefault(field, []).append(index)

    for index, event in enumerate(events):
        if not isinstance(event, dict):
            note(invalid, "event", index)
            continue
        if not isinstance(event.get("event_type"), str) or not event["event_type"]:
            note(missing, "event_type", index)
        user, device = event.get("user_id"), event.get("device_id")
        if not isinstance(user, str) and not isinstance(device, str):
            note(missing, "user_id", index)
        for name, value in (("user_id", user), ("device_id", device)):
            if isinstance(value, str) and len(value) < min_id_length:
                note(lengths, name, index)
        if not isinstance(event.get("insert_id"), str) or not event["insert_id"]:
            note(missing, "insert_id", index)
        if "time" in event and (not isinstance(event["time"], int) or isinstance(event["time"], bool)):
            note(invalid, "time", index)
        properties = event.get("event_properties", {})
        if not isinstance(properties, dict):
            note(invalid, "event_properties", index)
        elif properties.get("invalid") is True:
            note(invalid, "event_properties", index)
        if device in STATE["silenced"]:
            silenced.append(index)
    if not (missing or invalid or lengths or silenced):
        return None
    body = {"code": 400, "error": "Request missing required field" if missing else "Invalid field values on some events"}
    if missing:
        body["events_with_missing_fields"] = missing
    if invalid:
        body["events_with_invalid_fields"] = invalid
    if lengths:
        body["events_with_invalid_id_lengths"] = lengths
    if silenced:
        body["silenced_events"] = silenced
        body["silenced_devices"] = sorted({events[i]["device_id"] for i in silenced})
    return body


def events_of(raw):
    """The events of an upload, for the record of a refused one."""
    try:
        events = json.loads(raw).get("events")
    except (ValueError, AttributeError):
        return []
    return events if isinstance(events, list) else []


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
        if self.path != "/received":
            return self.answer(404, {"error": "not found"})
        with LOCK:
            self.answer(200, {"requests": REQUESTS, "events": EVENTS, "duplicates": DUPLICATES})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        orders = {"/fail": "fail", "/throttle": "throttle"}
        if self.path in orders:
            with LOCK:
                STATE[orders[self.path]] = dict(STATE[orders[self.path]], **json.loads(raw))
            return self.answer(200, {})
        if self.path == "/limits":
            with LOCK:
                STATE["max_bytes"] = json.loads(raw)["max_bytes"]
            return self.answer(200, {})
        if self.path == "/silence":
            with LOCK:
                STATE["silenced"] = json.loads(raw)["devices"]
            return self.answer(200, {})
        if self.path != "/2/httpapi":
            return self.answer(404, {"error": "not found"})
        with LOCK:
            status, body, events = self.upload(raw, length)
            REQUESTS.append({"events": len(events), "bytes": length, "status": status})
            if status == 200:
                for event in events:
                    if event["insert_id"] in SEEN:
                        DUPLICATES.append(event)
                    else:
                        SEEN.add(event["insert_id"])
                        EVENTS.append(event)
        self.answer(status, body)

    def upload(self, raw, length):
        """(status, body, events) for one upload; called with LOCK held."""
        if length > STATE["max_bytes"]:
            return 413, {"code": 413, "error": "Payload too large"}, events_of(raw)
        try:
            payload = json.loads(raw)
        except ValueError:
            return 400, {"code": 400, "error": "Invalid JSON request body"}, []
        if not isinstance(payload, dict) or not payload.get("api_key"):
            return 400, {"code": 400, "error": "Request missing required field", "missing_field": "api_key"}, []
        if not isinstance(payload.get("events"), list):
            return 400, {"code": 400, "error": "Request missing required field", "missing_field": "events"}, []
        events = payload["events"]
        if payload["api_key"] != API_KEY:
            return 400, {"code": 400, "error": "Invalid API key: " + str(payload["api_key"])}, events
        if len(events) > MAX_EVENTS:
            return 413, {"code": 413, "error": "Payload too large"}, events
        fail = STATE["fail"]
        if fail["count"] > 0:
            fail["count"] -= 1
            return fail["status"], {"code": fail["status"], "error": "injected failure"}, events
        min_id_length = (payload.get("options") or {}).get("min_id_length", 5)
        refused = problems(events, min_id_length)
        if refused:
            return 400, refused, events
        throttle = STATE["throttle"]
        hot = [i for i, event in enumerate(events) if event.get("user_id") in throttle["users"]]
        if throttle["count"] > 0 and hot:
            throttle["count"] -= 1
            users = {}
            for i in hot:
                users[events[i]["user_id"]] = users.get(events[i]["user_id"], 30) + 1
            body = {"code": 429, "error": "Too many requests for some devices and users", "eps_threshold": 30,
                    "throttled_devices": {}, "throttled_users": users, "throttled_events": hot}
            if throttle["daily_quota"]:
                body["exceeded_daily_quota_users"] = {user: 500001 for user in users}
            return 429, body, events
        return 200, {"code": 200, "events_ingested": len(events), "payload_size_bytes": length,
                     "server_upload_time": int(time.time() * 1000)}, events


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
