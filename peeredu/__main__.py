"""``peeredu`` and ``python -m peeredu``: the Flask command line for this app."""

import sys

from flask.cli import FlaskGroup

from peeredu import create_app
from peeredu.cli.content import content_group
from peeredu.config import ConfigError
from peeredu.curriculum.content import ContentError

main = FlaskGroup(create_app=create_app, help="peeredu: run and manage the course platform.")
# Available without building the app, which refuses to start on broken content.
main.add_command(content_group)


def run() -> None:
    """The console script: a configuration or content problem is a message, not a traceback."""
    try:
        main()
    except (ConfigError, ContentError) as error:
        sys.exit(f"peeredu cannot start: {error}")


if __name__ == "__main__":
    run()
