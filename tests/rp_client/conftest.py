"""rp_client tests: fixtures for in-process, live and forged-token providers.

The ``thaid_mock`` fixture comes from ``rp_client.pytest_plugin``. It is registered here
in ``pytest_configure`` rather than with ``pytest_plugins = [...]``: pytest refuses
``pytest_plugins`` in a conftest below the rootdir as soon as the whole ``tests/`` folder
is collected ("Defining 'pytest_plugins' in a non-top-level conftest is no longer
supported"). Once ``[project.entry-points.pytest11] thaid = "rp_client.pytest_plugin"``
is installed, the entry point is found first and this registration does nothing.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(HERE) not in sys.path:  # rp_testkit; appended so that `conftest` stays tests/conftest.py
    sys.path.append(str(HERE))


def _repair_shadowed_package() -> None:
    """With ``pythonpath = ["tests"]`` and no repo root on sys.path, ``import rp_client``
    resolves to THIS folder as a namespace package (rp_client/__init__.py never runs; the
    submodules still load through the editable install). Re-execute the real package's
    ``__init__`` in place, keeping the submodules already loaded (same classes)."""
    module = sys.modules.get("rp_client")
    if module is None or getattr(module, "__file__", None):
        return
    init = ROOT / "rp_client" / "__init__.py"
    spec = importlib.util.spec_from_file_location("rp_client", init, submodule_search_locations=[str(init.parent)])
    assert spec is not None and spec.loader is not None
    real = importlib.util.module_from_spec(spec)
    sys.modules["rp_client"] = real
    spec.loader.exec_module(real)


_repair_shadowed_package()

import pytest  # noqa: E402

PLUGIN = "rp_client.pytest_plugin"


def pytest_configure(config: pytest.Config) -> None:
    pm = config.pluginmanager
    if pm.has_plugin("thaid") or pm.has_plugin(PLUGIN):
        return
    if PLUGIN in sys.modules:  # imported already (e.g. by another conftest): register it as is
        pm.register(sys.modules[PLUGIN], PLUGIN)
    else:
        pm.import_plugin(PLUGIN)


@pytest.fixture
def clock():
    from rp_testkit import FakeClock

    return FakeClock()
