"""Telegram bot entry point (long polling)."""

import sys

print("bot: not yet available (arrives with the Telegram bot issue)", file=sys.stderr)
sys.exit(0)
