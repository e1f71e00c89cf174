"""A stand-in for an OpenAI-compatible chat-completions server, on loopback, for tests.

It speaks the real wire protocol: POST /v1/chat/completions with a JSON body, answered with a
JSON completion or, when "stream" is true, with server-sent events over chunked transfer
encoding ("data: {chunk}" events, a usage chunk when stream_options.include_usage is set, and
"data: [DONE]"). The request's "model" picks the scenario:

  text          streams "Hello" in pieces
  tools         streams two tool calls whose arguments arrive in fragments
  rate-limited  429 with retry-after (seconds) and an OpenAI error body
  flaky         500 on the first request, then as "text"
  mid-stream    two content chunks, then an error event
  unauthorized  401 unless the key is "Bearer sk-test"
  context       400 context_length_exceeded

GET /requests returns every request body received so far, for assertions.
Prints "listening on PORT" once it accepts connections.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUESTS = []
COUNTS = {}
LOCK = threading.Lock()


def chunk(delta=None, finish=None, model="fake-model", usage=None, choices=True):
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000, "model": model}
    body["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}] if choices else []
    if usage is not None:
        body["usage"] = usage
    return body


USAGE = {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}


def text_chunks():
    yield chunk({"role": "assistant", "content": ""})
    for piece in ["Hel", "lo", "!"]:
        yield chunk({"content": piece})
    yield chunk({}, finish="stop")


def tool_chunks():
    yield chunk({"role": "assistant", "content": None,
                 "tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                                 "function": {"name": "word_count", "arguments": ""}}]})
    for piece in ['{"te', 'xt":"one', ' two"}']:
        yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    yield chunk({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                                 "function": {"name": "roll", "arguments": '{"count":'}}]})
    yield chunk({"tool_calls": [{"index": 1, "function": {"arguments": "2}"}}]})
    yield chunk({}, finish="tool_calls")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/requests":
            with LOCK:
                self.reply(200, REQUESTS)
        else:
            self.reply(404, {"error": {"message": "not found"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        with LOCK:
            REQUESTS.append({"path": self.path, "body": body, "authorization": self.headers.get("authorization"),
                             "x-extra": self.headers.get("x-extra")})
            scenario = body.get("model", "text")
            COUNTS[scenario] = COUNTS.get(scenario, 0) + 1
            count = COUNTS[scenario]
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": {"message": "unknown path " + self.path}})
        if scenario == "rate-limited":
            return self.reply(429, {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
                              {"retry-after": "7"})
        if scenario == "flaky" and count == 1:
            return self.reply(500, {"error": {"message": "The server had an error", "type": "server_error"}})
        if scenario == "unauthorized" and self.headers.get("authorization") != "Bearer sk-test":
            return self.reply(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}})
        if scenario == "context":
            return self.reply(400, {"error": {"message": "This model's maximum context length is 8 tokens",
                                              "code": "context_length_exceeded"}})
        chunks = list(tool_chunks() if scenario == "tools" else text_chunks())
        if not body.get("stream"):
            return self.reply(200, self.completion(chunks, body))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        if scenario == "mid-stream":
            for piece in chunks[:2]:
                self.event(piece)
            self.event({"error": {"message": "The model crashed", "type": "server_error"}})
        else:
            for piece in chunks:
                self.event(piece)
            if (body.get("stream_options") or {}).get("include_usage"):
                self.event(chunk(usage=USAGE, choices=False))
            self.write(b"data: [DONE]\n\n")
        self.write(b"")

    def completion(self, chunks, body):
        content, calls, finish = "", {}, "stop"
        for piece in chunks:
            choice = piece["choices"][0]
            delta = choice["delta"]
            content += delta.get("content") or ""
            for call in delta.get("tool_calls", []):
                entry = calls.setdefault(call["index"], {"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
                entry["id"] = call.get("id") or entry["id"]
                entry["function"]["name"] = call.get("function", {}).get("name") or entry["function"]["name"]
                entry["function"]["arguments"] += call.get("function", {}).get("arguments", "")
            finish = choice["finish_reason"] or finish
        message = {"role": "assistant", "content": content or None}
        if calls:
            message["tool_calls"] = [calls[i] for i in sorted(calls)]
        return {"id": "chatcmpl-1", "object": "chat.completion", "model": body.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": USAGE}

    def event(self, payload):
        self.write(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def write(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def reply(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()
