"""One Redis pub/sub listener per web process, fanning messages out to that process's sockets.

A process subscribes once to the pattern `kalendar:rt:*` instead of one Redis connection per socket:
hundreds of sockets cost one connection, and subscribing a new socket never touches Redis. Under
gunicorn's gevent worker `threading` is patched, so the listener and the per-socket queues are greenlets.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict

import redis

from app.events.pubsub import CHANNEL_PREFIX

log = logging.getLogger(__name__)


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[queue.Queue]] = defaultdict(set)
        self._thread: threading.Thread | None = None
        self._url = ""
        self.ready = threading.Event()

    def start(self, redis_url: str) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._url = redis_url
            self._thread = threading.Thread(target=self._run, name="realtime-hub", daemon=True)
            self._thread.start()

    def subscribe(self, channel: str) -> queue.Queue:
        inbox: queue.Queue = queue.Queue(maxsize=1000)
        with self._lock:
            self._subscribers[channel].add(inbox)
        return inbox

    def unsubscribe(self, channel: str, inbox: queue.Queue) -> None:
        with self._lock:
            inboxes = self._subscribers.get(channel)
            if inboxes is not None:
                inboxes.discard(inbox)
                if not inboxes:
                    del self._subscribers[channel]

    def _dispatch(self, channel: str, data: str) -> None:
        with self._lock:
            inboxes = list(self._subscribers.get(channel, ()))
        for inbox in inboxes:
            try:
                inbox.put_nowait(data)
            except queue.Full:
                log.warning("realtime: a slow socket on %s dropped a message", channel)

    def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                client = redis.Redis.from_url(self._url, socket_connect_timeout=2, health_check_interval=30)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(CHANNEL_PREFIX + "*")
                pubsub.get_message(timeout=2.0)  # the psubscribe confirmation: from here on nothing is missed
                self.ready.set()
                backoff = 0.5
                while True:
                    message = pubsub.get_message(timeout=5.0)
                    if message and message["type"] == "pmessage":
                        channel = message["channel"].decode()
                        data = message["data"]
                        self._dispatch(channel, data.decode() if isinstance(data, bytes) else str(data))
            except Exception:  # noqa: BLE001  (Redis restarts must not kill live updates for good)
                self.ready.clear()
                log.warning("realtime: pub/sub listener lost Redis, reconnecting", exc_info=True)
                time.sleep(backoff)
                backoff = min(backoff * 2, 10.0)


hub = Hub()
