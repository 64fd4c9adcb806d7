"""``peeredu`` and ``python -m peeredu``: the Flask command line for this app."""

from flask.cli import FlaskGroup

from peeredu import create_app

main = FlaskGroup(create_app=create_app, help="peeredu: run and manage the course platform.")

if __name__ == "__main__":
    main()
