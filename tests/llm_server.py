"""A real OpenAI-compatible chat-completions endpoint on 127.0.0.1 for the
LLM tests (tests/test_llm.py, tests/test_llm_secrets.py): it answers from a
script and records every request, so the client under test speaks real HTTP
and nothing is mocked."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedServer:
    """A chat-completions endpoint replying from a script, recording requests.

    ``reset(*steps)`` sets the replies, one step per request (``{}`` once
    the script is used up): ``("content", text)`` (200 with that message),
    ``("status", code, message[, headers])`` (an error body),
    ``("sleep", seconds, text)`` (200 after a delay). ``requests`` lists
    ``{"path", "auth", "body"}`` per request; ``url`` is the ``/v1`` base.
    """

    def __init__(self):
        self.script = []
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append({"path": self.path, "auth": self.headers.get("authorization"), "body": body})
                step = server.script.pop(0) if server.script else ("content", "{}")
                kind = step[0]
                if kind == "sleep":
                    time.sleep(step[1])
                    step = ("content", step[2])
                    kind = "content"
                if kind == "content":
                    self._send(200, {
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body.get("model"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": step[1]}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    })
                elif kind == "status":
                    self._send(step[1], {"error": {"message": step[2], "type": "x"}}, headers=step[3] if len(step) > 3 else {})

            def _send(self, status, payload, headers=None):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self, *steps):
        self.script = list(steps)
        self.requests = []

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
