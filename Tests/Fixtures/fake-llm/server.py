"""A stand-in for model vendors' HTTP APIs, on loopback, for tests: OpenAI-compatible chat
completions at /v1/chat/completions and Anthropic's Messages API at /v1/messages.

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
  timed         streams 100 deltas, 2 ms apart, whose content is the CLOCK_MONOTONIC time (ns)
                read just before each event is handed to the socket, for measuring delivery
                latency
  replay        streams, as "data: …" events, the strings of the JSON array that is the last
                message's content, byte for byte, then "data: [DONE]": chunks of any shape a
                test wants to see handled
  agent         an agent: when the last message is a tool result, streams "Result: " and that
                result; otherwise calls one tool of the request's "tools": the last user message
                may be {"call": SUFFIX, "arguments": {…}} to pick the first tool whose name ends
                with SUFFIX (and "say": TEXT to stream TEXT before the call), else the first tool
                is called with {"text": the message}
  loop          calls the request's first tool every time, never answering

The Messages API (/v1/messages) answers the same scenarios with its own framing: JSON
messages, or "event: …" / "data: …" SSE events (message_start, content_block_start/delta/stop,
message_delta, message_stop, ping, error); "unauthorized" checks x-api-key = "sk-ant-test" and
"flaky" answers 529 overloaded_error first.

GET /requests returns every request body received so far, for assertions.
Prints "listening on PORT" once it accepts connections.
"""
import json
import os
import sys
import threading
import time
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


def agent_chunks(body, always_call=False):
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if last.get("role") == "tool" and not always_call:
        yield chunk({"role": "assistant", "content": ""})
        for piece in ["Result: ", last.get("content") or ""]:
            yield chunk({"content": piece})
        yield chunk({}, finish="stop")
        return
    tools = [t["function"]["name"] for t in body.get("tools") or []]
    user = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
    try:
        wanted = json.loads(user)
    except ValueError:
        wanted = None
    if isinstance(wanted, dict) and "call" in wanted:
        name = next((t for t in tools if t.endswith(wanted["call"])), wanted["call"])
        arguments = json.dumps(wanted.get("arguments", {}))
    else:
        name = tools[0] if tools else "no_tools"
        arguments = json.dumps({"text": "again" if always_call else user})
    count = sum(1 for m in messages if m.get("role") == "tool")
    if isinstance(wanted, dict) and wanted.get("say"):
        yield chunk({"role": "assistant", "content": wanted["say"]})
    yield chunk({"role": "assistant", "content": None,
                 "tool_calls": [{"index": 0, "id": "call_%d" % count, "type": "function",
                                 "function": {"name": name, "arguments": ""}}]})
    middle = len(arguments) // 2
    for piece in [arguments[:middle], arguments[middle:]]:
        yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    yield chunk({}, finish="tool_calls")


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
                             "x-api-key": self.headers.get("x-api-key"),
                             "anthropic-version": self.headers.get("anthropic-version"),
                             "x-extra": self.headers.get("x-extra")})
            scenario = body.get("model", "text")
            COUNTS[scenario] = COUNTS.get(scenario, 0) + 1
            count = COUNTS[scenario]
        if self.path == "/v1/messages":
            return self.messages(body, scenario, count)
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
        if scenario == "timed" and body.get("stream"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            template = b"data: " + json.dumps(chunk({"content": "STAMP"})).encode() + b"\n\n"
            for _ in range(100):
                # Paced, as a model's tokens are, so the figure is each delta's own trip and not
                # the queue behind a burst.
                time.sleep(0.002)
                # The event is framed after the clock is read and sent at once, so the figure
                # starts as the bytes go to the socket, not before Python builds them.
                data = template.replace(b"STAMP", b"%d" % time.monotonic_ns())
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.event(chunk({}, finish="stop"))
            self.write(b"data: [DONE]\n\n")
            self.write(b"")
            return
        if scenario == "replay" and body.get("stream"):
            events = json.loads(body["messages"][-1]["content"])
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for data in events:
                self.write(b"data: " + data.encode() + b"\n\n")
            self.write(b"data: [DONE]\n\n")
            self.write(b"")
            return
        if scenario in ("agent", "loop"):
            chunks = list(agent_chunks(body, always_call=scenario == "loop"))
        else:
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

    def messages(self, body, scenario, count):
        def fail(status, kind, message, headers=None):
            self.reply(status, {"type": "error", "error": {"type": kind, "message": message}}, headers)
        if scenario == "rate-limited":
            return fail(429, "rate_limit_error", "Number of requests has exceeded your rate limit", {"retry-after": "7"})
        if scenario == "flaky" and count == 1:
            return fail(529, "overloaded_error", "Overloaded")
        if scenario == "unauthorized" and self.headers.get("x-api-key") != "sk-ant-test":
            return fail(401, "authentication_error", "invalid x-api-key")
        if scenario == "context":
            return fail(400, "invalid_request_error", "prompt is too long: 300000 tokens > 200000 maximum")
        usage_in, usage_out = 21, 9
        if scenario == "tools":
            blocks = [{"type": "text", "text": "Let me count."},
                      {"type": "tool_use", "id": "toolu_1", "name": "word_count", "input": {"text": "one two"}}]
            stop = "tool_use"
        else:
            blocks = [{"type": "text", "text": "Hello!"}]
            stop = "end_turn"
        if not body.get("stream"):
            return self.reply(200, {"id": "msg_1", "type": "message", "role": "assistant", "model": body.get("model"),
                                    "content": blocks, "stop_reason": stop,
                                    "usage": {"input_tokens": usage_in, "output_tokens": usage_out}})
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

        def send(kind, payload):
            payload["type"] = kind
            self.write(b"event: " + kind.encode() + b"\n" + b"data: " + json.dumps(payload).encode() + b"\n\n")
        send("message_start", {"message": {"id": "msg_1", "type": "message", "role": "assistant", "model": body.get("model"),
                                           "content": [], "stop_reason": None, "usage": {"input_tokens": usage_in, "output_tokens": 1}}})
        send("ping", {})
        for index, block in enumerate(blocks):
            if block["type"] == "text":
                send("content_block_start", {"index": index, "content_block": {"type": "text", "text": ""}})
                text = block["text"]
                for piece in [text[:3], text[3:]]:
                    send("content_block_delta", {"index": index, "delta": {"type": "text_delta", "text": piece}})
                if scenario == "mid-stream":
                    send("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})
                    self.write(b"")
                    return
            else:
                send("content_block_start", {"index": index, "content_block": {"type": "tool_use", "id": block["id"],
                                                                               "name": block["name"], "input": {}}})
                for piece in ['{"text": "one', ' two"}']:
                    send("content_block_delta", {"index": index, "delta": {"type": "input_json_delta", "partial_json": piece}})
            send("content_block_stop", {"index": index})
        send("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": usage_out}})
        send("message_stop", {})
        self.write(b"")

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


def exit_with_parent():
    """Ends the server once the process that started it is gone, so none outlives a run."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=exit_with_parent, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()
