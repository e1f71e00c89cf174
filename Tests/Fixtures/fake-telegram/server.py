"""A stand-in for Telegram's Bot API on loopback, for tests.

It speaks the real protocol: POST (or GET) /bot<TOKEN>/<method> with a JSON, form or query
body, answered with {"ok": true, "result": ...} or {"ok": false, "error_code": N,
"description": "...", "parameters": {"retry_after": S}}. Methods: getMe, getUpdates (offset,
limit, timeout long poll, allowed_updates; 409 while a webhook is set), setWebhook,
deleteWebhook, getWebhookInfo, sendMessage (parse_mode HTML is parsed as Telegram does: 400
"can't parse entities" on malformed HTML, 400 "message is too long" past 4096 characters after
entity parsing), editMessageText, sendChatAction, sendMessageDraft (private chats only),
answerCallbackQuery. A token must look like Telegram's (digits, a colon, 30+ characters of
[A-Za-z0-9_-]); one whose secret part starts with "bad" is answered 401 Unauthorized.

Control endpoints for tests (under /control/):
  GET  requests              every Bot API request so far: method, params, bot (the token's
                             numeric id, never the token) and t (monotonic seconds)
  POST reset                 forget requests, queued updates, failures and the webhook
  POST updates               {"updates": [...]} queue updates for getUpdates
  POST fail                  {"method", "error_code", "description", "retry_after", "count",
                              "chat_id", "after"} answer the next `count` calls of `method` (to
                             that chat, when given) with that error (a 5xx too), once `after`
                             such calls have been answered as usual
  POST slow                  {"method", "seconds", "count"} take `seconds` over each of the next
                             `count` calls of `method` before handling it (and timing it: `t`
                             is when the call is handled, as Telegram would date a message)
  POST deliver               {"update": {...}, "secret": optional override} POST the update to
                             the webhook set with setWebhook, with the
                             X-Telegram-Bot-Api-Secret-Token header; returns {"status": N}

Prints "listening on PORT" once it accepts connections.
"""
import html.parser
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = re.compile(r"^/bot(\d+):([A-Za-z0-9_-]{30,})/([A-Za-z]+)$")
LOCK = threading.Condition()
STATE = {}


def reset():
    STATE.update(requests=[], updates=[], failures=[], delays=[], webhook=None, next_message_id=1, confirmed=0)


reset()

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
                "a", "code", "pre", "blockquote", "tg-emoji"}
ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


class EntityError(Exception):
    pass


def parse_html(text):
    """The visible text of Telegram HTML, or EntityError as Telegram words it."""
    out = []
    stack = []
    i = 0
    while i < len(text):
        c = text[i]
        offset = len(text[:i].encode("utf-8"))
        if c == "<":
            end = text.find(">", i)
            if end < 0:
                raise EntityError("Can't find end of the entity starting at byte offset %d" % offset)
            inner = text[i + 1:end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack or stack[-1] != name:
                    raise EntityError("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\""
                                      % (offset, stack[-1] if stack else "", name))
                stack.pop()
            else:
                match = re.match(r"^([a-zA-Z-]+)((?:\s+[a-z-]+=\"[^\"<>]*\")*)\s*$", inner)
                if not match:
                    raise EntityError("Unsupported start tag \"%s\" at byte offset %d" % (inner.split(" ")[0], offset))
                name = match.group(1).lower()
                if name not in ALLOWED_TAGS:
                    raise EntityError("Unsupported start tag \"%s\" at byte offset %d" % (name, offset))
                if name == "a" and "href=" not in match.group(2):
                    raise EntityError("Can't find href attribute at byte offset %d" % offset)
                stack.append(name)
            i = end + 1
        elif c == "&":
            match = ENTITY.match(text, i)
            if not match:
                raise EntityError("Unsupported entity at byte offset %d" % offset)
            out.append("x")
            i = match.end()
        elif c == ">":
            raise EntityError("Unexpected end tag at byte offset %d" % offset)
        else:
            out.append(c)
            i += 1
    if stack:
        raise EntityError("Can't find end tag corresponding to start tag \"%s\"" % stack[-1])
    return "".join(out)


def utf16_length(text):
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    def __init__(self, code, description, retry_after=None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad(description):
    return ApiError(400, "Bad Request: " + description)


def chat_of(params):
    if "chat_id" not in params:
        raise bad("chat_id is empty")
    try:
        chat_id = int(params["chat_id"])
    except (TypeError, ValueError):
        raise bad("chat not found")
    return {"id": chat_id, "type": "private" if chat_id > 0 else "group"}


def checked_text(params, allow_empty=False):
    text = params.get("text")
    if text is None or (text == "" and not allow_empty):
        raise bad("message text is empty")
    visible = text
    if str(params.get("parse_mode", "")).upper() == "HTML":
        try:
            visible = parse_html(text)
        except EntityError as error:
            raise bad("can't parse entities: " + str(error))
    if utf16_length(visible) > 4096:
        raise bad("message is too long")
    if visible.strip() == "" and not allow_empty:
        raise bad("message text is empty")
    return text


def message(chat, text):
    with LOCK:
        message_id = STATE["next_message_id"]
        STATE["next_message_id"] += 1
    return {"message_id": message_id, "date": int(time.time()), "chat": chat, "text": text}


def get_updates(params):
    with LOCK:
        if STATE["webhook"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    offset = int(params.get("offset", 0) or 0)
    limit = max(1, min(100, int(params.get("limit", 100) or 100)))
    timeout = max(0, min(50, float(params.get("timeout", 0) or 0)))
    allowed = params.get("allowed_updates")
    if isinstance(allowed, str):
        allowed = json.loads(allowed)
    deadline = time.monotonic() + timeout
    with LOCK:
        if offset > 0:
            # Calling with an offset confirms every update with a lower id: they are gone.
            STATE["updates"] = [u for u in STATE["updates"] if u["update_id"] >= offset]
            STATE["confirmed"] = max(STATE["confirmed"], offset - 1)
        while True:
            ready = [u for u in STATE["updates"] if u["update_id"] >= offset
                     and (not allowed or any(key in u for key in allowed))]
            if ready or time.monotonic() >= deadline:
                return ready[:limit]
            LOCK.wait(max(0.01, deadline - time.monotonic()))


def take_failure(method, params):
    with LOCK:
        for failure in STATE["failures"]:
            if failure["method"] != method or failure["count"] <= 0:
                continue
            if failure.get("chat_id") is not None and str(failure["chat_id"]) != str(params.get("chat_id")):
                continue
            if failure.get("after", 0) > 0:
                failure["after"] -= 1
                continue
            failure["count"] -= 1
            return ApiError(failure.get("error_code", 400), failure.get("description", "Bad Request"),
                            failure.get("retry_after"))
    return None


def take_delay(method):
    with LOCK:
        for delay in STATE["delays"]:
            if delay["method"] == method and delay["count"] > 0:
                delay["count"] -= 1
                return float(delay["seconds"])
    return 0


def call(method, params):
    failure = take_failure(method, params)
    if failure:
        raise failure
    if method == "getMe":
        return {"id": 123456, "is_bot": True, "first_name": "Fake", "username": "fake_market_bot",
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
    if method == "getUpdates":
        return get_updates(params)
    if method == "setWebhook":
        url = params.get("url", "")
        if url == "":
            with LOCK:
                STATE["webhook"] = None
            return True
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.match(r"^[A-Za-z0-9_-]{1,256}$", secret):
            raise bad("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        with LOCK:
            STATE["webhook"] = {"url": url, "secret_token": secret, "allowed_updates": allowed,
                                "max_connections": int(params.get("max_connections", 40))}
        return True
    if method == "deleteWebhook":
        with LOCK:
            STATE["webhook"] = None
            if str(params.get("drop_pending_updates", "")).lower() == "true":
                STATE["updates"] = []
        return True
    if method == "getWebhookInfo":
        with LOCK:
            hook = STATE["webhook"]
            pending = len(STATE["updates"])
        info = {"url": hook["url"] if hook else "", "has_custom_certificate": False, "pending_update_count": pending}
        if hook:
            info["max_connections"] = hook["max_connections"]
            if hook["allowed_updates"] is not None:
                info["allowed_updates"] = hook["allowed_updates"]
        return info
    if method == "sendMessage":
        chat = chat_of(params)
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if not button.get("text") or not 1 <= len(button.get("callback_data", "").encode()) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
        return message(chat, checked_text(params))
    if method == "editMessageText":
        chat = chat_of(params)
        if "message_id" not in params:
            raise bad("message identifier is not specified")
        return message(chat, checked_text(params)) | {"message_id": int(params["message_id"])}
    if method == "sendChatAction":
        chat_of(params)
        if params.get("action") not in ("typing", "upload_photo", "record_video", "upload_document", "find_location"):
            raise bad("wrong parameter action in request")
        return True
    if method == "sendMessageDraft":
        chat = chat_of(params)
        if chat["type"] != "private":
            raise bad("method is available only for private chats")
        if int(params.get("draft_id", 0) or 0) == 0:
            raise bad("draft_id must be non-zero")
        checked_text(params, allow_empty=True)
        return True
    if method == "answerCallbackQuery":
        if not params.get("callback_query_id"):
            raise bad("query is too old and response timeout expired or query ID is invalid")
        return True
    raise ApiError(404, "Not Found")


def deliver(update, secret_override):
    with LOCK:
        hook = STATE["webhook"]
    if not hook:
        return {"status": 0, "error": "no webhook is set"}
    secret = secret_override if secret_override is not None else hook["secret_token"]
    request = urllib.request.Request(hook["url"], data=json.dumps(update).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if secret:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return {"status": response.status}
    except urllib.error.HTTPError as error:
        return {"status": error.code}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def params(self):
        url = urllib.parse.urlsplit(self.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        if body and kind.startswith("application/json"):
            params.update(json.loads(body))
        elif body:
            params.update({k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()})
        return url.path, params

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        try:
            path, params = self.params()
        except (ValueError, json.JSONDecodeError):
            return self.answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"})
        if path.startswith("/control/"):
            return self.control(path[len("/control/"):], params)
        match = TOKEN.match(path)
        if not match:
            return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        bot, secret, method = match.groups()
        time.sleep(take_delay(method))
        with LOCK:
            STATE["requests"].append({"method": method, "params": params, "bot": int(bot), "t": time.monotonic()})
            LOCK.notify_all()
        if secret.startswith("bad"):
            return self.answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            result = call(method, params)
        except ApiError as error:
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return self.answer(error.code, body)
        self.answer(200, {"ok": True, "result": result})

    def control(self, name, params):
        if name == "requests":
            with LOCK:
                return self.answer(200, list(STATE["requests"]))
        if name == "reset":
            with LOCK:
                reset()
            return self.answer(200, {"ok": True})
        if name == "updates":
            with LOCK:
                STATE["updates"].extend(params.get("updates", []))
                LOCK.notify_all()
            return self.answer(200, {"ok": True})
        if name == "fail":
            with LOCK:
                STATE["failures"].append(dict(params, count=int(params.get("count", 1)), after=int(params.get("after", 0))))
            return self.answer(200, {"ok": True})
        if name == "slow":
            with LOCK:
                STATE["delays"].append(dict(params, count=int(params.get("count", 1))))
            return self.answer(200, {"ok": True})
        if name == "deliver":
            return self.answer(200, deliver(params["update"], params.get("secret")))
        if name == "confirmed":
            with LOCK:
                return self.answer(200, {"confirmed": STATE["confirmed"]})
        self.answer(404, {"ok": False})


class Server(ThreadingHTTPServer):
    # Room for many connections at once, as Telegram has: with the default backlog of 5, the
    # connections of a burst of calls past it wait a second for their SYN to be sent again.
    request_queue_size = 128


def main():
    server = Server(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    server.daemon_threads = True
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
