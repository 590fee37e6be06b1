"""Goals models."""
