"""Telegram bot process (Procfile `bot`): long polling against TELEGRAM_API_URL.

Exit codes: 0 after SIGTERM/SIGINT, 2 without TELEGRAM_BOT_TOKEN, 3 when another process polls with the
same token (409), 4 when Telegram rejects the token, 5 when DATABASE_URL / REDIS_URL name another kind of
server (the message says which). The supervisor (compose `restart:`) restarts it.
"""

from __future__ import annotations

import logging
import os
import signal
import time

os.environ["TZ"] = "UTC"
time.tzset()

from app import create_app  # noqa: E402  (after TZ is fixed)
from app.bot.poller import Poller, build_bot  # noqa: E402
from app.config import refuse_to_start  # noqa: E402

log = logging.getLogger("bot")


def main() -> int:
    with refuse_to_start(exit_code=5):
        app = create_app()
    if not app.config["TELEGRAM_BOT_TOKEN"]:
        log.error("TELEGRAM_BOT_TOKEN is not set: the bot cannot start (get a token from @BotFather)")
        return 2
    poller = Poller(app, build_bot(app))
    signal.signal(signal.SIGTERM, poller.request_stop)
    signal.signal(signal.SIGINT, poller.request_stop)
    return poller.run()


if __name__ == "__main__":
    raise SystemExit(main())
