"""The API blueprint: routes without a prefix and without an app; create_app mounts them."""

from flask import Blueprint, current_app, jsonify, request

from notes.store import StoreFull

api = Blueprint("api", __name__)


def store():
    # current_app: whichever app is serving this request, so one blueprint serves many apps.
    return current_app.extensions["notes"]


@api.get("/info")
def info():
    config = current_app.config
    return jsonify(name=config["NAME"], notes=len(store().all()), max_notes=config["MAX_NOTES"])


@api.get("/notes")
def list_notes():
    return jsonify(notes=store().all())


@api.post("/notes")
def create_note():
    body = request.get_json(silent=True)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return jsonify(error="send a JSON object with a non-blank string 'text'"), 400
    try:
        note = store().add(text)
    except StoreFull as full:
        return jsonify(error=str(full)), 409
    return jsonify(note), 201
