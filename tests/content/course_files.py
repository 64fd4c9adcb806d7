"""Small content folders written into tmp_path: a valid course, then one thing broken.

``write_course`` writes a course with three modules (alpha, beta, gamma: each requires the
one before, gamma is the capstone) on both tracks. Overrides are merged in; ``DELETE`` removes
a field. Tests that need a malformed file overwrite it after writing.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

DELETE = object()
BODY = "Indledning.\n\n## Et afsnit\n\nLidt tekst med **fed**.\n"


def default_course() -> dict[str, Any]:
    slugs = ["alpha", "beta", "gamma"]
    return {
        "slug": "kursus",
        "title": "Kurset",
        "description": "Et *kort* kursus.",
        "hours": 15,
        "attendance_threshold": 90,
        "capstone": "gamma",
        "tracks": {
            "peer": {"title": "Peer", "description": "For peers.", "modules": list(slugs)},
            "colleague": {
                "title": "Kollega",
                "description": "For kolleger.",
                "modules": list(slugs),
            },
        },
        "class_days": [
            {"day": 1, "part": 1, "topic": "Start", "module": "alpha"},
            {"day": 2, "part": 2, "topic": "Slut", "module": "gamma"},
        ],
    }


def default_module(slug: str, order: int, prerequisites: list[str]) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": f"Modul {slug}",
        "tracks": ["peer", "colleague"],
        "order": order,
        "prerequisites": prerequisites,
        "estimated_hours": 5,
        "learning_goals": [f"Du kan forklare {slug}.", f"Du kan bruge {slug}."],
    }


def default_modules() -> dict[str, dict[str, Any]]:
    modules = {
        "alpha": default_module("alpha", 1, []),
        "beta": default_module("beta", 2, ["alpha"]),
        "gamma": default_module("gamma", 3, ["beta"]),
    }
    modules["beta"]["track_text"] = {"colleague": "Kun for *kolleger*."}
    return modules


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` merged in, tables recursively; DELETE removes a key."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is DELETE:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def write_course(
    root: Path,
    *,
    course: dict[str, Any] | None = None,
    modules: dict[str, dict[str, Any]] | None = None,
    bodies: dict[str, str] | None = None,
) -> Path:
    """Write the course under ``root``; ``modules`` overrides by slug (a new slug adds one)."""
    (root / "modules").mkdir(parents=True)
    (root / "course.toml").write_text(
        to_toml(merge(default_course(), course or {})), encoding="utf-8"
    )
    all_modules = default_modules()
    # Files are named by the order before overrides, so a bad order cannot break the name.
    file_orders = {slug: data["order"] for slug, data in all_modules.items()}
    for slug, overrides in (modules or {}).items():
        all_modules[slug] = merge(all_modules.get(slug, {}), overrides)
    for slug, data in all_modules.items():
        body = (bodies or {}).get(slug, BODY)
        module_path(root, slug, file_orders.get(slug, data.get("order"))).write_text(
            f"+++\n{to_toml(data)}+++\n{body}", encoding="utf-8"
        )
    return root


def module_path(root: Path, slug: str, order: Any = None) -> Path:
    """The file of module ``slug``: the one written, or where a new one would go."""
    found = sorted((root / "modules").glob(f"*-{slug}.md"))
    if found:
        return found[0]
    return root / "modules" / f"{order:02d}-{slug}.md"


# -- A little TOML writer (the standard library only reads TOML) ---------------------------


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    lines = []
    tables = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(f"\n[{prefix}{_key(key)}]\n" + to_toml(value, f"{prefix}{_key(key)}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.extend(
                f"\n[[{prefix}{_key(key)}]]\n" + to_toml(item, f"{prefix}{_key(key)}.")
                for item in value
            )
        else:
            lines.append(f"{_key(key)} = {_value(value)}\n")
    return "".join(lines) + "".join(tables)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")
