"""The notes API as a blueprint: no app and no prefix here; each app registers it."""

from flask import Blueprint, current_app, jsonify, request

from .store import LimitReached

bp = Blueprint("api", __name__)


def _store():
    return current_app.extensions["notes"]


@bp.get("/info")
def info():
    cfg = current_app.config
    return jsonify(name=cfg["NAME"], notes=len(_store()), max_notes=cfg["MAX_NOTES"])


@bp.get("/notes")
def list_notes():
    return jsonify(notes=_store().all())


@bp.post("/notes")
def create_note():
    body = request.get_json(silent=True)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or text == "":
        return jsonify(error="send a JSON object with a non-empty string 'text'"), 400
    limit = current_app.config["MAX_NOTES"]
    try:
        note = _store().add(text, limit)
    except LimitReached:
        return jsonify(error=f"this app holds at most {limit} notes"), 409
    return jsonify(note), 201
