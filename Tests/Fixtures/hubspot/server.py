"""HubSpot's CRM v3 API on loopback, for tests of the hubspot plugin. It answers as HubSpot's API
reference documents, checks what HubSpot checks, and enforces HubSpot's limits itself:

  Auth        Authorization: Bearer TOKEN. The token given on the command line is portal 1001's;
              the token "expired-token" answers 401 EXPIRED_AUTHENTICATION, any other 401
              INVALID_AUTHENTICATION (HubSpot's {"status","message","correlationId","category"}).
  Limits      100 requests per rolling 10 seconds per portal (429 policyName TEN_SECONDLY_ROLLING),
              5 search requests per rolling second (429 policyName SECONDLY), and a daily limit
              (429 policyName DAILY) whose remaining count a test sets. Non-search answers carry
              X-HubSpot-RateLimit-Max / -Remaining / -Interval-Milliseconds / -Daily /
              -Daily-Remaining, as HubSpot's do; search answers carry none, as HubSpot's.
  Objects     contacts, companies, deals, notes, tasks: create (POST /crm/v3/objects/{type}, with
              `associations`), read (GET …/{id}?properties=&associations=&propertiesWithHistory=),
              update (PATCH …/{id}), search (POST …/search: filterGroups (≤5 groups, ≤6 filters a
              group, ≤18 in all) of EQ, NEQ, IN, CONTAINS_TOKEN (with * wildcards), HAS_PROPERTY,
              and associations.contact; one sort; limit ≤ 200; `after` paging), batch read
              (POST …/batch/read, 207 when some are missing). Contacts: an e-mail already taken is
              409 CONFLICT "Contact already exists. Existing ID: N"; `hs_calculated_phone_number`
              is the phone in international form when it was typed with a +; secondary e-mails
              (PUT /contacts/v1/secondary-email/{vid}/email/{email}) are `hs_additional_emails`;
              `associatedcompanyid` is the primary company (association type 1). Deals: pipeline
              and dealstage must exist (400 VALIDATION_ERROR). Notes and tasks need hs_timestamp;
              tasks a valid hs_task_status. Association type ids must fit the pair (deal→contact 3,
              note→contact 202, note→deal 214, task→contact 204, task→deal 216, contact→company 1
              or 279); an association with an object that does not exist is 400.
              PUT /crm/v4/objects/{from}/{id}/associations/{to}/{toId} with [{associationCategory,
              associationTypeId}]; POST /crm/v4/associations/{from}/{to}/batch/read.
              GET /crm/v3/pipelines/deals; GET /account-info/v3/details.
  Webhooks    every creation and dealstage change (by the API, or by a person through
              /_fake/ui/…) queues the event HubSpot would send the app.

Test controls (no auth, not rate limited):
  GET  /_fake/requests          every API request: {t, method, path, status, handling_us, search}
  POST /_fake/daily             {"remaining": N}
  POST /_fake/ui/contact        {"properties": {...}}: a person adds a contact in HubSpot
  POST /_fake/ui/stage          {"deal": ID, "stage": S}: a person drags a deal to stage S
  GET  /_fake/webhooks          the queued webhook events, as HubSpot posts them
  POST /_fake/sign              {"method","uri","body","timestamp"}: X-HubSpot-Signature-v3 with
                                the app's client secret
  GET  /_fake/objects/{type}    the stored objects

Usage: server.py TOKEN CLIENT_SECRET. Prints "listening on PORT" once it accepts connections.
"""
import base64
import collections
import datetime
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN = sys.argv[1]
CLIENT_SECRET = sys.argv[2]
PORTAL = 1001
BURST_LIMIT, BURST_WINDOW = 100, 10.0
SEARCH_LIMIT, SEARCH_WINDOW = 5, 1.0
DAILY_LIMIT = 250000

LOCK = threading.Lock()
REQUESTS = []
BURST_TIMES = collections.deque()
SEARCH_TIMES = collections.deque()
STATE = {"daily_remaining": DAILY_LIMIT, "next_id": 501, "event_id": 1}
OBJECTS = {kind: {} for kind in ("contacts", "companies", "deals", "notes", "tasks")}
# (from kind, from id, to kind, to id) -> set of association type ids
ASSOCIATIONS = {}
WEBHOOKS = []

SINGULAR = {"contact": "contacts", "company": "companies", "deal": "deals", "note": "notes", "task": "tasks"}
ALLOWED_TYPES = {
    ("deals", "contacts"): {3}, ("contacts", "deals"): {4},
    ("notes", "contacts"): {202}, ("notes", "deals"): {214},
    ("tasks", "contacts"): {204}, ("tasks", "deals"): {216},
    ("contacts", "companies"): {1, 279}, ("companies", "contacts"): {2, 280},
}
INVERSE = {3: 4, 4: 3, 202: 201, 214: 213, 204: 203, 216: 215, 1: 2, 279: 280, 2: 1, 280: 279}
PIPELINES = [
    {"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "stages": [
        ("appointmentscheduled", "Appointment Scheduled"), ("qualifiedtobuy", "Qualified To Buy"),
        ("presentationscheduled", "Presentation Scheduled"), ("decisionmakerboughtin", "Decision Maker Bought-In"),
        ("contractsent", "Contract Sent"), ("closedwon", "Closed Won"), ("closedlost", "Closed Lost")]},
    {"id": "75e28846-ad0d-4be2-a027-5e1da6590b98", "label": "Partners", "displayOrder": 1, "stages": [
        ("1234567", "New partner"), ("1234568", "Signed")]},
]
TASK_STATUSES = {"NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"}


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def now_ms():
    return int(time.time() * 1000)


class Refusal(Exception):
    def __init__(self, status, message, category, extra=None):
        super().__init__(message)
        self.status, self.message, self.category, self.extra = status, message, category, extra or {}

    def body(self):
        body = {"status": "error", "message": self.message, "correlationId": str(uuid.uuid4()), "category": self.category}
        body.update(self.extra)
        return body


def new_id():
    STATE["next_id"] += 1
    return str(STATE["next_id"])


def calculated(properties):
    """HubSpot's calculated phone numbers: the international form of a phone typed with a +."""
    for source, target in (("phone", "hs_calculated_phone_number"), ("mobilephone", "hs_calculated_mobile_number")):
        typed = properties.get(source) or ""
        digits = re.sub(r"\D", "", typed)
        if typed.strip().startswith("+") and 5 <= len(digits) <= 15:
            properties[target] = "+" + digits
        else:
            properties.pop(target, None)


def primary_company(contact_id):
    for (kind, fid, to, tid), types in ASSOCIATIONS.items():
        if kind == "contacts" and fid == contact_id and to == "companies" and 1 in types:
            return tid
    return None


def queue_webhook(kind, object_id, subscription, prop=None, value=None, source="INTEGRATION"):
    STATE["event_id"] += 1
    event = {"eventId": STATE["event_id"], "subscriptionId": 4242, "portalId": PORTAL, "appId": 9090, "occurredAt": now_ms(),
             "subscriptionType": subscription, "attemptNumber": 0, "objectId": int(object_id), "changeSource": source}
    if prop is not None:
        event["propertyName"], event["propertyValue"] = prop, value
    else:
        event["changeFlag"] = "NEW"
    WEBHOOKS.append(event)


def set_property(kind, record, name, value, ms):
    if value is None:
        value = ""
    value = str(value)
    if kind == "contacts" and name == "email":
        value = value.strip().lower()
    record["properties"][name] = value
    record["history"].setdefault(name, []).insert(0, {"value": value, "timestamp": iso(ms), "sourceType": "API"})


def validate(kind, properties, record=None):
    merged = dict(record["properties"]) if record else {}
    merged.update({k: ("" if v is None else str(v)) for k, v in properties.items()})
    errors = []
    if kind == "contacts" and properties.get("email"):
        email = str(properties["email"]).strip().lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            errors.append({"isValid": False, "message": "Email address %s is invalid" % email, "error": "INVALID_EMAIL", "name": "email"})
        for other in OBJECTS["contacts"].values():
            if other["id"] != (record or {}).get("id") and (other["properties"].get("email") == email
                                                            or email in other["properties"].get("hs_additional_emails", "").split(";")):
                raise Refusal(409, "Contact already exists. Existing ID: %s" % other["id"], "CONFLICT")
    if kind == "deals":
        pipeline = next((p for p in PIPELINES if p["id"] == merged.get("pipeline", "default")), None)
        if pipeline is None:
            errors.append({"isValid": False, "message": "%s was not one of the allowed options" % merged.get("pipeline"),
                           "error": "INVALID_OPTION", "name": "pipeline"})
        elif "dealstage" in merged and merged["dealstage"] not in [s[0] for s in pipeline["stages"]]:
            options = ", ".join("[label: %s value: %s]" % (label, sid) for sid, label in pipeline["stages"])
            errors.append({"isValid": False, "message": "%s was not one of the allowed options: %s" % (merged["dealstage"], options),
                           "error": "INVALID_OPTION", "name": "dealstage"})
        if merged.get("amount"):
            try:
                float(merged["amount"])
            except ValueError:
                errors.append({"isValid": False, "message": "%s was not a valid number" % merged["amount"], "error": "INVALID_FLOAT", "name": "amount"})
    if kind in ("notes", "tasks") and not merged.get("hs_timestamp"):
        errors.append({"isValid": False, "message": "hs_timestamp is required", "error": "REQUIRED_FIELD", "name": "hs_timestamp"})
    if kind == "tasks" and merged.get("hs_task_status") and merged["hs_task_status"] not in TASK_STATUSES:
        errors.append({"isValid": False, "message": "%s was not one of the allowed options" % merged["hs_task_status"],
                       "error": "INVALID_OPTION", "name": "hs_task_status"})
    if errors:
        raise Refusal(400, "Property values were not valid: " + json.dumps(errors), "VALIDATION_ERROR")


def check_associations(kind, associations):
    for association in associations or []:
        target = str(association.get("to", {}).get("id", ""))
        for type_ in association.get("types", []):
            type_id = type_.get("associationTypeId")
            pair = next(((f, t) for (f, t), ids in ALLOWED_TYPES.items() if f == kind and type_id in ids), None)
            if type_.get("associationCategory") != "HUBSPOT_DEFINED" or pair is None:
                raise Refusal(400, "association type id %s doesn't exist between %s and the target" % (type_id, kind), "VALIDATION_ERROR")
            if target not in OBJECTS[pair[1]]:
                raise Refusal(400, "One or more associations are invalid: %s %s does not exist" % (pair[1][:-1], target), "VALIDATION_ERROR")


def associate(kind, object_id, to, target, type_id):
    ASSOCIATIONS.setdefault((kind, object_id, to, target), set()).add(type_id)
    ASSOCIATIONS.setdefault((to, target, kind, object_id), set()).add(INVERSE.get(type_id, type_id))


def associated(kind, object_id, to):
    return sorted((tid for (f, fid, t, tid) in ASSOCIATIONS if f == kind and fid == object_id and t == to), key=int)


def create(kind, body, source="INTEGRATION"):
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise Refusal(400, "Invalid input JSON: properties must be an object", "VALIDATION_ERROR")
    if kind == "deals":
        properties.setdefault("pipeline", "default")
    validate(kind, properties)
    check_associations(kind, body.get("associations"))
    ms = now_ms()
    object_id = new_id()
    record = {"id": object_id, "properties": {}, "history": {}, "createdAt": ms, "updatedAt": ms}
    for name, value in properties.items():
        set_property(kind, record, name, value, ms)
    record["properties"]["hs_object_id"] = object_id
    record["properties"]["createdate"] = iso(ms)
    if kind == "tasks":
        record["properties"].setdefault("hs_task_status", "NOT_STARTED")
    if kind == "contacts":
        calculated(record["properties"])
    OBJECTS[kind][object_id] = record
    for association in body.get("associations") or []:
        target = str(association["to"]["id"])
        for type_ in association["types"]:
            to = next(t for (f, t), ids in ALLOWED_TYPES.items() if f == kind and type_["associationTypeId"] in ids)
            associate(kind, object_id, to, target, type_["associationTypeId"])
    if kind in ("contacts", "deals"):
        queue_webhook(kind, object_id, kind[:-1] + ".creation", source=source)
        if kind == "deals":
            queue_webhook(kind, object_id, "deal.propertyChange", "dealstage", record["properties"].get("dealstage", ""), source)
    return record


def update(kind, object_id, properties, source="INTEGRATION"):
    record = OBJECTS[kind].get(object_id)
    if record is None:
        raise Refusal(404, "resource not found", "OBJECT_NOT_FOUND")
    validate(kind, properties, record)
    ms = now_ms()
    for name, value in properties.items():
        before = record["properties"].get(name)
        set_property(kind, record, name, value, ms)
        if kind == "deals" and name == "dealstage" and before != record["properties"][name]:
            queue_webhook(kind, object_id, "deal.propertyChange", "dealstage", record["properties"][name], source)
    if kind == "contacts":
        calculated(record["properties"])
    record["updatedAt"] = ms
    return record


def view(kind, record, wanted=None, associations=(), history=()):
    properties = dict(record["properties"])
    if kind == "contacts":
        company = primary_company(record["id"])
        if company:
            properties["associatedcompanyid"] = company
    properties["lastmodifieddate" if kind == "contacts" else "hs_lastmodifieddate"] = iso(record["updatedAt"])
    always = {"hs_object_id", "createdate", "lastmodifieddate", "hs_lastmodifieddate"}
    if wanted is not None:
        properties = {name: properties.get(name) for name in set(wanted) | (always & set(properties))}
    out = {"id": record["id"], "properties": properties, "createdAt": iso(record["createdAt"]),
           "updatedAt": iso(record["updatedAt"]), "archived": False}
    links = {}
    for to in associations:
        ids = associated(kind, record["id"], to)
        if ids:
            links[to] = {"results": [{"id": i, "type": "%s_to_%s" % (kind[:-1], to[:-1])} for i in ids]}
    if links:
        out["associations"] = links
    if history:
        out["propertiesWithHistory"] = {name: record["history"].get(name, []) for name in history}
    return out


def tokens(value):
    return [t for t in re.split(r"[\s;,]+", value.lower()) if t]


def matches(kind, record, spec):
    name, operator = spec.get("propertyName"), spec.get("operator")
    if name == "associations.contact":
        actual = associated(kind, record["id"], "contacts")
        return str(spec.get("value")) in actual if operator == "EQ" else False
    properties = view(kind, record)["properties"]
    actual = (properties.get(name) or "")
    value = str(spec.get("value", ""))
    if operator == "EQ":
        return actual.lower() == value.lower()
    if operator == "NEQ":
        return actual.lower() != value.lower()
    if operator == "IN":
        return actual.lower() in [str(v).lower() for v in spec.get("values", [])]
    if operator == "HAS_PROPERTY":
        return actual != ""
    if operator == "CONTAINS_TOKEN":
        pattern = "^" + ".*".join(re.escape(part) for part in value.lower().split("*")) + "$"
        return any(re.match(pattern, token) for token in tokens(actual))
    raise Refusal(400, "Invalid input JSON on line 1: Cannot deserialize value of type `FilterOperatorEnum` from String \"%s\"" % operator,
                  "VALIDATION_ERROR")


def search(kind, body):
    groups = body.get("filterGroups") or []
    if len(groups) > 5 or any(len(g.get("filters", [])) > 6 for g in groups) or sum(len(g.get("filters", [])) for g in groups) > 18:
        raise Refusal(400, "Too many filter groups or filters: at most 5 groups, 6 filters a group and 18 filters in all", "VALIDATION_ERROR")
    for group in groups:
        for spec in group.get("filters", []):
            if spec.get("operator") == "IN" and any(isinstance(v, str) and v != v.lower() for v in spec.get("values", [])):
                raise Refusal(400, "IN values for string properties must be lowercase", "VALIDATION_ERROR")
    limit = body.get("limit", 10)
    if not isinstance(limit, int) or not 1 <= limit <= 200:
        raise Refusal(400, "limit must be between 1 and 200", "VALIDATION_ERROR")
    after = body.get("after")
    if after is not None and not re.fullmatch(r"\d+", str(after)):
        raise Refusal(400, "Invalid input JSON on line 1: after is not a valid paging cursor", "VALIDATION_ERROR")
    sorts = body.get("sorts") or [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    if len(sorts) > 1:
        raise Refusal(400, "Only one sort is allowed", "VALIDATION_ERROR")
    found = [r for r in OBJECTS[kind].values() if not groups or any(all(matches(kind, r, f) for f in g.get("filters", [])) for g in groups)]
    key = sorts[0].get("propertyName")
    sort_key = (lambda r: (r["createdAt"], int(r["id"]))) if key == "createdate" else (lambda r: int(r["id"]))
    found.sort(key=sort_key, reverse=sorts[0].get("direction") == "DESCENDING")
    start = int(after or 0)
    page = found[start:start + limit]
    answer = {"total": len(found), "results": [view(kind, r, body.get("properties") or []) for r in page]}
    if start + limit < len(found):
        answer["paging"] = {"next": {"after": str(start + limit), "link": "?after=%d" % (start + limit)}}
    return answer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go in two writes: without this, Nagle's algorithm and delayed ACKs add
    # 40 ms to an answer that follows another on the same connection, which is the fake's cost.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise Refusal(400, "Invalid input JSON on line 1", "VALIDATION_ERROR")

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        parts = urlsplit(self.path)
        if parts.path.startswith("/_fake/"):
            return self.control(method, parts.path)
        started = time.perf_counter()
        arrived = time.time()
        is_search = parts.path.endswith("/search")
        status, body, headers = 500, {}, {}
        with LOCK:
            try:
                status, body, headers = self.api(method, parts, is_search, arrived)
            except Refusal as refusal:
                status, body = refusal.status, refusal.body()
                headers = getattr(refusal, "headers", {})
            REQUESTS.append({"t": arrived, "method": method, "path": parts.path, "status": status, "search": is_search,
                             "handling_us": int((time.perf_counter() - started) * 1e6)})
        self.answer(status, body, headers)

    def api(self, method, parts, is_search, arrived):
        auth = self.headers.get("Authorization", "")
        if auth == "Bearer expired-token":
            raise Refusal(401, "The OAuth token used to make this call expired 5 minute(s) ago.", "EXPIRED_AUTHENTICATION")
        if auth != "Bearer " + TOKEN:
            raise Refusal(401, "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
                               "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview", "INVALID_AUTHENTICATION")
        self.limit(is_search, arrived)
        STATE["daily_remaining"] -= 1
        headers = {} if is_search else {
            "X-HubSpot-RateLimit-Max": BURST_LIMIT, "X-HubSpot-RateLimit-Remaining": max(0, BURST_LIMIT - len(BURST_TIMES)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": int(BURST_WINDOW * 1000),
            "X-HubSpot-RateLimit-Daily": DAILY_LIMIT, "X-HubSpot-RateLimit-Daily-Remaining": STATE["daily_remaining"]}
        status, body = self.dispatch(method, parts)
        return status, body, headers

    def limit(self, is_search, arrived):
        for times, window in ((BURST_TIMES, BURST_WINDOW), (SEARCH_TIMES, SEARCH_WINDOW)):
            while times and times[0] <= arrived - window:
                times.popleft()
        if STATE["daily_remaining"] <= 0:
            refusal = Refusal(429, "You have reached your daily limit.", "RATE_LIMITS", {"errorType": "RATE_LIMIT", "policyName": "DAILY"})
            refusal.headers = {"X-HubSpot-RateLimit-Daily": DAILY_LIMIT, "X-HubSpot-RateLimit-Daily-Remaining": 0}
            raise refusal
        if is_search and len(SEARCH_TIMES) >= SEARCH_LIMIT:
            raise Refusal(429, "You have reached your secondly limit.", "RATE_LIMITS", {"errorType": "RATE_LIMIT", "policyName": "SECONDLY"})
        if len(BURST_TIMES) >= BURST_LIMIT:
            refusal = Refusal(429, "You have reached your ten_secondly_rolling limit.", "RATE_LIMITS",
                              {"errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"})
            refusal.headers = {"X-HubSpot-RateLimit-Max": BURST_LIMIT, "X-HubSpot-RateLimit-Remaining": 0,
                               "X-HubSpot-RateLimit-Interval-Milliseconds": int(BURST_WINDOW * 1000)}
            raise refusal
        BURST_TIMES.append(arrived)
        if is_search:
            SEARCH_TIMES.append(arrived)

    def dispatch(self, method, parts):
        path = parts.path
        query = parse_qs(parts.query)
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if method == "GET" and path == "/account-info/v3/details":
            return 200, {"portalId": PORTAL, "timeZone": "US/Eastern", "companyCurrency": "USD", "utcOffset": "-05:00",
                         "utcOffsetMilliseconds": -18000000, "uiDomain": "app.hubspot.com", "dataHostingLocation": "na1", "accountType": "STANDARD"}
        if method == "GET" and path == "/crm/v3/pipelines/deals":
            return 200, {"results": [{"id": p["id"], "label": p["label"], "displayOrder": p["displayOrder"], "archived": False,
                                      "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z",
                                      "stages": [{"id": sid, "label": label, "displayOrder": i, "archived": False,
                                                  "metadata": {"isClosed": str(sid.startswith("closed")).lower(), "probability": "0.5"},
                                                  "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z"}
                                                 for i, (sid, label) in enumerate(p["stages"])]} for p in PIPELINES]}
        if segments[:3] == ["crm", "v3", "objects"] and len(segments) >= 4 and segments[3] in OBJECTS:
            kind = segments[3]
            rest = segments[4:]
            if method == "POST" and not rest:
                return 201, view(kind, create(kind, self.body()))
            if method == "POST" and rest == ["search"]:
                return 200, search(kind, self.body())
            if method == "POST" and rest == ["batch", "read"]:
                body = self.body()
                wanted = body.get("properties") or []
                ids = [str(i.get("id")) for i in body.get("inputs", [])]
                found = [view(kind, OBJECTS[kind][i], wanted) for i in ids if i in OBJECTS[kind]]
                missing = [i for i in ids if i not in OBJECTS[kind]]
                answer = {"status": "COMPLETE", "results": found, "startedAt": iso(now_ms()), "completedAt": iso(now_ms())}
                if missing:
                    answer["numErrors"] = 1
                    answer["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some %s objects, "
                                         "they may be deleted or not exist. Check that ids are valid." % kind[:-1].upper(),
                                         "context": {"ids": missing}}]
                    return 207, answer
                return 200, answer
            if len(rest) == 1:
                record = OBJECTS[kind].get(rest[0])
                if method == "GET":
                    if record is None:
                        raise Refusal(404, "resource not found", "OBJECT_NOT_FOUND")
                    wanted = ",".join(query.get("properties", [])).split(",") if "properties" in query else None
                    links = [SINGULAR.get(a, a) for a in ",".join(query.get("associations", [])).split(",") if a]
                    history = [h for h in ",".join(query.get("propertiesWithHistory", [])).split(",") if h]
                    return 200, view(kind, record, [w for w in wanted if w] if wanted is not None else None, links, history)
                if method == "PATCH":
                    return 200, view(kind, update(kind, rest[0], self.body().get("properties") or {}))
        if method == "PUT" and segments[:3] == ["crm", "v4", "objects"] and len(segments) == 8 and segments[5] == "associations":
            kind, object_id, to, target = SINGULAR.get(segments[3], segments[3]), segments[4], SINGULAR.get(segments[6], segments[6]), segments[7]
            if object_id not in OBJECTS.get(kind, {}) or target not in OBJECTS.get(to, {}):
                raise Refusal(404, "resource not found", "OBJECT_NOT_FOUND")
            labels = self.body()
            for label in labels:
                if label.get("associationTypeId") not in ALLOWED_TYPES.get((kind, to), set()):
                    raise Refusal(400, "association type id %s doesn't exist between %s and %s" % (label.get("associationTypeId"), kind, to),
                                  "VALIDATION_ERROR")
                associate(kind, object_id, to, target, label["associationTypeId"])
            return 200, {"fromObjectTypeId": kind, "fromObjectId": int(object_id), "toObjectTypeId": to, "toObjectId": int(target),
                         "labels": []}
        if method == "POST" and segments[:3] == ["crm", "v4", "associations"] and segments[5:] == ["batch", "read"]:
            kind, to = SINGULAR.get(segments[3], segments[3]), SINGULAR.get(segments[4], segments[4])
            results = []
            for item in self.body().get("inputs", []):
                ids = associated(kind, str(item.get("id")), to)
                if ids:
                    results.append({"from": {"id": str(item["id"])}, "to": [
                        {"toObjectId": int(i), "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": t, "label": None}
                                                                   for t in sorted(ASSOCIATIONS[(kind, str(item["id"]), to, i)])]}
                        for i in ids]})
            return 200, {"status": "COMPLETE", "results": results, "startedAt": iso(now_ms()), "completedAt": iso(now_ms())}
        if method == "PUT" and segments[:3] == ["contacts", "v1", "secondary-email"] and len(segments) == 6 and segments[4] == "email":
            record = OBJECTS["contacts"].get(segments[3])
            if record is None:
                raise Refusal(404, "contact does not exist", "OBJECT_NOT_FOUND")
            email = segments[5].strip().lower()
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                raise Refusal(400, "Email address %s is invalid" % email, "VALIDATION_ERROR")
            current = [e for e in record["properties"].get("hs_additional_emails", "").split(";") if e]
            if email not in current and email != record["properties"].get("email"):
                current.append(email)
            set_property("contacts", record, "hs_additional_emails", ";".join(current), now_ms())
            return 200, {"portalId": PORTAL, "vid": int(segments[3]), "secondaryEmails": current}
        raise Refusal(404, "Unable to infer object type from: %s" % path, "OBJECT_NOT_FOUND")

    def control(self, method, path):
        with LOCK:
            try:
                if method == "GET" and path == "/_fake/requests":
                    return self.answer(200, REQUESTS)
                if method == "GET" and path == "/_fake/webhooks":
                    return self.answer(200, WEBHOOKS)
                if method == "GET" and path.startswith("/_fake/objects/"):
                    kind = path.rsplit("/", 1)[1]
                    return self.answer(200, [view(kind, r, None, ("contacts", "companies", "deals")) for r in OBJECTS[kind].values()])
                body = self.body()
                if path == "/_fake/daily":
                    STATE["daily_remaining"] = body["remaining"]
                    return self.answer(200, {})
                if path == "/_fake/ui/contact":
                    return self.answer(200, view("contacts", create("contacts", body, source="CRM_UI")))
                if path == "/_fake/ui/stage":
                    return self.answer(200, view("deals", update("deals", str(body["deal"]), {"dealstage": body["stage"]}, source="CRM_UI")))
                if path == "/_fake/sign":
                    source = body["method"] + body["uri"] + body["body"] + str(body["timestamp"])
                    digest = hmac.new(CLIENT_SECRET.encode(), source.encode(), hashlib.sha256).digest()
                    return self.answer(200, {"signature": base64.b64encode(digest).decode()})
            except Refusal as refusal:
                return self.answer(refusal.status, refusal.body())
        self.answer(404, {"error": "no such control"})


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()
