"""Load scenario files and validate them (unknown keys are rejected)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

import thaid_sandbox_data

SCHEMA_PATH = thaid_sandbox_data.path("scenarios", "schema.json")


@dataclass(frozen=True)
class Scenario:
    path: Path
    data: dict

    @property
    def name(self) -> str:
        return self.data["name"]


class ScenarioError(Exception):
    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


SHIPPED = {"mock": "mock-*.y*ml", "lhr": "lhr-*.y*ml", "all": "*.y*ml"}
"""The scenarios shipped with the package: ``mock-*`` drive the mock alone, ``lhr-*`` the LHR demo."""


def shipped(kind: str) -> list[Path]:
    """The shipped scenario files of one kind (``mock``, ``lhr`` or ``all``), sorted."""
    return sorted(thaid_sandbox_data.path("scenarios").glob(SHIPPED[kind]))


def expand(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.glob("*.y*ml")))
        elif p.exists():
            out.append(p)
        else:
            raise ScenarioError(p, "no such file or folder")
    return out


def load(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ScenarioError(path, f"not valid YAML: {e}") from None
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(x) for x in e.absolute_path) or "(top level)"
        msg = e.message
        if e.validator == "oneOf" and not e.absolute_path:
            msg = "a scenario needs exactly one of 'rp' (drive a relying party) or 'mock' (drive the mock)"
        raise ScenarioError(path, f"{where}: {msg}")
    return Scenario(path, data)
