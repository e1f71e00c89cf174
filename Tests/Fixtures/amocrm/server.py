"""amoCRM's API v4 on loopback, for tests of the amocrm plugin. One account; it answers as amoCRM
documents:

  Authorization: Bearer TOKEN on every request, else 401 problem+json.
  More than 7 requests within one second: 429 (amoCRM's limit per account), counted.
  Lists (GET /api/v4/contacts, /companies, /leads) answer 204 with no body when nothing matches,
  else {"_page", "_links" (with "next" when more pages follow), "_embedded": {"<entity>": [...]}}.
  GET of one record that does not exist: 204. Validation failures: 400 with "validation-errors".

  GET   /api/v4/account
  GET   /api/v4/leads/pipelines
  GET   /api/v4/contacts?query=&limit=&page=&with=companies,leads     GET /api/v4/contacts/{id}
  POST  /api/v4/contacts [..]     PATCH /api/v4/contacts/{id} {..}   (multitext fields replaced whole)
  GET   /api/v4/companies?query=&filter[id][]=    POST /api/v4/companies [..]
  POST  /api/v4/{contacts|leads}/{id}/link [{"to_entity_id", "to_entity_type"}]
  POST  /api/v4/leads/complex [..] (one contact at most per lead)
  GET   /api/v4/leads?filter[pipeline_id][]=&filter[statuses][i][pipeline_id|status_id]=&filter[id][]=
        &order[created_at]=desc&page=&limit=&with=contacts      GET /api/v4/leads/{id}
  PATCH /api/v4/leads/{id} {"status_id", "pipeline_id"}
  POST  /api/v4/{contacts|leads}/notes [..]       POST /api/v4/tasks [..]

  Test controls: GET /_fake/state (records and every request with its time and status),
  POST /_fake/token {"token": T} (the valid token from now on: the old one is revoked).

Usage: server.py TOKEN. Prints "listening on PORT" once it accepts connections.
"""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qsl

LOCK = threading.Lock()
STATE = {"token": sys.argv[1], "next_id": 1000, "requests": [], "contacts": {}, "companies": {}, "leads": {},
         "notes": [], "tasks": [], "links": []}
ACCOUNT = {"id": 30000001, "name": "Acme", "subdomain": "acme", "currency": "RUB", "country": "RU"}
PIPELINES = [
    {"id": 3177727, "name": "Продажи", "sort": 1, "is_main": True, "is_unsorted_on": True, "is_archive": False,
     "statuses": [(32392156, "Неразобранное", 1), (32392159, "Первичный контакт", 0), (32392162, "Переговоры", 0),
                  (142, "Успешно реализовано", 0), (143, "Закрыто и не реализовано", 0)]},
    {"id": 3177730, "name": "Партнёры", "sort": 2, "is_main": False, "is_unsorted_on": False, "is_archive": False,
     "statuses": [(32392170, "Заявка", 0), (142, "Успешно реализовано", 0), (143, "Закрыто и не реализовано", 0)]},
]
RATE = 7


def new_id():
    STATE["next_id"] += 1
    return STATE["next_id"]


def problem(status, title, detail, errors=None):
    body = {"title": title, "type": "https://httpstatus.es/%d" % status, "status": status, "detail": detail}
    if errors is not None:
        body["validation-errors"] = errors
    return status, body


def invalid(path, detail, code="InvalidType", request_id="0"):
    return problem(400, "Bad Request", "Request validation failed",
                   [{"request_id": request_id, "errors": [{"code": code, "path": path, "detail": detail}]}])


def statuses_of(pipeline_id):
    for pipeline in PIPELINES:
        if pipeline["id"] == pipeline_id:
            return [s[0] for s in pipeline["statuses"]]
    return None


def pipelines_body():
    out = []
    for p in PIPELINES:
        statuses = [{"id": sid, "name": name, "sort": 10 * (i + 1), "is_editable": sid not in (142, 143), "pipeline_id": p["id"],
                     "color": "#99ccff", "type": kind, "account_id": ACCOUNT["id"]} for i, (sid, name, kind) in enumerate(p["statuses"])]
        item = {k: v for k, v in p.items() if k != "statuses"}
        item.update({"account_id": ACCOUNT["id"], "_embedded": {"statuses": statuses}})
        out.append(item)
    return {"_total_items": len(out), "_embedded": {"pipelines": out}}


def digits(text):
    return re.sub(r"\D", "", text)


def check_fields(fields, request_id):
    if fields is None:
        return None
    if not isinstance(fields, list):
        return invalid("custom_fields_values", "This value should be of type array.", request_id=request_id)
    for index, field in enumerate(fields):
        if not isinstance(field, dict) or field.get("field_code") not in ("PHONE", "EMAIL") and not isinstance(field.get("field_id"), int):
            return invalid("custom_fields_values.%d.field_code" % index, "This field is missing.", "NotSupportedChoice", request_id)
        values = field.get("values")
        if not isinstance(values, list) or not all(isinstance(v, dict) and isinstance(v.get("value"), str) for v in values):
            return invalid("custom_fields_values.%d.values" % index, "This value should be of type array.", request_id=request_id)
        for v in values:
            if v.get("enum_code") not in (None, "WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER", "PRIV"):
                return invalid("custom_fields_values.%d.values.0.enum_code" % index, "The value you selected is not a valid choice.",
                               "NotSupportedChoice", request_id)
    return None


def contact_body(c, with_):
    body = {k: v for k, v in c.items() if not k.startswith("_")}
    embedded = {"tags": []}
    if "companies" in with_ or True:
        embedded["companies"] = [{"id": cid} for cid in c["_companies"]]
    if "leads" in with_:
        embedded["leads"] = [{"id": lid} for lid, lead in STATE["leads"].items() if c["id"] in lead["_contacts"]]
    body["_embedded"] = embedded
    body["_links"] = {"self": {"href": "/api/v4/contacts/%d" % c["id"]}}
    return body


def lead_body(lead):
    body = {k: v for k, v in lead.items() if not k.startswith("_")}
    body["_embedded"] = {"tags": [], "companies": [],
                         "contacts": [{"id": cid, "is_main": i == 0} for i, cid in enumerate(lead["_contacts"])]}
    return body


def listing(entity, items, page, limit, path):
    if not items:
        return 204, None
    start = (page - 1) * limit
    chunk = items[start:start + limit]
    if not chunk:
        return 204, None
    links = {"self": {"href": path}}
    if start + limit < len(items):
        links["next"] = {"href": path + "&page=%d" % (page + 1)}
    return 200, {"_page": page, "_links": links, "_embedded": {entity: chunk}}


def matches(c, query):
    q = query.lower()
    if q in (c.get("name") or "").lower():
        return True
    for field in c.get("custom_fields_values") or []:
        for v in field["values"]:
            value = v["value"]
            if q in value.lower():
                return True
            if field.get("field_code") == "PHONE" and digits(q) and digits(q) in digits(value):
                return True
    return False


def handle(method, path, query, body):
    now = int(time.time())
    params = parse_qsl(query, keep_blank_values=True)
    single = dict(params)
    page = int(single.get("page", "1"))
    limit = min(int(single.get("limit", "50")), 250)
    with_ = single.get("with", "").split(",")
    if method == "GET" and path == "/api/v4/account":
        return 200, ACCOUNT
    if method == "GET" and path == "/api/v4/leads/pipelines":
        return 200, pipelines_body()

    m = re.fullmatch(r"/api/v4/(contacts|leads)/(\d+)/link", path)
    if m and method == "POST":
        entity, eid = m.group(1), int(m.group(2))
        table = STATE[entity]
        if eid not in table:
            return problem(404, "Not Found", "Entity not found")
        if not isinstance(body, list):
            return invalid("", "This value should be of type array.")
        out = []
        for i, link in enumerate(body):
            kind, target = link.get("to_entity_type"), link.get("to_entity_id")
            if kind not in ("contacts", "companies", "leads") or target not in STATE[kind]:
                return invalid("%d.to_entity_id" % i, "Entity not found", "NotFound", str(i))
            if kind == "companies":
                if target not in table[eid]["_companies"]:
                    table[eid]["_companies"].append(target)
            elif entity == "leads" and kind == "contacts":
                if target not in table[eid]["_contacts"]:
                    table[eid]["_contacts"].append(target)
            out.append({"entity_id": eid, "entity_type": entity, "to_entity_id": target, "to_entity_type": kind, "metadata": None})
        return 200, {"_total_items": len(out), "_embedded": {"links": out}}

    if path == "/api/v4/contacts" and method == "GET":
        items = sorted(STATE["contacts"].values(), key=lambda c: c["id"])
        if "query" in single:
            items = [c for c in items if matches(c, single["query"])]
        return listing("contacts", [contact_body(c, with_) for c in items], page, limit, path + "?" + query)
    if path == "/api/v4/contacts" and method == "POST":
        if not isinstance(body, list) or not body:
            return invalid("", "This value should be of type array.")
        made = []
        for i, item in enumerate(body):
            error = check_fields(item.get("custom_fields_values"), str(i))
            if error:
                return error
            if "name" in item and not isinstance(item["name"], str):
                return invalid("name", "This value should be of type string.", request_id=str(i))
            cid = new_id()
            STATE["contacts"][cid] = {"id": cid, "name": item.get("name", ""), "responsible_user_id": 504141, "group_id": 0,
                                      "created_at": now, "updated_at": now, "custom_fields_values": item.get("custom_fields_values") or None,
                                      "account_id": ACCOUNT["id"], "_companies": []}
            made.append({"id": cid, "request_id": str(i), "_links": {"self": {"href": "/api/v4/contacts/%d" % cid}}})
        return 200, {"_links": {"self": {"href": "/api/v4/contacts"}}, "_embedded": {"contacts": made}}
    m = re.fullmatch(r"/api/v4/contacts/(\d+)", path)
    if m:
        cid = int(m.group(1))
        contact = STATE["contacts"].get(cid)
        if method == "GET":
            return (200, contact_body(contact, with_)) if contact else (204, None)
        if method == "PATCH":
            if contact is None:
                return problem(404, "Not Found", "Contact not found")
            if not isinstance(body, dict):
                return invalid("", "This value should be of type object.")
            error = check_fields(body.get("custom_fields_values"), "0")
            if error:
                return error
            if "name" in body:
                contact["name"] = body["name"]
            for field in body.get("custom_fields_values") or []:
                kept = [f for f in contact["custom_fields_values"] or [] if f.get("field_code") != field["field_code"]]
                contact["custom_fields_values"] = kept + [field]
            contact["updated_at"] = now
            return 200, {"id": cid, "name": contact["name"], "updated_at": now, "_links": {"self": {"href": path}}}

    if path == "/api/v4/companies" and method == "GET":
        items = sorted(STATE["companies"].values(), key=lambda c: c["id"])
        ids = [int(v) for k, v in params if k == "filter[id][]"]
        if ids:
            items = [c for c in items if c["id"] in ids]
        if "query" in single:
            items = [c for c in items if single["query"].lower() in c["name"].lower()]
        return listing("companies", items, page, limit, path + "?" + query)
    if path == "/api/v4/companies" and method == "POST":
        if not isinstance(body, list) or not body:
            return invalid("", "This value should be of type array.")
        made = []
        for i, item in enumerate(body):
            cid = new_id()
            STATE["companies"][cid] = {"id": cid, "name": item.get("name", ""), "created_at": now, "updated_at": now}
            made.append({"id": cid, "request_id": str(i)})
        return 200, {"_embedded": {"companies": made}}

    if path == "/api/v4/leads/complex" and method == "POST":
        if not isinstance(body, list) or not body or len(body) > 50:
            return invalid("", "This value should be of type array.")
        out = []
        for i, item in enumerate(body):
            pipeline = item.get("pipeline_id")
            status = item.get("status_id")
            allowed = statuses_of(pipeline) if pipeline is not None else statuses_of(PIPELINES[0]["id"])
            if allowed is None:
                return invalid("pipeline_id", "The value you selected is not a valid choice.", "NotSupportedChoice", str(i))
            if status is not None and status not in allowed:
                return invalid("status_id", "The value you selected is not a valid choice.", "NotSupportedChoice", str(i))
            if "price" in item and item["price"] is not None and not isinstance(item["price"], int):
                return invalid("price", "This value should be of type int.", request_id=str(i))
            contacts = (item.get("_embedded") or {}).get("contacts") or []
            if len(contacts) > 1:
                return invalid("_embedded.contacts", "This collection should contain 1 element or less.", "CountMax", str(i))
            linked = []
            for c in contacts:
                if "id" in c:
                    if c["id"] not in STATE["contacts"]:
                        return invalid("_embedded.contacts.0.id", "Entity not found", "NotFound", str(i))
                    linked.append(c["id"])
            lid = new_id()
            STATE["leads"][lid] = {"id": lid, "name": item.get("name", ""), "price": item.get("price") or 0, "responsible_user_id": 504141,
                                   "group_id": 0, "status_id": status if status is not None else allowed[1],
                                   "pipeline_id": pipeline if pipeline is not None else PIPELINES[0]["id"], "loss_reason_id": None,
                                   "created_by": 504141, "updated_by": 504141, "created_at": now, "updated_at": now, "closed_at": None,
                                   "is_deleted": False, "custom_fields_values": None, "account_id": ACCOUNT["id"],
                                   "_contacts": linked, "_seq": lid}
            out.append({"id": lid, "contact_id": linked[0] if linked else None, "company_id": None, "request_id": [str(i)], "merged": False})
        return 200, out
    if path == "/api/v4/leads" and method == "GET":
        items = list(STATE["leads"].values())
        ids = [int(v) for k, v in params if k == "filter[id][]"]
        if ids:
            items = [l for l in items if l["id"] in ids]
        pipes = [int(v) for k, v in params if k == "filter[pipeline_id][]"]
        if pipes:
            items = [l for l in items if l["pipeline_id"] in pipes]
        pairs = {}
        for k, v in params:
            sm = re.fullmatch(r"filter\[statuses\]\[(\d+)\]\[(pipeline_id|status_id)\]", k)
            if sm:
                pairs.setdefault(sm.group(1), {})[sm.group(2)] = int(v)
        if pairs:
            wanted = {(p.get("pipeline_id"), p.get("status_id")) for p in pairs.values()}
            items = [l for l in items if (l["pipeline_id"], l["status_id"]) in wanted]
        descending = single.get("order[created_at]") == "desc" or single.get("order[id]") == "desc"
        items.sort(key=lambda l: (l["created_at"], l["_seq"]), reverse=descending)
        return listing("leads", [lead_body(l) for l in items], page, limit, path + "?" + query)
    m = re.fullmatch(r"/api/v4/leads/(\d+)", path)
    if m:
        lid = int(m.group(1))
        lead = STATE["leads"].get(lid)
        if method == "GET":
            return (200, lead_body(lead)) if lead else (204, None)
        if method == "PATCH":
            if lead is None:
                return problem(404, "Not Found", "Lead not found")
            pipeline = body.get("pipeline_id", lead["pipeline_id"])
            allowed = statuses_of(pipeline)
            if allowed is None or body.get("status_id", lead["status_id"]) not in allowed:
                return invalid("status_id", "The value you selected is not a valid choice.", "NotSupportedChoice")
            lead["pipeline_id"] = pipeline
            lead["status_id"] = body.get("status_id", lead["status_id"])
            lead["updated_at"] = now
            return 200, {"id": lid, "updated_at": now, "_links": {"self": {"href": path}}}

    m = re.fullmatch(r"/api/v4/(contacts|leads)/notes", path)
    if m and method == "POST":
        entity = m.group(1)
        if not isinstance(body, list) or not body:
            return invalid("", "This value should be of type array.")
        made = []
        for i, item in enumerate(body):
            if item.get("entity_id") not in STATE[entity]:
                return invalid("entity_id", "Entity not found", "NotFound", str(i))
            if item.get("note_type") != "common" or not isinstance((item.get("params") or {}).get("text"), str):
                return invalid("params.text", "This value should not be blank.", "NotBlank", str(i))
            nid = new_id()
            STATE["notes"].append({"id": nid, "entity": entity, "entity_id": item["entity_id"], "text": item["params"]["text"]})
            made.append({"id": nid, "entity_id": item["entity_id"], "request_id": str(i)})
        return 200, {"_embedded": {"notes": made}}
    if path == "/api/v4/tasks" and method == "POST":
        if not isinstance(body, list) or not body:
            return invalid("", "This value should be of type array.")
        made = []
        for i, item in enumerate(body):
            if not isinstance(item.get("complete_till"), int):
                return invalid("complete_till", "This value should not be blank.", "NotBlank", str(i))
            if not isinstance(item.get("text"), str) or not item["text"]:
                return invalid("text", "This value should not be blank.", "NotBlank", str(i))
            entity = item.get("entity_type")
            if entity not in ("leads", "contacts", "companies") or item.get("entity_id") not in STATE.get(entity, {}):
                return invalid("entity_id", "Entity not found", "NotFound", str(i))
            tid = new_id()
            STATE["tasks"].append({"id": tid, "entity_type": entity, "entity_id": item["entity_id"], "text": item["text"],
                                   "complete_till": item["complete_till"], "task_type_id": item.get("task_type_id")})
            made.append({"id": tid, "request_id": str(i)})
        return 200, {"_embedded": {"tasks": made}}
    return problem(404, "Not Found", "Page not found")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go in two writes: without this, Nagle's algorithm and delayed ACKs add
    # 40 ms to an answer that follows another on the same connection, which is the fake's cost.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        if body is not None:
            kind = "application/problem+json" if status >= 400 else "application/hal+json"
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        if parts.path.startswith("/_fake/"):
            with LOCK:
                if parts.path == "/_fake/state":
                    view = {k: v for k, v in STATE.items() if k not in ("contacts", "leads", "companies")}
                    view["contacts"] = [contact_body(c, ["leads"]) for c in STATE["contacts"].values()]
                    view["companies"] = list(STATE["companies"].values())
                    view["leads"] = [lead_body(l) for l in STATE["leads"].values()]
                    return self.reply(200, view)
                if parts.path == "/_fake/token":
                    STATE["token"] = json.loads(raw)["token"]
                    return self.reply(200, {})
            return self.reply(404, {})
        started = time.monotonic()
        with LOCK:
            record = {"t": started, "method": self.command, "path": parts.path, "query": parts.query}
            STATE["requests"].append(record)
            recent = [r for r in STATE["requests"] if started - r["t"] < 1.0 and r.get("status") != 429]
            if self.headers.get("Authorization") != "Bearer " + STATE["token"]:
                status, body = problem(401, "Unauthorized", "Unauthorized")
            elif len(recent) > RATE:
                status, body = 429, None
            else:
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    payload = None
                    status, body = invalid("", "Syntax error")
                else:
                    status, body = handle(self.command, parts.path, parts.query, payload)
            record["status"] = status
        if status == 429:
            data = b""
            self.send_response(429)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.reply(status, body)

    do_GET = do_POST = do_PATCH = serve


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("listening on %d" % server.server_address[1], flush=True)
server.serve_forever()
