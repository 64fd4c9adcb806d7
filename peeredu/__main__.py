"""``peeredu`` and ``python -m peeredu``: the Flask command line for this app.

It is the ``peeredu`` group itself: ``peeredu db upgrade``, where a host app that mounts
peeredu runs ``flask peeredu db upgrade``.
"""

import sys

from flask import Flask
from flask.cli import FlaskGroup

from peeredu import create_app
from peeredu.cli import peeredu
from peeredu.config import ConfigError
from peeredu.curriculum.content import ContentError


def _standalone_app() -> Flask:
    app = create_app()
    # The group's commands are this command line's own: no `peeredu peeredu db upgrade`.
    app.cli.commands.pop(peeredu.name or "", None)
    return app


# The commands are available without building the app (which refuses to start on broken
# content, and `content check` must still say why); each builds it when it needs it.
main = FlaskGroup(
    create_app=_standalone_app, help=peeredu.help, commands=list(peeredu.commands.values())
)


def run() -> None:
    """The console script: a configuration or content problem is a message, not a traceback."""
    try:
        main()
    except (ConfigError, ContentError) as error:
        sys.exit(f"peeredu cannot start: {error}")


if __name__ == "__main__":
    run()
