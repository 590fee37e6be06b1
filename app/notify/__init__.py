"""Delivery, below the domains: the Telegram client, chat links and codes, `send_to_user`, message texts.

Domains call it to reach a person; it imports no domain (only `auth.models.User` for the link's owner).
"""
