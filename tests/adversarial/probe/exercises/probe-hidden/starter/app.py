"""A stand-in: the real probe app is tests/adversarial/submissions/probe/app.py."""

from flask import Flask

app = Flask(__name__)
