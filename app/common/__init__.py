"""Pieces every domain shares: base schemas, pagination, time helpers."""
