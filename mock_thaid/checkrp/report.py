"""The report card: console lines, JUnit XML, and one HTML page in Thai and English (the
language asked for first), dated in Asia/Bangkok and laid out for A4."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from . import texts
from .context import ERROR, FAILED, NA, PASSED, Result
from .rows import GROUP_ORDER, groups

try:
    from zoneinfo import ZoneInfo

    BANGKOK: dt.tzinfo = ZoneInfo("Asia/Bangkok")
except Exception:  # no tz database: Thailand has no daylight saving time
    BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")

THAI_MONTHS = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
MARK = {PASSED: "PASS", FAILED: "FAIL", NA: "N/A ", ERROR: "ERR "}


@dataclass
class Run:
    rp: str
    start: str
    mock: str
    client_id: str
    persona: str
    profile: str
    started: dt.datetime
    seconds: float
    results: list[Result]
    driver: str = "http"
    """http (a headless person over HTTP) or browser (Chromium)."""

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def ok(self) -> bool:
        return not any(r.status in (FAILED, ERROR) for r in self.results)


def when(moment: dt.datetime, lang: str) -> str:
    t = moment.astimezone(BANGKOK)
    if lang == "th":
        return f"{t.day} {THAI_MONTHS[t.month - 1]} {t.year + 543} เวลา {t:%H:%M:%S} น. (เวลาประเทศไทย)"
    return f"{t.day} {t:%b} {t.year}, {t:%H:%M:%S} (Asia/Bangkok, UTC+7)"


def format_pid(pid: str) -> str:
    return f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}" if len(pid) == 13 else pid


def _values(r: Result) -> dict:
    return {"answer": r.row.removeprefix("token_"), **r.values}


def row_text(r: Result) -> texts.RowText:
    return texts.row(r.row, _values(r))


def na_reason(r: Result) -> texts.Bilingual | None:
    return texts.reason(r.reason, _values(r)) if r.reason else None


def line(r: Result, lang: str) -> str:
    t = row_text(r)
    head = f"{MARK[r.status]}  {r.row:<32} {t.title[lang]}  ({r.seconds:.2f} s)"
    if r.status == NA:
        return head + f"\n      {na_reason(r)[lang] if r.reason else ''}"
    if r.status in (FAILED, ERROR):
        return head + f"\n      - {r.evidence}" + (f"\n      - expected: {r.expected}" if r.expected else "")
    return head


def summary(run: Run, lang: str) -> str:
    return texts.ui(lang)["summary"].format(passed=run.count(PASSED), failed=run.count(FAILED), na=run.count(NA),
                                            error=run.count(ERROR)) + f" ({run.seconds:.1f} s)"


def junit(run: Run, path: str | Path, lang: str) -> None:
    suite = ET.Element("testsuite", name="thaid-check-rp", tests=str(len(run.results)),
                       failures=str(run.count(FAILED)), errors=str(run.count(ERROR)),
                       skipped=str(run.count(NA)), time=f"{run.seconds:.3f}",
                       timestamp=run.started.astimezone(BANGKOK).isoformat(timespec="seconds"))
    props = ET.SubElement(suite, "properties")
    for k in ("rp", "start", "mock", "client_id"):
        ET.SubElement(props, "property", name=k, value=getattr(run, k))
    grp = groups()
    for r in run.results:
        t = row_text(r)
        case = ET.SubElement(suite, "testcase", classname=f"check-rp.{grp.get(r.row, 'other')}", name=r.row,
                             time=f"{r.seconds:.3f}")
        if r.status == NA:
            ET.SubElement(case, "skipped", message=na_reason(r)[lang] if r.reason else "not applicable")
        elif r.status in (FAILED, ERROR):
            el = ET.SubElement(case, "failure" if r.status == FAILED else "error", message=r.evidence[:300])
            a, b = t.title.first(lang)
            why_a, why_b = t.why.first(lang)
            fix_a, fix_b = t.fix.first(lang)
            el.text = "\n".join([f"{a} / {b}", f"evidence: {r.evidence}", f"expected: {r.expected}", "",
                                 why_a, why_b, "", fix_a, fix_b, "", *(f"{n}: {note}" for n, note in t.libs),
                                 *r.notes])
        if r.status == PASSED or (r.notes and r.status != FAILED):
            ET.SubElement(case, "system-out").text = "\n".join(([r.evidence] if r.status == PASSED else []) + r.notes)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def html(run: Run, path: str | Path, lang: str) -> None:
    other = "en" if lang == "th" else "th"
    env = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                      autoescape=select_autoescape(["html"]))
    grp = groups()
    sections: list[dict] = []
    ordered = sorted(run.results, key=lambda r: GROUP_ORDER.index(grp[r.row]) if r.row in grp else len(GROUP_ORDER))
    for n, r in enumerate(ordered, 1):
        g = grp.get(r.row, "other")
        if not sections or sections[-1]["key"] != g:
            sections.append({"key": g, "name": texts.group(g), "rows": []})
        sections[-1]["rows"].append({"n": n, "r": r, "t": row_text(r), "na": na_reason(r)})
    advice: dict[str, dict] = {}  # failed rows that share a fix are shown under it once
    for s in sections:
        for row in s["rows"]:
            if row["r"].status in (FAILED, ERROR):
                advice.setdefault(row["t"].advice, {"t": row["t"], "rows": []})["rows"].append(row)
    failed = list(advice.values())
    page = env.get_template("report.html").render(
        run=run, lang=lang, other=other, ui=texts.ui(lang), ui2=texts.ui(other), sections=sections,
        failed=failed, when=when(run.started, lang), when2=when(run.started, other),
        persona=format_pid(run.persona), PASSED=PASSED, FAILED=FAILED, NA=NA, ERROR=ERROR)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(page, encoding="utf-8")
