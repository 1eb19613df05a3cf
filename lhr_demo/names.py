"""Invented name parts (lhr_demo/data/names.yaml), loaded once."""
from __future__ import annotations

from pathlib import Path

import yaml

NAMES: dict[str, list[list[str]]] = yaml.safe_load((Path(__file__).parent / "data" / "names.yaml").read_text("utf-8"))
