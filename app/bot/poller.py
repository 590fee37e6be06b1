"""The bot's long-polling loop around `bot.get_updates` / `handle_update` (not `infinity_polling`).

* 409 from getUpdates (another process polls with the same token) and 401/404 (bad token) are fatal:
  the loop returns a non-zero exit code instead of retrying forever; the process supervisor decides.
* 429 waits `retry_after`; 5xx, timeouts and connection errors back off exponentially (capped), so a
  network fault or a stalled request (every request has a read timeout) ends in a retry, never a deaf bot.
* Every answer from Telegram (getMe, each getUpdates, each handled update) refreshes the heartbeat
  (`app.bot.liveness`): a bot that has never reached Telegram reads `unknown`, a hung or cut-off one `stale`.
* Stopping: `stop` is set by SIGTERM/SIGINT. A long poll in progress is interrupted at once (`Interrupted`
  raised by the signal handler); an update being handled is finished first.
* Updates are handled one at a time, in order; the offset moves past each one only once it is handled, so
  an interrupted batch is delivered again and `handle_update` skips the ids already done.
"""

from __future__ import annotations

import logging
import threading

import requests
import telebot
from flask import Flask
from telebot import apihelper
from telebot.apihelper import ApiException, ApiTelegramException

from app.bot import liveness
from app.bot.handlers import handle_update, register_handlers
from app.notify.client import remember_bot_username

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_CONFLICT = 3  # another poller holds the token
EXIT_BAD_TOKEN = 4
MAX_BACKOFF = 60.0


class Interrupted(BaseException):
    """Raised by the signal handler to break out of a long poll (BaseException: no broad handler eats it)."""


def build_bot(app: Flask) -> telebot.TeleBot:
    cfg = app.config
    apihelper.API_URL = cfg["TELEGRAM_API_URL"] + "/bot{0}/{1}"
    apihelper.CONNECT_TIMEOUT = max(1, int(cfg["TELEGRAM_TIMEOUT"]))
    apihelper.READ_TIMEOUT = max(1, int(cfg["TELEGRAM_TIMEOUT"]))
    apihelper.RETRY_ON_ERROR = False  # the loop below retries, with backoff and a heartbeat
    bot = telebot.TeleBot(cfg["TELEGRAM_BOT_TOKEN"], threaded=False, parse_mode=None)
    register_handlers(bot)
    return bot


class Poller:
    def __init__(self, app: Flask, bot: telebot.TeleBot) -> None:
        self.app = app
        self.bot = bot
        self.stop = threading.Event()
        self.in_poll = False
        self.poll_timeout = max(0, int(app.config["BOT_POLL_TIMEOUT"]))
        self.backoff = max(0.05, float(app.config["TELEGRAM_BACKOFF_SECONDS"]))

    def request_stop(self, *_args) -> None:
        """Signal handler: stop after the current update; abandon a long poll at once."""
        self.stop.set()
        if self.in_poll:
            raise Interrupted()

    def _beat(self) -> None:
        """The heartbeat, and the bot's @username kept in Redis: web requests read it from there instead of
        calling getMe themselves (POST /api/v1/bot/link-token)."""
        with self.app.app_context():
            liveness.beat()
            user = getattr(self.bot, "_user", None)
            if user is not None:
                try:
                    remember_bot_username(user.username)
                except Exception as exc:  # noqa: BLE001  (a cache miss costs a web request one getMe)
                    log.warning("bot username: redis unavailable (%s)", exc.__class__.__name__)

    def _delay(self, failures: int) -> float:
        return min(MAX_BACKOFF, self.backoff * 2 ** min(failures, 10))

    def run(self) -> int:
        offset: int | None = None
        failures = 0
        while not self.stop.is_set():
            try:
                self.in_poll = True
                try:
                    if not getattr(self.bot, "_user", None):
                        self.bot._user = self.bot.get_me()
                        log.info("polling as @%s", self.bot._user.username)
                        self._beat()
                    updates = self.bot.get_updates(
                        offset=offset, timeout=self.poll_timeout + 10, long_polling_timeout=self.poll_timeout
                    )
                finally:
                    self.in_poll = False
                failures = 0
                self._beat()
            except Interrupted:
                break
            except ApiTelegramException as exc:
                if exc.error_code == 409:
                    log.error("getUpdates conflict (409): another bot process polls with this token; exiting")
                    return EXIT_CONFLICT
                if exc.error_code in (401, 404):
                    log.error("Telegram rejected the bot token (%s); exiting", exc.error_code)
                    return EXIT_BAD_TOKEN
                params = (exc.result_json or {}).get("parameters") or {}
                delay = float(params.get("retry_after") or 0) if exc.error_code == 429 else 0
                delay = min(MAX_BACKOFF, delay) if delay else self._delay(failures)
                failures += 1
                log.warning("getUpdates failed with %s; retrying in %.1fs", exc.error_code, delay)
                self.stop.wait(delay)
                continue
            except (requests.RequestException, ApiException, ValueError) as exc:
                # never the exception text: requests puts the URL, and so the token, into it
                delay = self._delay(failures)
                failures += 1
                log.warning("getUpdates failed (%s); retrying in %.1fs", exc.__class__.__name__, delay)
                self.stop.wait(delay)
                continue
            for update in updates:
                try:
                    handle_update(self.app, self.bot, update)
                except Exception:  # noqa: BLE001  (last resort: one bad update never stops the bot)
                    log.exception("update %s could not be handled", update.update_id)
                offset = update.update_id + 1
                self._beat()
                if self.stop.is_set():
                    break
        log.info("bot stopped")
        return EXIT_OK
