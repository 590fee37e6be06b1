"""Realtime events, below the domains: publishing to Redis pub/sub channels, and who is online.

Domains publish through here; the WebSocket interface (`app.realtime`) relays the channels to sockets.
"""
