"""The trainer's class handout (issue 14's trainer's kit), printed by a real Chromium: one A4
portrait page, every table inside the text width, headers legible, in Thai; and on a phone
the page itself does not scroll sideways.

The picture of the printed page goes to docs/screenshots/trainer-handout-a4.png.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import start_live

pytestmark = pytest.mark.live

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
A4_WIDTH_PX = 210 / 25.4 * 96
TEXT_WIDTH_PX = A4_WIDTH_PX - 2 * 9 / 25.4 * 96  # the handout's @page margin is 9 mm
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

FIT_JS = """(limit) => {
  const out = [];
  for (const el of document.querySelectorAll('#handout table, #handout img, #handout section, #handout p')) {
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > limit + 0.5 || r.left < -0.5))
      out.push(`${el.tagName.toLowerCase()}#${el.id}: ${r.left.toFixed(1)}-${r.right.toFixed(1)} px > ${limit.toFixed(1)}`);
  }
  for (const th of document.querySelectorAll('#handout th'))
    if (th.scrollWidth > th.clientWidth + 1) out.push(`header ${JSON.stringify(th.innerText)} overflows its cell`);
  return out;
}"""


@pytest.fixture
def live():
    server = start_live(public_url="http://192.0.2.10:8000")
    try:
        yield server
    finally:
        server.close()


def test_the_handout_prints_on_one_a4_page_in_thai(live, new_device):
    d = new_device(viewport={"width": int(TEXT_WIDTH_PX), "height": 1100})
    d.page.goto(live.url + "/_mock/trainer/handout")
    d.page.emulate_media(media="print")
    problems = d.page.evaluate(FIT_JS, int(TEXT_WIDTH_PX))
    text = d.page.evaluate("() => document.body.innerText")
    assert "เอกสารประกอบการฝึกอบรม" in text and "http://192.0.2.10:8000/app/" in text
    assert "พิมพ์" not in d.page.locator(".handout-tools").inner_text() or not d.page.locator(".handout-tools").is_visible()
    assert not ISO_DATE.search(text), "an ISO date on the printed handout"
    for code in ("face_mismatch", "liveness_fail", "card_expired", "fingerprint_mismatch", "happy"):
        assert code not in text
    pdf = d.page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    boxes = {tuple(round(float(v)) for v in b.split()) for b in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)}
    assert problems == [], "\n".join(problems)
    assert pages == 1, f"the handout prints on {pages} pages"
    assert boxes == {(0, 0, 595, 842)}, f"not A4 portrait: {boxes}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    d.page.screenshot(path=str(SHOTS / "trainer-handout-a4.png"), full_page=True)
    assert d.errors == []


def test_the_handout_and_the_console_fit_a_phone(live, new_device):
    d = new_device(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for path in ("/_mock/trainer/handout", "/_mock/trainer/handout?lang=en", "/_mock/trainer/"):
        d.page.goto(live.url + path)
        wide = d.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{path} scrolls sideways on a phone: {wide}"
    d.page.goto(live.url + "/_mock/trainer/?lang=th")  # the language is remembered: back to Thai
    d.page.click("#handout-link")
    assert d.page.url.endswith("/_mock/trainer/handout?lang=th")
    assert d.page.locator("#handout-plan [data-kind]").count() == 34
    assert d.errors == []
