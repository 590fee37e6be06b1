"""Teams models."""
