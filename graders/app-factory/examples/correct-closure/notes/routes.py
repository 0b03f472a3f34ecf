import itertools
import threading

from flask import Blueprint, abort, jsonify, request


def make_blueprint(settings):
    bp = Blueprint("api", __name__)
    notes, lock, ids = [], threading.Lock(), itertools.count(1)

    @bp.errorhandler(400)
    def bad(_):
        return jsonify(error="a note needs a non-empty text"), 400

    @bp.get("/info")
    def info():
        return jsonify(name=settings["NAME"], notes=len(notes), max_notes=settings["MAX_NOTES"])

    @bp.get("/notes")
    def index():
        return jsonify(notes=notes)

    @bp.post("/notes")
    def create():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400)
        text = body.get("text")
        if type(text) is not str or text.strip() == "":
            abort(400)
        with lock:
            if len(notes) == settings["MAX_NOTES"]:
                return jsonify(error="no room"), 409
            note = {"id": next(ids), "text": text}
            notes.append(note)
        return jsonify(note), 201

    return bp
