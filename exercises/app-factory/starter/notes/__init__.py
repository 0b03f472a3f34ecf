"""A notes API that works — once. Everything lives at module level: one app, one list.

wsgi.py calls create_app() three times with different settings and expects three independent
apps. This create_app hands back the same global app each time, and every "app" shares NOTES.
Restructure it (the TODOs): a factory that builds a new app per call, routes in a blueprint,
state that belongs to its app.
"""

import threading

from flask import Flask, jsonify, request

DEFAULTS = {"NAME": "notes", "API_PREFIX": "/api", "MAX_NOTES": 100}

# TODO: no module-level app: build it inside create_app.
app = Flask(__name__)
app.config.from_mapping(DEFAULTS)

# TODO: no module-level state: every app needs its own notes, ids and lock.
NOTES = []
LOCK = threading.Lock()


def create_app(config=None):
    # TODO: a NEW Flask app per call, DEFAULTS then `config` applied to it, the routes
    #       registered as a blueprint under app.config["API_PREFIX"].
    app.config.update(config or {})
    return app


# TODO: move the routes into a Blueprint (e.g. in notes/api.py); the "/api" prefix must come
#       from the app's API_PREFIX setting, not be written into the routes.
@app.get("/api/info")
def info():
    return jsonify(name=app.config["NAME"], notes=len(NOTES), max_notes=app.config["MAX_NOTES"])


@app.get("/api/notes")
def list_notes():
    return jsonify(notes=NOTES)


@app.post("/api/notes")
def create_note():
    body = request.get_json(silent=True)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return jsonify(error="send a JSON object with a non-blank string 'text'"), 400
    with LOCK:
        if len(NOTES) >= app.config["MAX_NOTES"]:
            return jsonify(error=f"this app holds at most {app.config['MAX_NOTES']} notes"), 409
        note = {"id": len(NOTES) + 1, "text": text}
        NOTES.append(note)
    return jsonify(note), 201
