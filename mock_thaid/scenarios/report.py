"""Console lines and JUnit XML for scenario runs."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from .runner import Outcome


def line(o: Outcome) -> str:
    head = f"{'PASS' if o.passed else 'FAIL'}  {o.scenario.name}  ({o.seconds:.2f} s)  [{o.scenario.path.name}]"
    return head if o.passed else head + "".join(f"\n      - {f}" for f in o.failures)


def summary(outcomes: list[Outcome], seconds: float) -> str:
    passed = sum(o.passed for o in outcomes)
    return f"{passed} passed, {len(outcomes) - passed} failed in {seconds:.2f} s"


def junit(outcomes: list[Outcome], path: str | Path, seconds: float) -> None:
    suite = ET.Element("testsuite", name="thaid-scenarios", tests=str(len(outcomes)),
                       failures=str(sum(not o.passed for o in outcomes)), time=f"{seconds:.3f}")
    for o in outcomes:
        case = ET.SubElement(suite, "testcase", classname=o.scenario.path.stem, name=o.scenario.name,
                             time=f"{o.seconds:.3f}")
        if not o.passed:
            fail = ET.SubElement(case, "failure", message=o.failures[0])
            fail.text = "\n".join(o.failures) + f"\nfinal URL: {o.final_url}\nstatus: {o.status}"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
