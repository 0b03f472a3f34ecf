"""Notes API: an application factory. Every call to create_app builds an independent app."""

from flask import Flask

from .api import bp as api_blueprint
from .store import NoteStore

DEFAULTS = {"NAME": "notes", "API_PREFIX": "/api", "MAX_NOTES": 100}


def create_app(config=None):
    """Build a new app: DEFAULTS, then `config`, its own note store, the API blueprint."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)
    app.extensions["notes"] = NoteStore()
    app.register_blueprint(api_blueprint, url_prefix=app.config["API_PREFIX"])
    return app
