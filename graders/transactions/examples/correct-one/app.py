"""Golden example correct-one."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    # TODO(author): write this example
    return jsonify(status="ok")
