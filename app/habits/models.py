"""Habits models."""
