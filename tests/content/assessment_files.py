"""Small assessments folders written into tmp_path, for the course of course_files.py.

``write_assessments`` writes a rubric with two criteria and one assignment per module of that
course: alpha's is free text, beta's is guided (two fields), gamma's (the capstone) has a
colleague prompt and criteria of its own. Overrides are merged in by module; ``DELETE`` removes
a field; a new key adds an assignment. Tests that need a malformed file overwrite it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.content.course_files import merge, to_toml

# Carries the words the loader looks for, so that the fixture gives no warnings.
ANONYMOUS = "Skriv ingen navne. Hvor meget du fortæller om dit helbred, er dit eget valg."
ORDERS = {"alpha": 1, "beta": 2, "gamma": 3}


def criterion(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "title": f"Kriterium {key}",
        "for_learner": "Gør *sådan*.",
        "for_teacher": "Se efter **det**.",
    }


def default_rubric() -> dict[str, Any]:
    return {"criteria": [criterion("forankret"), criterion("refleksionsdybde")]}


def default_assignment(module: str, due_days: int) -> dict[str, Any]:
    return {
        "slug": f"refleksion-{module}",
        "module": module,
        "title": f"Refleksion {module}",
        "min_words": 250,
        "due_days": due_days,
        "prompt": f"Skriv om *én* situation.\n\n> {ANONYMOUS}\n",
        "guidance": "Brug din praksislog.",
    }


def field(key: str) -> dict[str, Any]:
    return {"key": key, "label": key.capitalize(), "help": f"Hjælp til {key}."}


def default_assignments() -> dict[str, dict[str, Any]]:
    assignments = {
        "alpha": default_assignment("alpha", 14),
        "beta": default_assignment("beta", 28),
        "gamma": default_assignment("gamma", 42),
    }
    assignments["beta"]["fields"] = [field("beskrivelse"), field("analyse")]
    assignments["gamma"]["prompt_colleague"] = f"Skriv om *teamet*.\n\n{ANONYMOUS}\n"
    assignments["gamma"]["criteria"] = [criterion("samlet")]
    return assignments


def write_assessments(
    root: Path,
    *,
    rubric: dict[str, Any] | None = None,
    assignments: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """Write the assessments under ``root``; ``assignments`` overrides by module name."""
    root.mkdir(parents=True)
    (root / "rubric.toml").write_text(
        to_toml(merge(default_rubric(), rubric or {})), encoding="utf-8"
    )
    all_assignments = default_assignments()
    # Files are named before overrides, so that a bad slug or module cannot break the name.
    names = {key: _file_name(data) for key, data in all_assignments.items()}
    for key, overrides in (assignments or {}).items():
        all_assignments[key] = merge(all_assignments.get(key, {}), overrides)
    for key, data in all_assignments.items():
        name = names.get(key) or _file_name(data)
        (root / name).write_text(to_toml(data), encoding="utf-8")
    return root


def assignment_path(root: Path, module: str) -> Path:
    """The file written for ``module``'s default assignment."""
    return root / _file_name(default_assignments()[module])


def _file_name(data: dict[str, Any]) -> str:
    return f"{ORDERS.get(data['module'], 9):02d}-{data['slug']}.toml"
