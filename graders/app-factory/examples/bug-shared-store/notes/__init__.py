"""The notes API as an application factory (reference solution).

create_app(config) builds a new Flask app each call: its settings (DEFAULTS, then config), its
own note store, and the API blueprint mounted under its API_PREFIX. Nothing app-specific lives
at module level, so several apps with different settings live side by side, as in wsgi.py and
in tests.
"""

from flask import Flask

from notes.api import api
from notes.store import NoteStore

DEFAULTS = {"NAME": "notes", "API_PREFIX": "/api", "MAX_NOTES": 100}


def create_app(config=None):
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)
    # Per-app state goes on the app (extensions is Flask's place for it), never in a global.
    app.extensions["notes"] = NoteStore(limit=app.config["MAX_NOTES"])
    app.register_blueprint(api, url_prefix=app.config["API_PREFIX"])
    return app
