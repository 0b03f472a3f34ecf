"""An app whose JSON carries a lone surrogate ("\\ud800"): valid JSON, text no UTF-8 can hold.

Graded with the echo exercise (tests/adversarial/probe), whose grader quotes the value.
"""

from flask import Flask, Response

app = Flask(__name__)


@app.get("/name")
def name():
    return Response('{"name": "\\ud800"}', headers={"Content-Type": "application/json"})
