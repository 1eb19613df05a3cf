"""13-digit citizen ID checksum, formatting and masking (pure; the LHR demo's own copy).

check digit = (11 - sum(d[i] * (13 - i) for i in 0..11) mod 11) mod 10.
"""
from __future__ import annotations

import random


def check_digit(first12: str) -> int:
    return (11 - sum(int(c) * (13 - i) for i, c in enumerate(first12)) % 11) % 10


def is_valid(pid: str) -> bool:
    return (isinstance(pid, str) and len(pid) == 13 and pid.isascii() and pid.isdigit()
            and pid[0] != "0" and check_digit(pid[:12]) == int(pid[12]))


def generate(rng: random.Random, first: str | None = None) -> str:
    head = first or rng.choice("1133358")
    body = head + "".join(rng.choice("0123456789") for _ in range(11))
    return body + str(check_digit(body))


def format_pid(pid: str) -> str:
    return f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"


def mask_pid(pid: str) -> str:
    """``1-2345-xxxxx-xx-1``: for lists, logs and screens other than the owner's own."""
    return f"{pid[0]}-{pid[1:5]}-xxxxx-xx-{pid[12]}"
