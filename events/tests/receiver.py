"""A real HTTP receiver on loopback (http.server in a thread) that answers as a test scripts it."""

import hashlib
import hmac
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """`answers` are consumed one per request: a status code, or ("hang", seconds) then 200.

    When they run out it answers `default`. `got` lists every request, in order.
    """

    answers: list = field(default_factory=list)
    default: int = 200
    got: list[Received] = field(default_factory=list)
    url: str = ""
    arrived: threading.Event = field(default_factory=threading.Event)

    def answer(self):
        return self.answers.pop(0) if self.answers else self.default


@contextmanager
def receiver(*answers, default: int = 200):
    """Serve on 127.0.0.1 on a free port until the block ends; yields the Receiver."""
    state = Receiver(answers=list(answers), default=default)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.got.append(Received(self.path, dict(self.headers.items()), body))
                answer = state.answer()
            state.arrived.set()
            if isinstance(answer, tuple):  # ("hang", seconds): say nothing for that long
                time.sleep(answer[1])
                answer = 200
            try:
                self.send_response(answer)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:  # the client gave up (timed out) while we hung
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/factory"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def verify(secret: str, header: str, body: bytes) -> bool:
    """What docs/events.md tells receivers to do with `X-Factory-Signature`."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])
