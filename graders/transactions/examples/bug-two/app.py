"""Golden example bug-two."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    # TODO(author): write this example
    return jsonify(status="ok")
