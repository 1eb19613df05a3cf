"""JSON request bodies of the control and registration APIs, checked against control/openapi.yaml.

The OpenAPI document is the one description of what ``/_mock/...`` accepts: each operation's
``requestBody`` schema (OpenAPI 3.1, i.e. JSON Schema 2020-12) is compiled once with
``jsonschema`` and every JSON body is validated with it, so the document cannot drift from the
code. No Flask here: the routes pass the method, the OpenAPI path template and the parsed body,
and turn a :class:`BodyError` into their own error answer.

Two deliberate tightenings of JSON Schema's types, matching what the routes always accepted:
``integer`` is a JSON integer (``2.0`` and ``true`` are not), and ``number`` is a finite one
that fits a float (no ``NaN``, ``Infinity`` or 400-digit integers, which Python's JSON parser
lets through).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:mock-thaid:openapi"
JSON = "application/json"


@dataclass(frozen=True)
class BodyError(Exception):
    """A body the schema refuses: ``field`` is the dotted path (``params.seconds``; ``""`` for
    the body itself), ``rule`` the JSON Schema keyword broken (``type``, ``enum``,
    ``required``, ...), ``message`` an English sentence naming the field."""

    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return self.message

    @property
    def top(self) -> str:
        """The body's own property the error is about (``params`` for ``params.seconds``)."""
        return self.field.split(".", 1)[0]


# ------------------------------------------------------------------ the document
@lru_cache(maxsize=1)
def spec_text() -> str:
    """openapi.yaml as shipped in the package (works from a wheel, as /_mock/openapi.yaml)."""
    return resources.files(__package__).joinpath("openapi.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def spec() -> dict:
    return yaml.safe_load(spec_text())


def template(rule: str) -> str:
    """A Flask rule (``/_mock/faults/<int:fault_id>``) as an OpenAPI path (``/_mock/faults/{fault_id}``)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _pointer(*parts: str) -> str:
    return "".join("/" + quote(p.replace("~", "~0").replace("/", "~1"), safe="~") for p in parts)


def body_pointer(doc: dict, method: str, path: str) -> str | None:
    """JSON pointer to the operation's JSON requestBody schema; None when it takes no JSON body."""
    op = doc.get("paths", {}).get(path, {}).get(method.lower())
    if op is None:
        raise LookupError(f"{method.upper()} {path} is not in openapi.yaml")
    content = (op.get("requestBody") or {}).get("content") or {}
    if JSON not in content or "schema" not in content[JSON]:
        return None
    return _pointer("paths", path, method.lower(), "requestBody", "content", JSON, "schema")


# ------------------------------------------------------------------ the validator
def _is_integer(_checker, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(_checker, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


BodyValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number}),
)


def _registry(doc: dict) -> Registry:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(doc, default_specification=DRAFT202012))


def compile_body_validator(doc: dict, method: str, path: str):
    """The validator of (method, path)'s JSON body in ``doc``, or None (no JSON body)."""
    pointer = body_pointer(doc, method, path)
    if pointer is None:
        return None
    return BodyValidator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry(doc))


@lru_cache(maxsize=None)
def _validator(method: str, path: str):
    return compile_body_validator(spec(), method.lower(), path)


def check(method: str, path: str, body: Any, *, validator=None) -> Any:
    """``body`` when it matches the operation's schema, else :class:`BodyError` (the most
    relevant error, as ``jsonschema.exceptions.best_match`` picks it). ``validator`` replaces
    the one compiled from the shipped document (tests)."""
    v = validator if validator is not None else _validator(method.lower(), path)
    if v is None:
        raise LookupError(f"{method.upper()} {path} takes no JSON body in openapi.yaml")
    err = best_match(v.iter_errors(body), key=_relevance)
    if err is not None:
        raise explain(err)
    return body


def _relevance(err: ValidationError):
    # best_match prefers shallow errors; among equals, the first property in document order
    return (-len(err.path), err.validator not in ("anyOf", "oneOf"))


# ------------------------------------------------------------------ messages
def _show(value: Any) -> str:
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
               "object": "an object", "array": "a list", "null": "null"}


def explain(err: ValidationError) -> BodyError:
    """One schema error as a BodyError whose message names the field and the rule."""
    path = [str(p) for p in err.absolute_path]
    rule, value = str(err.validator), err.validator_value
    if rule == "required" and isinstance(err.instance, dict):
        missing = [p for p in value if p not in err.instance]
        field = ".".join(path + missing[:1])
        return BodyError(field, rule, f"{field} is required")
    if rule == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list((err.schema.get("properties") or {}))
        extra = sorted(k for k in err.instance if k not in allowed)
        field = ".".join(path + extra[:1])
        return BodyError(field, rule, f"{field} is not allowed (only {', '.join(allowed)})")
    field = ".".join(path)
    name = field or "the body"
    if rule == "type":
        kinds = value if isinstance(value, list) else [value]
        text = f"{name} must be " + " or ".join(_TYPE_WORDS.get(k, k) for k in kinds)
    elif rule == "enum":
        text = f"{name} must be one of " + ", ".join(_show(v) for v in value if v not in ("",))
    elif rule == "const":
        text = f"{name} must be {_show(value)}"
    elif rule in ("minimum", "exclusiveMinimum"):
        text = f"{name} must be {'at least' if rule == 'minimum' else 'more than'} {value}"
    elif rule in ("maximum", "exclusiveMaximum"):
        text = f"{name} must be {'at most' if rule == 'maximum' else 'less than'} {value}"
    elif rule in ("minItems", "minLength") and value == 1:
        text = f"{name} must not be empty"
    elif rule == "minProperties":
        props = list((err.schema.get("properties") or {}))
        text = f"{name} must have at least {value} of: {', '.join(props)}" if props else f"{name} is empty"
    elif rule == "pattern":
        text = f"{name} must match {value}"
    else:
        text = f"{name}: {err.message[:200]}"
    return BodyError(field, rule, text)
