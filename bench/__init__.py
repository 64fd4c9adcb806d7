"""``make bench``: the national data set served by gunicorn and driven by wrk (see run.py)."""
