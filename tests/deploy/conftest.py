"""tests/deploy: the container files (Dockerfile, docker-compose.yml, deploy/) against the real code."""
from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # for compose_files and compose_local (appended: tests/conftest.py stays "conftest")
    sys.path.append(HERE)
