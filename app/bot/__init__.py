"""The Telegram bot, an interface above the domains: handlers, the polling loop, conversation state, liveness."""
