"""Small fake servers for services this project talks to (Telegram Bot API, VK), for tests and demos."""
