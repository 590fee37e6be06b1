"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, any bot token accepted.

Run it: `python -m fakes.telegram --port 8081` (then TELEGRAM_API_URL=http://127.0.0.1:8081), or in-process:

    fake = FakeTelegram().start()      # port 0 = a free port; fake.url is the TELEGRAM_API_URL to use
    ...
    fake.stop()

Bot API (`/bot<token>/<method>`, GET or POST; params from the query string AND a form or JSON body):
* getMe → a bot user; sendMessage → records the call (with its message_id and reply_markup), answers a
  message object; editMessageText → records the edit and changes the message's text (400 as Telegram does
  for an unknown message or an unchanged text); answerCallbackQuery → records the answer, true;
  getUpdates → updates from a queue: `offset` confirms (drops) every update with a smaller id,
  `offset=-1` keeps only the newest, `timeout` long-polls up to that many seconds, `limit` caps the batch;
  anything else → ok/true.

Control API (JSON), the same from HTTP and Python:
| HTTP                         | Python                               | what                                    |
|------------------------------|--------------------------------------|-----------------------------------------|
| GET  /_control/messages      | fake.messages()                      | recorded sendMessage calls (dicts)      |
| GET  /_control/edits         | fake.edits()                         | recorded editMessageText calls          |
| GET  /_control/answers       | fake.answers()                       | recorded answerCallbackQuery calls      |
| GET  /_control/calls         | fake.calls()                         | every call: {method, params, status}    |
| POST /_control/updates       | fake.push_update(update_or_list)     | queue updates (update_id assigned)      |
| POST /_control/fail          | fake.fail(method, status, count=1,   | script the next `count` answers of      |
|      {method,status,count,   |   retry_after=None, delay=0,         | `method`: status 429 (with retry_after),|
|       retry_after,delay,     |   description=None)                  | 5xx, 403, 409 (two pollers), or         |
|       description}           |                                      | "timeout" (sleep `delay` s, then 504)   |
| POST /_control/reset         | fake.reset()                         | forget messages, calls, updates, fails  |
Helpers: fake.wait_for_messages(n, timeout) → list, fake.wait_for(method, n, timeout) → recorded calls,
fake.text_message(chat_id, text, user_id=None) → an update dict for a private-chat text message,
fake.button_press(message, data, chat_id=None) → a callback_query update pressing a button of a message the
bot sent (`data`: the button's callback_data; `chat_id`: a press from another chat), to push with push_update.
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER = {
    "id": 1000000001,
    "is_bot": True,
    "first_name": "Kalendar",
    "username": "kalendar_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class FakeTelegram:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Condition()
        self._messages: list[dict] = []
        self._edits: list[dict] = []
        self._answers: list[dict] = []
        self._texts: dict[tuple[int, int], str] = {}  # (chat, message id) → current text, for edits
        self._callback_ids = itertools.count(1)
        self._calls: list[dict] = []
        self._updates: list[dict] = []
        self._fails: dict[str, list[dict]] = {}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTelegram:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        with self._lock:
            self._lock.notify_all()

    # --- control --------------------------------------------------------------------------------
    def messages(self) -> list[dict]:
        with self._lock:
            return [dict(m) for m in self._messages]

    def calls(self) -> list[dict]:
        with self._lock:
            return [dict(c) for c in self._calls]

    def edits(self) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._edits]

    def answers(self) -> list[dict]:
        with self._lock:
            return [dict(a) for a in self._answers]

    def wait_for(self, method: str, count: int, timeout: float = 10.0) -> list[dict]:
        """Successful calls of `method` once there are `count` of them (or what there is at the timeout)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [dict(c) for c in self._calls if c["method"] == method and c["status"] == 200]
                if len(found) >= count or time.monotonic() >= deadline:
                    return found
                self._lock.wait(min(0.1, max(0.0, deadline - time.monotonic())))

    def push_update(self, update: dict | list[dict]) -> list[dict]:
        items = update if isinstance(update, list) else [update]
        with self._lock:
            for item in items:
                item.setdefault("update_id", next(self._update_ids))
                self._updates.append(item)
            self._lock.notify_all()
        return items

    def fail(
        self,
        method: str,
        status: int | str,
        count: int = 1,
        retry_after: float | None = None,
        delay: float = 0,
        description: str | None = None,
    ) -> None:
        with self._lock:
            self._fails.setdefault(method, []).extend(
                [{"status": status, "retry_after": retry_after, "delay": delay, "description": description}]
                * int(count)
            )

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._edits.clear()
            self._answers.clear()
            self._texts.clear()
            self._calls.clear()
            self._updates.clear()
            self._fails.clear()

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._messages) < count and time.monotonic() < deadline:
                self._lock.wait(min(0.1, max(0.0, deadline - time.monotonic())))
            return [dict(m) for m in self._messages]

    @staticmethod
    def text_message(chat_id: int, text: str, user_id: int | None = None, username: str = "tester") -> dict:
        sender = {
            "id": user_id or chat_id,
            "is_bot": False,
            "first_name": "Test",
            "username": username,
            "language_code": "ru",
        }
        return {
            "message": {
                "message_id": int(time.time() * 1000) % 2**31,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "username": username},
                "from": sender,
                "text": text,
            }
        }

    def button_press(self, message: dict, data: str, chat_id: int | None = None, language_code: str = "ru") -> dict:
        """A callback_query update: the person in `chat_id` (default: the message's chat) presses the button
        with callback_data `data` under `message` (a dict from messages())."""
        chat = int(message["chat_id"]) if chat_id is None else chat_id
        with self._lock:
            text = self._texts.get((int(message["chat_id"]), message["message_id"]), message.get("text", ""))
            callback_id = str(next(self._callback_ids))
        return {
            "callback_query": {
                "id": callback_id,
                "from": {"id": chat, "is_bot": False, "first_name": "Test", "language_code": language_code},
                "chat_instance": str(chat),
                "data": data,
                "message": {
                    "message_id": message["message_id"],
                    "date": int(message.get("at", time.time())),
                    "chat": {"id": chat, "type": "private"},
                    "from": BOT_USER,
                    "text": text,
                },
            }
        }

    # --- Bot API --------------------------------------------------------------------------------
    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        with self._lock:
            scripted = self._fails.get(method)
            failure = scripted.pop(0) if scripted else None
        if failure is not None:
            status, answer = self._failure(failure)
            self._record(method, params, status)
            return status, answer
        if method == "getUpdates":
            result = self._get_updates(params)
            self._record(method, params, 200)
            return 200, {"ok": True, "result": result}
        if method == "getMe":
            result: Any = BOT_USER
        elif method == "sendMessage":
            result = self._send_message(params)
        elif method == "editMessageText":
            status, answer = self._edit_message(params)
            self._record(method, params, status)
            return status, answer
        elif method == "answerCallbackQuery":
            with self._lock:
                self._answers.append(dict(params))
            result = True
        else:
            result = True
        self._record(method, params, 200)
        return 200, {"ok": True, "result": result}

    def _failure(self, failure: dict) -> tuple[int, dict]:
        status = failure["status"]
        if status == "timeout":
            time.sleep(failure["delay"] or 5)
            return 504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
        if failure["delay"]:
            time.sleep(failure["delay"])
        status = int(status)
        descriptions = {
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            429: "Too Many Requests: retry after {}",
        }
        description = failure["description"] or descriptions.get(status, "Internal Server Error")
        body: dict[str, Any] = {
            "ok": False,
            "error_code": status,
            "description": description.format(failure["retry_after"]),
        }
        if status == 429:
            body["parameters"] = {"retry_after": failure["retry_after"] or 1}
        return status, body

    def _record(self, method: str, params: dict, status: int) -> None:
        with self._lock:
            self._calls.append({"method": method, "params": params, "status": status})
            self._lock.notify_all()

    def _edit_message(self, params: dict) -> tuple[int, dict]:
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        text = params.get("text", "")
        with self._lock:
            if key not in self._texts:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}
            if self._texts[key] == text and not params.get("reply_markup"):
                description = "Bad Request: message is not modified"
                return 400, {"ok": False, "error_code": 400, "description": description}
            self._texts[key] = text
            self._edits.append({**params, "chat_id": key[0], "message_id": key[1], "at": time.time()})
        message = {"message_id": key[1], "date": int(time.time()), "chat": {"id": key[0], "type": "private"}}
        return 200, {"ok": True, "result": {**message, "text": text, "from": BOT_USER}}

    def _send_message(self, params: dict) -> dict:
        chat_id = int(params.get("chat_id", 0))
        with self._lock:
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": params.get("text", ""),
                "from": BOT_USER,
            }
            self._texts[(chat_id, message["message_id"])] = message["text"]
            recorded = {**params, "chat_id": chat_id, "message_id": message["message_id"], "at": time.time()}
            if isinstance(recorded.get("reply_markup"), str):  # form or query-string callers send JSON text
                recorded["reply_markup"] = json.loads(recorded["reply_markup"])
            self._messages.append(recorded)
            self._lock.notify_all()
        return message

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            if offset == -1:
                self._updates[:] = self._updates[-1:]
            elif offset:
                self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._lock.wait(min(0.2, max(0.0, deadline - time.monotonic())))
            return [dict(u) for u in self._updates[:limit]]

    def control(self, verb: str, path: str, body: Any) -> tuple[int, Any]:
        if verb == "GET" and path == "messages":
            return 200, self.messages()
        if verb == "GET" and path == "calls":
            return 200, self.calls()
        if verb == "GET" and path == "edits":
            return 200, self.edits()
        if verb == "GET" and path == "answers":
            return 200, self.answers()
        if verb == "POST" and path == "updates":
            return 200, self.push_update(body)
        if verb == "POST" and path == "fail":
            body = dict(body or {})
            self.fail(body.pop("method"), body.pop("status"), **body)
            return 200, {"ok": True}
        if verb == "POST" and path == "reset":
            self.reset()
            return 200, {"ok": True}
        return 404, {"ok": False, "description": "unknown control endpoint"}


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002  (quiet: tests read the calls instead)
            pass

        def _body(self) -> tuple[dict, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if not raw:
                return {}, None
            if kind == "application/json":
                data = json.loads(raw)
                return (data if isinstance(data, dict) else {}), data
            if kind == "application/x-www-form-urlencoded":
                return dict(parse_qsl(raw.decode())), None
            if kind == "multipart/form-data":
                return _multipart(raw, self.headers.get("Content-Type", "")), None
            return {}, None

        def _reply(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _dispatch(self, verb: str) -> None:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query))
            fields, raw_json = self._body()
            segments = parts.path.strip("/").split("/")
            try:
                if segments[0] == "_control" and len(segments) == 2:
                    self._reply(*fake.control(verb, segments[1], raw_json))
                elif len(segments) == 2 and segments[0].startswith("bot"):
                    self._reply(*fake.handle(segments[1], {**params, **fields}))
                else:
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self):  # noqa: N802
            self._dispatch("GET")

        def do_POST(self):  # noqa: N802
            self._dispatch("POST")

    return Handler


def _multipart(raw: bytes, content_type: str) -> dict:
    from email.parser import BytesParser
    from email.policy import default

    message = BytesParser(policy=default).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    return {part.get_param("name", header="content-disposition"): part.get_content() for part in message.iter_parts()}


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    fake = FakeTelegram(args.host, args.port)
    print(f"fake telegram on {fake.url}", flush=True)
    try:
        fake.server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        fake.server.server_close()


if __name__ == "__main__":
    main()
