"""The sandbox's shipped data, read by the mock and the LHR demo alike (data only, no code
they share): the synthetic population register (``citizens.yaml``), the demo relying parties
(``clients.yaml``), the TEST-ONLY signing keys (``keys/``) and the YAML scenarios with their
schema (``scenarios/``).

In a checkout, ``data/``, ``keys/`` and ``scenarios/`` at the top level are links to this
folder, so developers edit one copy; a wheel carries the same files as package data.
``mock-thaid init DIR`` writes editable copies for a team to customise.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: The files ``mock-thaid init`` copies (relative to this package).
EDITABLE = ("citizens.yaml", "clients.yaml", "scenarios")


def path(*parts: str) -> Path:
    """A shipped file or folder on disk (wheels install unzipped, so this is a real path)."""
    return Path(str(files(__name__).joinpath(*parts)))
