"""Signals other domains subscribe to, so that auth does not import them."""

from blinker import Namespace

_signals = Namespace()

#: Sent with the new `user` inside the signup transaction (goals creates the personal board).
user_created = _signals.signal("user-created")

#: Sent with the `user` when a profile update changed their time zone (habits move their reminders).
timezone_changed = _signals.signal("timezone-changed")
