"""Telegram: linking chats to accounts, the sending client, the bot's handlers."""
