"""Reflection text of realistic length, composed from paragraphs rendered once.

Markdown renders paragraphs separated by a blank line one by one, joined by a newline, so the
HTML of a composed text is the joined HTML of its paragraphs: what ``render_markdown`` would
give for the whole text (``tests/web/test_query_budgets.py`` checks a sample).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from peeredu.markup import render_markdown
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.drafts import word_count

WORDS = (
    "jeg du vi de hun han borgeren kollegaen lederen gruppen teamet afdelingen samtalen mødet "
    "vagten hverdagen erfaringen historien relationen grænsen håbet modet ansvaret tilliden "
    "fællesskabet netværket arbejdspladsen recovery peer-støtte støtte lytte fortælle mærke "
    "tænke spørge dele vente forstå hjælpe undre bruge vælge finde tale skrive huske lære "
    "prøve give tage sige se mødes blive have være gøre kunne ville skulle måtte turde "
    "og men for at der som når hvis fordi selv om efter før under med uden mellem over "
    "ikke også altid aldrig ofte sommetider igen stadig lidt meget mere mindre godt svært "
    "stille roligt ærligt konkret nyt gammelt egen egne andres næste første sidste hele "
    "dag uge måned år morgen aften pause kaffe telefon dør bord stol vindue plan aftale "
    "tanke følelse ro uro glæde sorg vrede frygt lettelse stolthed skam nysgerrighed "
    "mening retning skridt vej rolle plads stemme valg mulighed grund forskel balance"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(7, 16))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


@dataclass(frozen=True)
class Fragment:
    source: str
    html: str
    words: int


class TextPool:
    """Paragraphs rendered once; texts composed from them render to the joined fragments."""

    def __init__(self, rng: random.Random, size: int = 300) -> None:
        self.paragraphs = [self._fragment(_paragraph(rng)) for _ in range(size)]
        self._headings: dict[str, Fragment] = {}

    @staticmethod
    def _fragment(source: str) -> Fragment:
        return Fragment(source, render_markdown(source), word_count(source))

    def heading(self, label: str) -> Fragment:
        if label not in self._headings:
            self._headings[label] = self._fragment(f"### {label}")
        return self._headings[label]

    def pick(self, rng: random.Random, words: int) -> list[Fragment]:
        picked: list[Fragment] = []
        total = 0
        while total < words:
            fragment = rng.choice(self.paragraphs)
            picked.append(fragment)
            total += fragment.words
        return picked


@dataclass(frozen=True)
class Composed:
    text: str  # as reflections.services.compose makes it
    fields: dict[str, str]
    html: str
    words: int


def _joined(parts: Sequence[Fragment]) -> Composed:
    """Paragraphs as one free text."""
    return Composed(
        text="\n\n".join(p.source for p in parts),
        fields={},
        html="\n".join(p.html for p in parts),
        words=sum(p.words for p in parts),
    )


def compose_text(pool: TextPool, rng: random.Random, assignment: Assignment) -> Composed:
    """A reflection of realistic length for ``assignment``, source and sanitised HTML."""
    target = max(200, min(800, assignment.min_words + rng.randint(10, 250)))
    if not assignment.guided:
        return _joined(pool.pick(rng, target))
    per_field = target // len(assignment.fields) + 1
    sources, htmls, fields, words = [], [], {}, 0
    for field in assignment.fields:
        value = _joined(pool.pick(rng, per_field))
        heading = pool.heading(field.label)
        fields[field.key] = value.text
        sources.append(f"### {field.label}\n\n{value.text}")
        htmls += [heading.html, value.html]
        words += heading.words + value.words
    return Composed("\n\n".join(sources), fields, "\n".join(htmls), words)


def extended(composed: Composed, addition: Sequence[Fragment], assignment: Assignment) -> Composed:
    """``composed`` with ``addition`` at its end (of its last field, for a guided assignment)."""
    more = _joined(addition)
    fields: dict[str, str] = {}
    if assignment.guided:
        last = assignment.fields[-1].key
        fields = {**composed.fields, last: composed.fields[last] + "\n\n" + more.text}
    return Composed(
        text=composed.text + "\n\n" + more.text,
        fields=fields,
        html=composed.html + "\n" + more.html,
        words=composed.words + more.words,
    )
