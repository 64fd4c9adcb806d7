"""The app factory parses the course content once per process and reuses it while no file changes.

The suite makes an app per test; parsing the curriculum and the assignments each time was a
good part of its run time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from peeredu import create_app
from peeredu.config import DEFAULTS
from peeredu.extensions import Database

MODULE = "01-fra-levet-erfaring-til-erfaringskompetence.md"
SLUG = "fra-levet-erfaring-til-erfaringskompetence"


def _app(tmp_path: Path, curriculum: Path, assessments: Path) -> Flask:
    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "DATABASE_URL": f"sqlite:///{tmp_path}/content.sqlite3",
            "CURRICULUM_DIR": str(curriculum),
            "ASSESSMENTS_DIR": str(assessments),
        }
    )
    Database.state(app).engine.dispose()
    return app


def test_apps_share_the_parsed_content_until_a_file_changes(tmp_path: Path) -> None:
    curriculum = shutil.copytree(DEFAULTS["CURRICULUM_DIR"], tmp_path / "curriculum")
    assessments = shutil.copytree(DEFAULTS["ASSESSMENTS_DIR"], tmp_path / "assessments")
    first = _app(tmp_path, curriculum, assessments)
    again = _app(tmp_path, curriculum, assessments)
    assert again.extensions["peeredu.curriculum"] is first.extensions["peeredu.curriculum"]
    assert again.extensions["peeredu.assignments"] is first.extensions["peeredu.assignments"]
    # Compiled templates too (Jinja compiles a template again when its source changes).
    assert again.jinja_env.bytecode_cache is first.jinja_env.bytecode_cache is not None

    # The same size and (most likely) the same modification time: the bytes tell.
    module = curriculum / "modules" / MODULE
    module.write_text(module.read_text().replace('title = "Fra', 'title = "FRA', 1))
    edited = _app(tmp_path, curriculum, assessments).extensions["peeredu.curriculum"]
    assert edited.modules[SLUG].title == "FRA levet erfaring til erfaringskompetence"

    next(assessments.glob("01-*.toml")).unlink()
    fewer = _app(tmp_path, curriculum, assessments).extensions["peeredu.assignments"]
    assert len(fewer.by_slug) == len(first.extensions["peeredu.assignments"].by_slug) - 1
