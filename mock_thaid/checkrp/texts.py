"""What the report says about each row (texts.yaml), in the language asked for first."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LANGS = ("th", "en")
LIBRARY_ORDER = ("authlib", "openid_client", "spring", "socialite", "aspnet")


@lru_cache(maxsize=1)
def data() -> dict:
    return yaml.safe_load((Path(__file__).with_name("texts.yaml")).read_text(encoding="utf-8"))


def _fill(text: str, values: dict) -> str:
    """{names} from the run; library notes are never filled (they quote code with braces)."""
    return text.format_map(defaultdict(lambda: "?", values)) if "{" in text else text


@dataclass(frozen=True)
class Bilingual:
    th: str
    en: str

    def first(self, lang: str) -> tuple[str, str]:
        """(the asked-for language, the other one)."""
        return (self.th, self.en) if lang == "th" else (self.en, self.th)

    def __getitem__(self, lang: str) -> str:
        return self.th if lang == "th" else self.en


def _bi(pair: dict | None, values: dict) -> Bilingual | None:
    if not pair:
        return None
    return Bilingual(_fill(pair["th"], values), _fill(pair["en"], values))


@dataclass(frozen=True)
class RowText:
    title: Bilingual
    expect: Bilingual
    why: Bilingual
    fix: Bilingual
    libs: list[tuple[str, str]]
    """(library display name, note)."""
    advice: str
    """Rows with the same advice (their family's fix and notes) share it in the report."""


def row(rid: str, values: dict | None = None) -> RowText:
    d = data()
    values = values or {}
    spec = d["rows"].get(rid) or d["token_error"]
    fam = d["families"].get(spec.get("family", ""), {})
    libs = spec.get("libs") or fam.get("libs") or {}
    return RowText(
        title=_bi(spec["title"], values), expect=_bi(spec["expect"], values), why=_bi(spec["why"], values),
        fix=_bi(spec.get("fix") or fam.get("fix"), values),
        libs=[(d["libraries"][k], libs[k]) for k in LIBRARY_ORDER if k in libs],
        advice=rid if ("fix" in spec or "libs" in spec or not fam) else spec["family"])


def ui(lang: str) -> dict[str, str]:
    return data()["ui"][lang]


def group(name: str) -> Bilingual:
    return _bi(data()["groups"][name], {})


def reason(key: str, values: dict | None = None) -> Bilingual:
    return _bi(data()["reasons"][key], values or {})
