"""``python -m bench.national [--scale national|small|tiny]``: write the data set into the
database the app is configured with (``PEEREDU_*`` variables, as for ``peeredu``), after
``peeredu db upgrade``. Run again, it finds the data in place and writes nothing."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from datetime import date

from bench.national.scale import PASSWORD, SCALES, focus_logins
from bench.national.seed import seed_app
from peeredu import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="national")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    started = time.perf_counter()
    counts = seed_app(create_app(), scale, today=date.today())
    if counts is None:
        print("The national data set is already in place.")
        return 0
    print(f"National data set written in {time.perf_counter() - started:.1f} s:")
    for table, rows in sorted(counts.items()):
        print(f"  {table:<24} {rows:>9,}")
    print(f"Password for all: {PASSWORD}")
    for role, email in dataclasses.asdict(focus_logins(scale)).items():
        print(f"  {role:<12} {email}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
