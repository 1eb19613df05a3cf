"""Robustness tests (issue 8 items 2 and 3): concurrency against a multi-worker mock, and
crash safety of the mock and the LHR demo under a real SIGKILL. Servers are subprocesses on
127.0.0.1 with their own temporary SQLite files."""
from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # for robust_helpers (appended: tests/conftest.py stays "conftest")
    sys.path.append(HERE)
