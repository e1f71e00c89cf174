"""Bitrix24's REST API on loopback, for tests of the bitrix24 plugin. It speaks what Bitrix24
documents (apidocs.bitrix24.com), for one portal:

  POST /rest/<user>/<secret>/<method>[.json]   an incoming webhook; another secret answers
                                               401 {"error": "INVALID_CREDENTIALS", ...}
  POST /rest/<method>[.json]                   OAuth2: the access token in the body's (or the
                                               query's) `auth`; none or another is 401
                                               NO_AUTH_FOUND, an expired one 401 expired_token
  Parameters come as a JSON body or PHP-style form / query (`fields[PHONE][0][VALUE]=...`).
  Answers: 200 {"result": ..., "time": {...}} (lists add "total" and, with more, "next"),
  errors {"error": CODE, "error_description": TEXT} with Bitrix24's statuses ("Not found" is
  400 with an empty code, as crm.*.get answer).

  The leaky bucket of the non-Enterprise plans: every request adds 1 to a counter that leaks 2
  a second; once the counter is over 50, requests answer 503 QUERY_LIMIT_EXCEEDED "Too many
  requests". `batch` (up to 50 commands, `$result[key][FIELD]` references, `halt`) is one
  request.

  Methods: batch, profile, crm.duplicate.findbycomm, crm.contact.{add,get,update,list},
  crm.company.{add,get,list}, crm.deal.{add,get,update,list,contact.items.get},
  crm.lead.{add,get,update,list,contact.items.get}, crm.category.list, crm.status.list,
  crm.timeline.comment.{add,get}, tasks.task.add. Times are the portal's (+03:00).

Test controls (not Bitrix24's):
  GET  /_fake/log       {"requests": [{"t", "method", "status", "level", "handling_ms", "commands"}],
                         "max_level", "rejected"}: every REST request in arrival order
  GET  /_fake/records   the portal's contacts, companies, deals, leads, comments and tasks
  POST /_fake/seed      {"contacts": [fields...], "deals": [fields...]}: made as a person would
  POST /_fake/limit     {"count": N, "error": "QUERY_LIMIT_EXCEEDED" | "OVERLOAD_LIMIT"}: the
                        next N requests answer 503 with that error (another app drained the bucket)
  POST /_fake/expire    the OAuth2 access token expires
  POST /_fake/change    {"entity": "deal", "id": N, "fields": {...}}: a person edits a record
  POST /_fake/event     {"event": "ONCRMDEALUPDATE", "id": N}: the form body Bitrix24 posts to
                        an outgoing webhook's handler, with the application token

Usage: server.py USER_ID WEBHOOK_SECRET OAUTH_TOKEN APPLICATION_TOKEN.
Prints "listening on PORT" once it accepts connections.
"""
import json
import re
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER_ID, SECRET, OAUTH_TOKEN, APPLICATION_TOKEN = sys.argv[1:5]
PORTAL_TZ = timezone(timedelta(hours=3))
BUCKET_LIMIT, LEAK_PER_SECOND, PAGE = 50, 2.0, 50
LOCK = threading.Lock()
STATE = {"level": 0.0, "at": None, "max_level": 0.0, "rejected": 0, "limit": {"count": 0, "error": ""}, "expired": False}
LOG = []
DB = {"contact": {}, "company": {}, "deal": {}, "lead": {}, "comment": {}, "task": {}}
COUNTERS = {"id": 0, "field": 0}
USERS = {"1": "Admin", "7": "Manager"}
CATEGORIES = [{"id": 0, "name": "General", "sort": 300, "entityTypeId": 2, "isDefault": "Y"},
              {"id": 1, "name": "Wholesale", "sort": 200, "entityTypeId": 2, "isDefault": "N", "originId": "", "originatorId": ""}]
STATUSES = {
    "DEAL_STAGE": ["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE", "APOLOGY"],
    "DEAL_STAGE_1": ["C1:NEW", "C1:PREPARATION", "C1:WON", "C1:LOSE"],
    "STATUS": ["NEW", "IN_PROCESS", "PROCESSED", "JUNK", "CONVERTED"],
}


class BitrixError(Exception):
    def __init__(self, status, code, description):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def now():
    return datetime.now(PORTAL_TZ).isoformat(timespec="seconds")


def next_id():
    COUNTERS["id"] += 1
    return COUNTERS["id"]


def digits(text):
    return re.sub(r"\D", "", str(text))


def php_parse(query):
    """A query string as PHP's parse_str reads it: a[b][0]=x becomes nested arrays."""
    root = {}
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        match = re.match(r"^([^\[]+)((?:\[[^\]]*\])*)$", name)
        if not match:
            continue
        keys = [match.group(1)] + re.findall(r"\[([^\]]*)\]", match.group(2))
        node = root
        for index, key in enumerate(keys):
            last = index == len(keys) - 1
            if key == "":
                key = str(len(node))
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
    return listify(root)


def listify(node):
    if isinstance(node, dict):
        node = {k: listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def param(params, *names):
    for name in names:
        for key, value in params.items():
            if key.lower() == name.lower():
                return value
    return None


def valid_id(params):
    raw = param(params, "id")
    if raw is None or not re.fullmatch(r"[1-9][0-9]*", str(raw)):
        raise BitrixError(400, "", "ID is not defined or invalid.")
    return int(raw)


def fields_of(params, strict=False):
    fields = params.get("fields") if strict else param(params, "fields")
    if not isinstance(fields, dict):
        raise BitrixError(400, "", "Parameter 'fields' must be array.")
    return fields


def as_list(value):
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def multifield(record, name, items, type_id):
    """Adds values without an ID, changes or deletes (DELETE=Y or an empty VALUE) those with one."""
    existing = record.setdefault(name, [])
    for item in as_list(items):
        if not isinstance(item, dict):
            continue
        if item.get("ID"):
            for known in list(existing):
                if str(known["ID"]) == str(item["ID"]):
                    if item.get("DELETE") == "Y" or item.get("VALUE") == "":
                        existing.remove(known)
                    else:
                        known["VALUE"] = str(item.get("VALUE", known["VALUE"]))
                        known["VALUE_TYPE"] = str(item.get("VALUE_TYPE", known["VALUE_TYPE"]))
        elif str(item.get("VALUE", "")).strip():
            COUNTERS["field"] += 1
            existing.append({"ID": str(COUNTERS["field"]), "VALUE_TYPE": str(item.get("VALUE_TYPE", "WORK")),
                             "VALUE": str(item["VALUE"]), "TYPE_ID": type_id})
    if not existing:
        record.pop(name, None)


def record_of(kind, params):
    id = valid_id(params)
    record = DB[kind].get(id)
    if record is None:
        raise BitrixError(400, "", "Not found")
    return id, record


def public(kind, record):
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    if kind in ("deal", "lead"):
        contacts = record.get("_contacts", [])
        out["CONTACT_ID"] = str(contacts[0]) if contacts else None
    return out


# --- contacts and companies -----------------------------------------------------------

def contact_fields(record, fields):
    for key in ("NAME", "SECOND_NAME", "LAST_NAME", "POST", "COMMENTS"):
        if key in fields:
            record[key] = str(fields[key])
    if "COMPANY_ID" in fields:
        company = str(fields["COMPANY_ID"] or "")
        record["COMPANY_ID"] = company if company.isdigit() and int(company) in DB["company"] else None
    if "PHONE" in fields:
        multifield(record, "PHONE", fields["PHONE"], "PHONE")
    if "EMAIL" in fields:
        multifield(record, "EMAIL", fields["EMAIL"], "EMAIL")
    record["HAS_PHONE"] = "Y" if record.get("PHONE") else "N"
    record["HAS_EMAIL"] = "Y" if record.get("EMAIL") else "N"


def contact_add(params, user):
    fields = fields_of(params)
    id = next_id()
    record = {"ID": str(id), "NAME": "", "SECOND_NAME": "", "LAST_NAME": "", "COMPANY_ID": None, "ASSIGNED_BY_ID": user,
              "CREATED_BY_ID": user, "DATE_CREATE": now(), "DATE_MODIFY": now(), "TYPE_ID": "CLIENT"}
    contact_fields(record, fields)
    DB["contact"][id] = record
    return id


def contact_update(params, user):
    _, record = record_of("contact", params)
    contact_fields(record, fields_of(params))
    record["DATE_MODIFY"], record["MODIFY_BY_ID"] = now(), user
    return True


def company_add(params, user):
    fields = fields_of(params)
    title = str(fields.get("TITLE", "")).strip()
    if not title:
        raise BitrixError(400, "", "The field 'Company name' is required.")
    id = next_id()
    DB["company"][id] = {"ID": str(id), "TITLE": title, "ASSIGNED_BY_ID": user, "DATE_CREATE": now(), "DATE_MODIFY": now()}
    return id


def findbycomm(params, user):
    kind = param(params, "type")
    if not kind:
        raise BitrixError(400, "Communication type is not defined", "Parameter 'type' is required.")
    if kind not in ("PHONE", "EMAIL"):
        raise BitrixError(400, "", "Communication type '%s' is not supported in current context" % kind)
    values = as_list(param(params, "values"))
    if not values:
        raise BitrixError(400, "Communication values is not defined", "Parameter 'values' is required.")
    if len(values) > 20:
        raise BitrixError(400, "", "Too many communication values (the maximum is 20).")
    entity = param(params, "entity_type")
    found = []
    if entity in (None, "", "CONTACT"):
        for id, record in sorted(DB["contact"].items()):
            stored = [f["VALUE"] for f in record.get(kind, [])]
            if kind == "PHONE":
                hit = any(digits(v) and digits(v) == digits(s) for v in values for s in stored)
            else:
                hit = any(str(v).strip().lower() == s.strip().lower() for v in values for s in stored)
            if hit:
                found.append(id)
    # PHP writes an empty result as [] rather than {}.
    return {"CONTACT": found[:20]} if found else []


# --- deals and leads ------------------------------------------------------------------

def stages_of(kind, category):
    if kind == "lead":
        return STATUSES["STATUS"]
    return STATUSES["DEAL_STAGE" if int(category) == 0 else "DEAL_STAGE_%d" % int(category)]


def item_add(kind, params, user):
    fields = fields_of(params)
    title = str(fields.get("TITLE", "")).strip()
    id = next_id()
    record = {"ID": str(id), "TITLE": title or ("Deal #%d" % id if kind == "deal" else "Lead #%d" % id), "ASSIGNED_BY_ID": user,
              "CREATED_BY_ID": user, "DATE_CREATE": now(), "DATE_MODIFY": now(), "CURRENCY_ID": "RUB",
              "OPPORTUNITY": "%.2f" % float(fields.get("OPPORTUNITY") or 0)}
    stage_field = "STAGE_ID" if kind == "deal" else "STATUS_ID"
    if kind == "deal":
        category = str(fields.get("CATEGORY_ID", 0) or 0)
        if not any(str(c["id"]) == category for c in CATEGORIES):
            raise BitrixError(400, "", "Category with ID %s is not found." % category)
        record["CATEGORY_ID"] = category
    stages = stages_of(kind, record.get("CATEGORY_ID", 0))
    stage = str(fields.get(stage_field, "") or "")
    record[stage_field] = stage if stage in stages else stages[0]
    ids = [int(c) for c in as_list(fields.get("CONTACT_IDS")) if str(c).isdigit() and int(c) in DB["contact"]]
    if not ids and str(fields.get("CONTACT_ID", "")).isdigit() and int(fields["CONTACT_ID"]) in DB["contact"]:
        ids = [int(fields["CONTACT_ID"])]
    record["_contacts"] = ids
    DB[kind][id] = record
    return id


def item_update(kind, params, user):
    _, record = record_of(kind, params)
    fields = fields_of(params)
    stage_field = "STAGE_ID" if kind == "deal" else "STATUS_ID"
    if stage_field in fields:
        stage = str(fields[stage_field])
        if stage not in stages_of(kind, record.get("CATEGORY_ID", 0)):
            raise BitrixError(400, "", "Stage '%s' is not found in the pipeline of the deal." % stage)
        record[stage_field] = stage
    for key in ("TITLE",):
        if key in fields:
            record[key] = str(fields[key])
    if "OPPORTUNITY" in fields:
        record["OPPORTUNITY"] = "%.2f" % float(fields["OPPORTUNITY"] or 0)
    record["DATE_MODIFY"], record["MODIFY_BY_ID"] = now(), user
    return True


def contact_items(kind, params, user):
    _, record = record_of(kind, params)
    return [{"CONTACT_ID": c, "SORT": 10 * (i + 1), "ROLE_ID": 0, "IS_PRIMARY": "Y" if i == 0 else "N"}
            for i, c in enumerate(record.get("_contacts", []))]


def matches(kind, record, filter):
    for key, wanted in (filter or {}).items():
        if key.startswith("%"):
            if str(wanted).lower() not in str(record.get(key[1:]) or "").lower():
                return False
        elif key.lstrip("=@") == "CONTACT_ID" and kind in ("deal", "lead"):
            contacts = record.get("_contacts", [])
            if not contacts or str(contacts[0]) != str(wanted):
                return False
        elif isinstance(wanted, list) or key.startswith("@"):
            if str(record.get(key.lstrip("=@"))) not in [str(w) for w in as_list(wanted)]:
                return False
        elif str(record.get(key.lstrip("=")) or "").lower() != str(wanted).lower():
            return False
    return True


def listing(kind, params):
    filter = param(params, "filter") or {}
    order = param(params, "order") or {"ID": "ASC"}
    select = as_list(param(params, "select"))
    rows = [r for r in DB[kind].values() if matches(kind, r, filter if isinstance(filter, dict) else {})]
    for field, direction in reversed(list(order.items()) if isinstance(order, dict) else []):
        numeric = field == "ID"
        rows.sort(key=lambda r: int(r["ID"]) if numeric else str(r.get(field) or ""), reverse=str(direction).upper() == "DESC")
    # The page starts at a multiple of 50 whatever `start` says.
    start = param(params, "start")
    start = int(start) // PAGE * PAGE if str(start or "0").lstrip("-").isdigit() and int(start or 0) > 0 else 0
    page = rows[start:start + PAGE]
    out = []
    for row in page:
        full = public(kind, row)
        if select and "*" not in select:
            full = {k: v for k, v in full.items() if k in select or k == "ID"}
        out.append(full)
    extra = {"total": len(rows)}
    if start + PAGE < len(rows):
        extra["next"] = start + PAGE
    return out, extra


# --- the rest -------------------------------------------------------------------------

def comment_add(params, user):
    fields = fields_of(params, strict=True)
    kind = str(fields.get("ENTITY_TYPE", "")).lower()
    owner = str(fields.get("ENTITY_ID", ""))
    if not kind or not owner:
        raise BitrixError(400, "100", "Required fields are not provided")
    if kind not in DB or kind in ("comment", "task", "company") or not owner.isdigit() or int(owner) not in DB[kind]:
        raise BitrixError(400, "OWNER_NOT_FOUND", "Owner of the item not found")
    if not str(fields.get("COMMENT", "")).strip():
        raise BitrixError(400, "INVALID_ARG_VALUE", "Empty comment")
    id = next_id()
    DB["comment"][id] = {"ID": str(id), "CREATED": now(), "ENTITY_ID": int(owner), "ENTITY_TYPE": kind,
                         "COMMENT": str(fields["COMMENT"]), "AUTHOR_ID": user}
    return id


def comment_get(params, user):
    _, record = record_of("comment", params)
    return dict(record)


def task_add(params, user):
    fields = fields_of(params)
    if not str(fields.get("TITLE", "")).strip():
        raise BitrixError(400, "ERROR_CORE", "Task title is not specified<br>")
    responsible = str(fields.get("RESPONSIBLE_ID", "") or "")
    if not responsible:
        raise BitrixError(400, "ERROR_CORE", "Responsible person not specified<br>")
    if responsible not in USERS:
        raise BitrixError(400, "ERROR_CORE", "User specified in the \"Responsible\" field not found<br>")
    deadline = None
    if fields.get("DEADLINE"):
        try:
            deadline = datetime.fromisoformat(str(fields["DEADLINE"])).astimezone(PORTAL_TZ).isoformat(timespec="seconds")
        except ValueError:
            raise BitrixError(400, "ERROR_CORE", "Incorrect deadline<br>")
    id = next_id()
    task = {"id": str(id), "title": str(fields["TITLE"]), "description": str(fields.get("DESCRIPTION", "")),
            "responsibleId": responsible, "createdBy": user, "createdDate": now(), "changedDate": now(), "deadline": deadline,
            "status": "2", "ufCrmTask": as_list(fields.get("UF_CRM_TASK")), "groupId": "0", "priority": "1"}
    DB["task"][id] = task
    return {"task": task}


def categories(params, user):
    if str(param(params, "entityTypeId")) != "2":
        raise BitrixError(400, "NOT_FOUND", "Smart process not found")
    return {"categories": CATEGORIES}, {"total": len(CATEGORIES)}


def statuses(params, user):
    filter = param(params, "filter") or {}
    wanted = filter.get("ENTITY_ID") if isinstance(filter, dict) else None
    out, serial = [], 100
    for entity, ids in STATUSES.items():
        for index, status in enumerate(ids):
            serial += 1
            if wanted and entity != wanted:
                continue
            category = None if entity in ("DEAL_STAGE", "STATUS") else entity.split("_")[-1]
            out.append({"ID": str(serial), "ENTITY_ID": entity, "STATUS_ID": status, "NAME": status.split(":")[-1].replace("_", " ").title(),
                        "SORT": str(10 * (index + 1)), "SYSTEM": "Y", "CATEGORY_ID": category})
    return out


def method_table():
    table = {
        "profile": lambda p, u: {"ID": u, "ADMIN": True, "NAME": USERS.get(u, "")},
        "crm.duplicate.findbycomm": findbycomm,
        "crm.contact.add": contact_add,
        "crm.contact.get": lambda p, u: public("contact", record_of("contact", p)[1]),
        "crm.contact.update": contact_update,
        "crm.contact.list": lambda p, u: listing("contact", p),
        "crm.company.add": company_add,
        "crm.company.get": lambda p, u: public("company", record_of("company", p)[1]),
        "crm.company.list": lambda p, u: listing("company", p),
        "crm.category.list": categories,
        "crm.status.list": statuses,
        "crm.timeline.comment.add": comment_add,
        "crm.timeline.comment.get": comment_get,
        "tasks.task.add": task_add,
    }
    for kind in ("deal", "lead"):
        table["crm.%s.add" % kind] = lambda p, u, k=kind: item_add(k, p, u)
        table["crm.%s.get" % kind] = lambda p, u, k=kind: public(k, record_of(k, p)[1])
        table["crm.%s.update" % kind] = lambda p, u, k=kind: item_update(k, p, u)
        table["crm.%s.list" % kind] = lambda p, u, k=kind: listing(k, p)
        table["crm.%s.contact.items.get" % kind] = lambda p, u, k=kind: contact_items(k, p, u)
    return table


METHODS = method_table()


def run(method, params, user):
    """(result, extra) of one method; raises BitrixError."""
    handler = METHODS.get(method.lower())
    if handler is None:
        raise BitrixError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
    result = handler(params, user)
    if isinstance(result, tuple):
        return result
    return result, {}


def substitute(value, results):
    if isinstance(value, str):
        def replace(match):
            node = results.get(match.group(1))
            for key in re.findall(r"\[([^\]]*)\]", match.group(2)):
                if isinstance(node, list) and key.isdigit():
                    node = node[int(key)] if int(key) < len(node) else None
                else:
                    node = node.get(key) if isinstance(node, dict) else None
            return "" if node is None else str(node)
        return re.sub(r"\$result\[([^\]]+)\]((?:\[[^\]]*\])*)", replace, value)
    if isinstance(value, dict):
        return {k: substitute(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, results) for v in value]
    return value


def batch(params, user, commands_seen):
    cmd = param(params, "cmd") or {}
    halt = str(param(params, "halt") or "0").lower() in ("1", "true", "y")
    items = list(cmd.items()) if isinstance(cmd, dict) else list(enumerate(cmd))
    results, errors, totals, nexts, times = {}, {}, {}, {}, {}
    for index, (key, text) in enumerate(items):
        key = str(key)
        method, _, query = str(text).partition("?")
        commands_seen.append(method)
        try:
            if index >= 50:
                raise BitrixError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
            if method.lower() == "batch":
                raise BitrixError(405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage")
            result, extra = run(method, substitute(php_parse(query), results), user)
            results[key] = result
            if "total" in extra:
                totals[key] = extra["total"]
            if "next" in extra:
                nexts[key] = extra["next"]
        except BitrixError as error:
            errors[key] = {"error": error.code, "error_description": error.description}
            if halt:
                break
        times[key] = {"start": time.time(), "finish": time.time(), "duration": 0.0}
    php = lambda d: d if d else []
    return {"result": php(results), "result_error": php(errors), "result_total": php(totals), "result_next": php(nexts), "result_time": php(times)}


def leak(at):
    if STATE["at"] is not None:
        STATE["level"] = max(0.0, STATE["level"] - (at - STATE["at"]) * LEAK_PER_SECOND)
    STATE["at"] = at


def event_body(event, id):
    return urllib.parse.urlencode([
        ("event", event), ("event_handler_id", "7"), ("data[FIELDS][ID]", str(id)), ("ts", str(int(time.time()))),
        ("auth[domain]", "127.0.0.1"), ("auth[client_endpoint]", "http://127.0.0.1/rest/"), ("auth[server_endpoint]", "https://oauth.bitrix.info/rest/"),
        ("auth[member_id]", "a223c6b3710f85df22e9377d6c4f7553"), ("auth[application_token]", APPLICATION_TOKEN)])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go in two writes: without this, Nagle's algorithm and delayed ACKs add
    # 40 ms to every answer, which is the fake's cost, not the plugin's.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        arrived = time.monotonic()
        url = urllib.parse.urlsplit(self.path)
        raw = self.body()
        if url.path.startswith("/_fake/"):
            return self.control(url.path[len("/_fake/"):], raw)
        with LOCK:
            status, body, method, commands = self.rest(url, raw, arrived)
            LOG.append({"t": arrived, "method": method, "status": status, "level": STATE["level"],
                        "handling_ms": (time.monotonic() - arrived) * 1000, "commands": commands})
        self.answer(status, body)

    def rest(self, url, raw, arrived):
        parts = [p for p in url.path.split("/") if p]
        if len(parts) < 2 or parts[0] != "rest":
            return 404, {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}, "", []
        try:
            if "json" in (self.headers.get("Content-Type") or ""):
                params = json.loads(raw or b"{}")
            else:
                params = php_parse(raw.decode())
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            return 400, {"error": "INVALID_REQUEST", "error_description": "The request body is not valid JSON"}, "", []
        for key, value in php_parse(url.query).items():
            params.setdefault(key, value)
        if len(parts) >= 4 and parts[1].isdigit():
            user, secret, method = parts[1], parts[2], parts[3]
            if user != USER_ID or secret != SECRET:
                return 401, {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"}, parts[3], []
        else:
            method, user = parts[1], USER_ID
            token = params.pop("auth", None)
            if token != OAUTH_TOKEN:
                return 401, {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}, method, []
            if STATE["expired"]:
                return 401, {"error": "expired_token", "error_description": "The access token provided has expired."}, method, []
        method = method[:-5] if method.endswith(".json") else method
        leak(arrived)
        if STATE["limit"]["count"] > 0:
            STATE["limit"]["count"] -= 1
            STATE["rejected"] += 1
            code = STATE["limit"]["error"]
            return 503, {"error": code, "error_description": "Too many requests" if code == "QUERY_LIMIT_EXCEEDED" else "REST API is blocked due to overload."}, method, []
        if STATE["level"] > BUCKET_LIMIT:
            STATE["rejected"] += 1
            return 503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}, method, []
        STATE["level"] += 1
        STATE["max_level"] = max(STATE["max_level"], STATE["level"])
        started = now()
        timing = {"start": time.time(), "finish": time.time(), "duration": 0.0, "processing": 0.0, "date_start": started, "date_finish": started}
        commands = []
        try:
            if method.lower() == "batch":
                return 200, {"result": batch(params, user, commands), "time": timing}, method, commands
            result, extra = run(method, params, user)
            return 200, dict({"result": result, "time": timing}, **extra), method, commands
        except BitrixError as error:
            return error.status, {"error": error.code, "error_description": error.description}, method, commands

    def control(self, name, raw):
        order = json.loads(raw or b"{}") if raw else {}
        with LOCK:
            if name == "log":
                return self.answer(200, {"requests": LOG, "max_level": STATE["max_level"], "rejected": STATE["rejected"]})
            if name == "records":
                return self.answer(200, {kind: [public(kind, r) | ({"CONTACT_IDS": r["_contacts"]} if "_contacts" in r else {})
                                                for r in rows.values()] for kind, rows in DB.items()})
            if name == "seed":
                made = {"contacts": [], "deals": []}
                for fields in order.get("contacts", []):
                    made["contacts"].append(contact_add({"fields": fields}, "7"))
                for fields in order.get("deals", []):
                    made["deals"].append(item_add("deal", {"fields": fields}, "7"))
                return self.answer(200, made)
            if name == "limit":
                STATE["limit"] = {"count": int(order.get("count", 1)), "error": order.get("error", "QUERY_LIMIT_EXCEEDED")}
                return self.answer(200, {})
            if name == "expire":
                STATE["expired"] = True
                return self.answer(200, {})
            if name == "change":
                kind = order["entity"]
                try:
                    (item_update(kind, {"id": order["id"], "fields": order["fields"]}, "7") if kind in ("deal", "lead")
                     else contact_update({"id": order["id"], "fields": order["fields"]}, "7"))
                except BitrixError as error:
                    return self.answer(400, {"error": error.description})
                return self.answer(200, {"body": event_body("ONCRM%sUPDATE" % kind.upper(), order["id"])})
            if name == "event":
                return self.answer(200, {"body": event_body(order["event"], order["id"])})
        self.answer(404, {"error": "unknown control"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("listening on %d" % server.server_address[1], flush=True)
server.serve_forever()
