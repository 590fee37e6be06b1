"""Accounts, tokens and the profile."""
