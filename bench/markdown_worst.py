"""The worst Markdown peeredu accepts: how long it takes to render, and that it stays in budget.

For every pathological pattern (nested brackets, ``[a](`` repeated, ``- `` repeated, deep
quotes, nested emphasis, long tables, backticks, ...) this finds the longest text of that
pattern that ``markup.check_renderable`` accepts (up to the size limit), renders it (best of
three) and reports the time, with the time the pre-scan takes to refuse the next size up.

    .venv/bin/python -m bench.markdown_worst [--limit-ms 100] [--json out.json]

Exits 1 when an accepted text takes longer than ``--limit-ms``, so it can guard a change to the
cost model in ``peeredu/markup.py``. Run by ``make bench-markdown`` (and standalone).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from peeredu import markup

Pattern = Callable[[int], str]

CORPUS: dict[str, Pattern] = {
    "nested brackets [[[x](((": lambda n: "[" * n + "x" + "](" * n,
    "[a]( repeated": lambda n: "[a](" * n,
    "![ repeated": lambda n: "![" * n,
    "unclosed <a": lambda n: "<a " * n,
    "- repeated on one line": lambda n: "- " * n + "x",
    "1. repeated on one line": lambda n: "1. " * n + "x",
    "deep quote >>>": lambda n: ">" * n + " x",
    "quote lines, deeper each": lambda n: "\n".join(">" * (i % 12 + 1) + " x" for i in range(n)),
    "indented list, deeper each": lambda n: "\n".join("    " * (i % 12) + "- x" for i in range(n)),
    "nested emphasis *_*_": lambda n: "*_" * n + "x" + "_*" * n,
    "emphasis *a* repeated": lambda n: "*a* " * n,
    "unclosed emphasis *a": lambda n: "*a " * n,
    "strong **a** repeated": lambda n: "**a** " * n,
    "backtick runs of growing length": lambda n: "".join(
        "`" * (k % 50 + 1) + "a " for k in range(n)
    ),
    "backticks ` repeated": lambda n: "` " * n,
    "escapes \\[ repeated": lambda n: "\\[" * n,
    "entities &# repeated": lambda n: "&#1" * n,
    "long table": lambda n: "|a|b|\n|-|-|\n" + "|x|y|\n" * n,
    "short paragraphs": lambda n: "hej\n\n" * n,
    "list items": lambda n: "- a\n" * n,
    "headings": lambda n: "# a\n" * n,
    "links [a](http://x)": lambda n: "[a](http://x.dk) " * n,
    "a formatted reflection": lambda n: "\n\n".join(
        [
            "### Overskrift",
            "Jeg tænkte over, hvad *borgeren* sagde, og over **min egen erfaring** "
            "[se her](https://x.dk/a). " * 10,
            "- punkt et\n- punkt to\n  - under",
            "> citat fra min logbog",
        ]
        * n
    ),
    "prose": lambda n: "Jeg tænkte over det, borgeren sagde, og over min egen erfaring. " * n,
}


def accepted(text: str) -> bool:
    try:
        markup.check_renderable(text)
    except markup.MarkupRefused:
        return False
    return True


def longest_accepted(pattern: Pattern) -> int:
    """The largest n whose text is accepted (0 if none), by doubling then bisecting."""
    low, high = 0, 1
    while accepted(pattern(high)) and len(pattern(high)) <= markup.MAX_CHARS:
        low, high = high, high * 2
        if high > 1_000_000:
            return low
    while high - low > 1:
        middle = (low + high) // 2
        if accepted(pattern(middle)):
            low = middle
        else:
            high = middle
    return low


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def measure() -> list[dict[str, object]]:
    rows = []
    for name, pattern in CORPUS.items():
        n = longest_accepted(pattern)
        text = pattern(n) if n else ""
        render_ms = best_of(3, lambda text=text: markup.render_markdown(text)) if n else 0.0
        refused = pattern(max(n * 2, 1))
        refuse_ms = best_of(3, lambda refused=refused: accepted(refused))
        rows.append(
            {
                "pattern": name,
                "accepted_chars": len(text),
                "accepted_bytes": len(text.encode()),
                "render_ms": round(render_ms, 1),
                "refused_chars": len(refused),
                "refuse_ms": round(refuse_ms, 1),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-ms", type=float, default=100.0)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    rows = measure()
    print(f"{'pattern':34} {'accepted':>9} {'render':>8} {'refused':>9} {'pre-scan':>9}")
    for row in rows:
        print(
            f"{row['pattern']:34} {row['accepted_chars']:>9} {row['render_ms']:>6.1f}ms"
            f" {row['refused_chars']:>9} {row['refuse_ms']:>7.1f}ms"
        )
    worst = max(rows, key=lambda row: float(row["render_ms"]))  # type: ignore[arg-type]
    print(f"worst accepted: {worst['pattern']}, {worst['render_ms']} ms")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=2)
    return 1 if float(worst["render_ms"]) > args.limit_ms else 0  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
