from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/name")
def name():
    return jsonify(name="milk")
