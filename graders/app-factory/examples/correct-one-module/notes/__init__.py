"""Everything in one module: the blueprint at module level, the notes in app.config."""

import threading

from flask import Blueprint, Flask, current_app, jsonify, request

bp = Blueprint("notes_api", __name__)


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(NAME="notes", API_PREFIX="/api", MAX_NOTES=100)
    app.config.update(config or {})
    app.config["NOTES"] = []
    app.config["NOTES_LOCK"] = threading.Lock()
    app.register_blueprint(bp, url_prefix=app.config["API_PREFIX"])
    return app


@bp.route("/info")
def info():
    c = current_app.config
    return {"name": c["NAME"], "notes": len(c["NOTES"]), "max_notes": c["MAX_NOTES"]}


@bp.route("/notes", methods=["GET", "POST"])
def notes():
    c = current_app.config
    if request.method == "GET":
        return {"notes": c["NOTES"]}
    data = request.get_json(silent=True)
    if not (isinstance(data, dict) and isinstance(data.get("text"), str) and data["text"].strip()):
        return {"error": "text required"}, 400
    with c["NOTES_LOCK"]:
        if len(c["NOTES"]) >= c["MAX_NOTES"]:
            return {"error": "full"}, 409
        note = {"id": len(c["NOTES"]) + 1, "text": data["text"]}
        c["NOTES"].append(note)
    return jsonify(note), 201
