"""Strict JSON for everything a provider sends (HTTP bodies, a JWS header and payload).

Python's ``json`` accepts more than RFC 8259 JSON, and each extra is a way in for a
hostile provider: ``NaN`` and ``Infinity`` (an ``exp`` that never compares as past),
``1e999`` (a float that is infinite), repeated member names (two parsers, two different
``sub``), lone surrogates such as ``"\\ud800"`` (a ``str`` that cannot be encoded again),
nesting deep enough to exhaust the stack. :func:`loads` refuses all of them with
:class:`JSONRejected` (a ``ValueError``); callers turn that into their own ``ThaiDError``.
"""
from __future__ import annotations

import json
import math
from typing import Any

#: Deeper than any document a provider has a reason to send (an address object is depth 3).
MAX_DEPTH = 32


class JSONRejected(ValueError):
    """The text is not strict JSON (the message says why); never leaves rp_client."""


def _constant(name: str) -> Any:
    raise JSONRejected(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRejected(f"the number {text[:40]} is out of range")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise JSONRejected("an object repeats a member name")
    return obj


def loads(data: bytes | str) -> Any:
    """Parse strict JSON (UTF-8, no BOM games) or raise :class:`JSONRejected`."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        value = json.loads(text, parse_constant=_constant, parse_float=_finite, object_pairs_hook=_object)
    except JSONRejected:
        raise
    except (ValueError, RecursionError, TypeError) as e:  # JSONDecodeError, UnicodeDecodeError, int digits
        raise JSONRejected(f"not JSON: {e.__class__.__name__}") from None
    _check_tree(value)
    return value


def loads_object(data: bytes | str) -> dict[str, Any]:
    """:func:`loads`, and the value must be an object."""
    value = loads(data)
    if not isinstance(value, dict):
        raise JSONRejected("not a JSON object")
    return value


def _check_tree(value: Any) -> None:
    """Depth at most MAX_DEPTH and every string valid Unicode (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _text(item)
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise JSONRejected(f"nested deeper than {MAX_DEPTH}")
            if isinstance(item, dict):
                for key, child in item.items():
                    _text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _text(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONRejected("a string holds a lone surrogate (not Unicode text)") from None
