"""Password hashing (Argon2id) and strength rules equivalent to Django's default validators."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import gevent
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from gevent import monkey

MIN_LENGTH = 8
MAX_LENGTH = 128
MAX_SIMILARITY = 0.7
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")
T = TypeVar("T")


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return _hasher(cfg["PASSWORD_HASH_TIME_COST"], cfg["PASSWORD_HASH_MEMORY_KIB"])


def off_the_loop(fn: Callable[..., T], *args) -> T:
    """Run CPU-bound C code (Argon2) where it does not freeze the worker.

    Argon2 never yields: under gunicorn's gevent worker one hash would stall every connection of the
    process for its whole duration. There it runs in gevent's threadpool (a real OS thread; the hub keeps
    serving the other greenlets). Under threaded servers the calling thread is already a thread of its own.
    """
    if monkey.is_module_patched("threading"):
        return gevent.get_hub().threadpool.apply(fn, args)
    return fn(*args)


def hash_password(password: str) -> str:
    return off_the_loop(hasher().hash, password)


def _verify(ph: PasswordHasher, password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so a missing user or password does not show in timing.
        ph.hash(password)
        return False
    try:
        return ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str | None, password: str) -> bool:
    return off_the_loop(_verify, hasher(), password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def _too_similar(password: str, value: str) -> bool:
    value = value.lower()
    parts = [value, *re.split(r"\W+", value)]
    pw = password.lower()
    for part in parts:
        if len(part) < 3:
            continue
        if SequenceMatcher(a=pw, b=part).quick_ratio() >= MAX_SIMILARITY:
            return True
    return False


def password_problems(
    password: str, *, username: str = "", email: str = "", first_name: str = "", last_name: str = ""
) -> list[str]:
    """Every reason the password is weak, in Django's wording; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"This password is too short. It must contain at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"This password is too long. It must contain at most {MAX_LENGTH} characters.")
    if password.isdigit():
        problems.append("This password is entirely numeric.")
    if password.lower().strip() in common_passwords():
        problems.append("This password is too common.")
    for label, value in (
        ("username", username),
        ("email address", email),
        ("first name", first_name),
        ("last name", last_name),
    ):
        if value and _too_similar(password, value):
            problems.append(f"The password is too similar to the {label}.")
            break
    return problems
