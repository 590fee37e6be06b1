"""Atomic Habits: habits, their rules, completions and reminders."""
