"""WebSockets, pub/sub and presence."""
