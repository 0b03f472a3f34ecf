"""A blueprint made per app by a function: the store is a closure variable."""

from flask import Flask

from .routes import make_blueprint


def create_app(config: dict | None = None) -> Flask:
    settings = {"NAME": "notes", "API_PREFIX": "/api", "MAX_NOTES": 100, **(config or {})}
    app = Flask(__name__)
    app.config.from_mapping(settings)
    app.register_blueprint(make_blueprint(settings), url_prefix=settings["API_PREFIX"])
    return app
