"""The reference solution: short, idiomatic, commented where it teaches."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    # TODO(author): the reference answer
    return jsonify(status="ok")
