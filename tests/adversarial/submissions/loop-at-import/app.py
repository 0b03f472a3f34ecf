"""Never finishes importing: a busy loop before `app` exists."""

from flask import Flask

while True:
    pass

app = Flask(__name__)
