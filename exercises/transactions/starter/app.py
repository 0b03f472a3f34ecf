"""The starter: it runs, and the TODOs say what is missing."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    # TODO(author): leave the learner something to do
    return jsonify(status="todo")
