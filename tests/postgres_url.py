"""Print the PostgreSQL URL the suite should run against, or nothing if none answers.

PEEREDU_TEST_DATABASE_URL wins; otherwise the local server on 127.0.0.1:5432 is tried.
"""

import os
import sys

import psycopg

DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main() -> int:
    url = os.environ.get("PEEREDU_TEST_DATABASE_URL") or DEFAULT
    try:
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3):
            pass
    except psycopg.Error as error:
        print(f"PostgreSQL at {url} did not answer: {error}".splitlines()[0], file=sys.stderr)
        return 0
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
