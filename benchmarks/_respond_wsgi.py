"""The app as ``respond_load.py`` serves it, plus one trivial page for the comparison.

``/bench/hello`` returns a short text and touches nothing else, but it is served
by the same app (the same session cookie, security headers and rate-limiter
hooks as every page), by the same gunicorn, in the same run as the page saves.
"""

from survey_app import create_app
from survey_app.auth import public


def with_hello(app):
    @app.get("/bench/hello")
    @public
    def bench_hello():
        return "hello"

    return app


app = with_hello(create_app())
