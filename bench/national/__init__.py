"""National-scale data for the benchmark and the query-budget tests (not part of the app).

``seed(..., scale=NATIONAL)`` builds what the course would hold with every region and
municipality on board: 100 organisations, 300 cohorts over four years, 10,000 learners in both
tracks, 40 teachers, 100 HR users, progress, attendance for every class day held, about 100,000
reflection versions of 200-800 words with released feedback, and about 6,000 certificates.
``python -m bench.national`` writes it into the database the app is configured with.

It is deterministic (a fixed random seed; dates relative to ``today``) and fast: rows are
planned in Python with their ids and written with SQLAlchemy Core ``insert()`` executemany in
batches, in the caller's transaction (``rows``). Reflection text is composed from a pool of
paragraphs rendered once through ``markup.render_markdown`` (``text``); each learner's course
becomes rows in ``journeys``.

Some people are named so the benchmark can sign in as them (see ``FocusLogins``).
"""

from bench.national.scale import (
    NATIONAL,
    PASSWORD,
    SCALES,
    SEEDER_VERSION,
    SMALL,
    TINY,
    FocusLogins,
    FocusObjects,
    Scale,
    focus_logins,
    focus_objects,
)
from bench.national.seed import seed, seed_app

__all__ = [
    "NATIONAL",
    "PASSWORD",
    "SCALES",
    "SEEDER_VERSION",
    "SMALL",
    "TINY",
    "FocusLogins",
    "FocusObjects",
    "Scale",
    "focus_logins",
    "focus_objects",
    "seed",
    "seed_app",
]
