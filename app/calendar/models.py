"""Calendar models."""
