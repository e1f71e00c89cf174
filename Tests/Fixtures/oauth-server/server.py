"""An OAuth 2.0 authorization server on loopback (RFC 6749 authorization-code grant with RFC 7636
PKCE, and the refresh-token grant), for tests of connections. Refresh tokens are single-use, as
amoCRM's are: every refresh issues a new one, and presenting a used one is answered
`invalid_grant` and revokes the whole grant (RFC 6819 §5.2.2.3, refresh token rotation).

  GET  /authorize     checks client_id, response_type=code and an S256 code_challenge, then
                      answers 302 to redirect_uri with code and state (the user "consented")
  POST /token         application/x-www-form-urlencoded; client authentication by HTTP Basic
                      or client_id/client_secret in the body. Errors are RFC 6749 §5.2 JSON.
  GET  /resource      200 {"ok": true} for a current Bearer access token, 401 otherwise
  POST /control       JSON: {"expires_in": N, "refresh_delay_ms": N, "revoke": true}
  GET  /stats         {"refreshes": N, "reused": N, "codes": N, "failures": [...],
                      "refresh_redirect_uris": [the redirect_uri of each refresh, or null]}

Prints "listening on PORT" once it accepts connections.
"""
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

CLIENT_ID = "market-test-client"
CLIENT_SECRET = "market-test-secret"

LOCK = threading.RLock()
SETTINGS = {"expires_in": 3600, "refresh_delay_ms": 0}
CODES = {}      # code -> {redirect_uri, challenge, scope, used}
ACCESS = {}     # access token -> (grant, expiry)
REFRESH = {}    # refresh token -> {"grant": id, "used": bool}
REVOKED = set()  # grant ids
STATS = {"refreshes": 0, "reused": 0, "codes": 0, "failures": [], "refresh_redirect_uris": []}


def issue(grant, scope):
    access = "at-" + secrets.token_urlsafe(24)
    refresh = "rt-" + secrets.token_urlsafe(24)
    ACCESS[access] = (grant, time.time() + SETTINGS["expires_in"])
    REFRESH[refresh] = {"grant": grant, "used": False}
    return {"access_token": access, "token_type": "Bearer", "expires_in": SETTINGS["expires_in"],
            "refresh_token": refresh, "scope": scope}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, description):
        with LOCK:
            STATS["failures"].append(code)
        self.answer(status, {"error": code, "error_description": description})

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.endswith("/authorize"):
            if query.get("client_id") != CLIENT_ID:
                return self.answer(400, {"error": "unauthorized_client"})
            if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256" \
                    or not query.get("code_challenge") or not query.get("redirect_uri") or not query.get("state"):
                return self.answer(400, {"error": "invalid_request", "query": query})
            code = "code-" + secrets.token_urlsafe(16)
            with LOCK:
                CODES[code] = {"redirect_uri": query["redirect_uri"], "challenge": query["code_challenge"],
                               "scope": query.get("scope", ""), "used": False}
            target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/resource":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            with LOCK:
                grant, expiry = ACCESS.get(token, (None, 0))
                valid = grant is not None and grant not in REVOKED and expiry > time.time()
            self.answer(200 if valid else 401, {"ok": valid})
        elif url.path == "/stats":
            with LOCK:
                self.answer(200, STATS)
        else:
            self.answer(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        url = urlparse(self.path)
        if url.path == "/control":
            change = json.loads(body or "{}")
            with LOCK:
                if change.pop("revoke", False):
                    REVOKED.update(entry["grant"] for entry in REFRESH.values())
                SETTINGS.update(change)
            return self.answer(200, SETTINGS)
        if not url.path.endswith("/token"):
            return self.answer(404, {"error": "not_found"})
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.error(400, "invalid_request", "the body must be form-encoded")
        form = {k: v[0] for k, v in parse_qs(body).items()}
        client, secret = form.get("client_id"), form.get("client_secret")
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        if client != CLIENT_ID or secret != CLIENT_SECRET:
            return self.error(401, "invalid_client", "unknown client or wrong secret")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with LOCK:
                entry = CODES.get(form.get("code", ""))
                if entry is None or entry["used"]:
                    return self.error(400, "invalid_grant", "the authorization code is unknown or was used")
                entry["used"] = True
            if form.get("redirect_uri") != entry["redirect_uri"]:
                return self.error(400, "invalid_grant", "redirect_uri differs from the authorization request's")
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != entry["challenge"]:
                return self.error(400, "invalid_grant", "PKCE verification failed")
            with LOCK:
                STATS["codes"] += 1
                return self.answer(200, issue(secrets.token_hex(8), entry["scope"]))
        if grant_type == "refresh_token":
            delay = SETTINGS["refresh_delay_ms"] / 1000
            if delay:
                time.sleep(delay)
            with LOCK:
                entry = REFRESH.get(form.get("refresh_token", ""))
                if entry is None:
                    return self.error(400, "invalid_grant", "unknown refresh token")
                if entry["grant"] in REVOKED:
                    return self.error(400, "invalid_grant", "the grant was revoked by the user")
                if entry["used"]:
                    STATS["reused"] += 1
                    REVOKED.add(entry["grant"])
                    return self.error(400, "invalid_grant", "refresh token reused; the grant is revoked")
                entry["used"] = True
                STATS["refreshes"] += 1
                # amoCRM and Kommo require the authorization's redirect_uri on refresh too.
                STATS["refresh_redirect_uris"].append(form.get("redirect_uri"))
                return self.answer(200, issue(entry["grant"], ""))
        return self.error(400, "unsupported_grant_type", f"grant_type {grant_type!r}")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
