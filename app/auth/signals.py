"""Signals other domains listen to, so that auth does not import them.

Listeners are connected in one place, `app.wiring.connect_signals` (called by `create_app`).
"""

from blinker import Namespace

_signals = Namespace()

#: Sent with the new `user` inside the signup transaction.
#: Listener: `app.goals.services.create_personal_board` (every account starts with a board of its own).
user_created = _signals.signal("user-created")

#: Sent with the `user` when a profile update changed their time zone.
#: Listener: `app.habits.services.follow_new_timezone` (reminders keep their local wall-clock time).
timezone_changed = _signals.signal("timezone-changed")

#: Sent once per process with `user_id` (a bind parameter); each listener returns `(field, expression, shape)`:
#: a SQL scalar expression about the user whose id that parameter holds, and how its value becomes the field.
#: Every listener's expression goes into one SELECT, compiled once, so a profile costs one prepared query whoever
#: adds to it (`app.auth.services.profile`).
#: Listeners: `app.calendar.services.feed_status` (`calendar_feed: {active}`), `app.notify.linking.telegram_status`
#: (`telegram: {linked, username}`).
profile_shown = _signals.signal("profile-shown")

#: Sent with `user_id` inside the transaction that revoked sessions of that user (logout, password change,
#: deactivation, refresh-token reuse). Listener: `app.events.control.recheck_sockets_after_commit` (open
#: sockets re-check their session on every web process once the change is committed).
sessions_revoked = _signals.signal("sessions-revoked")
