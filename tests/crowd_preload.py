"""Imported once by the race workers' forkserver (tests/concurrency.py): one app built there,
so that every worker forked from it starts with the content parsed and the app's modules
loaded (peeredu keeps parsed content per process), instead of twenty workers doing it at once
on the first race test.
"""

from __future__ import annotations

import tempfile

from peeredu import create_app
from peeredu.extensions import Database

with tempfile.TemporaryDirectory() as folder:
    try:
        _app = create_app(
            {"ENVIRONMENT": "testing", "DATABASE_URL": f"sqlite:///{folder}/warm.sqlite3"}
        )
        Database.state(_app).engine.dispose()
    except Exception:  # noqa: BLE001 -- a worker's own create_app reports it to its test
        pass
