"""A small bank API whose errors tell the whole world too much.

Run it:   flask --app app run
Try it:   curl -i -X POST -H 'Content-Type: application/json' \
               -d '{"user": "ada", "password": "hunter2"}' http://127.0.0.1:5000/login

The routes and the domain errors are done. The error handling at the bottom is a debugging
handler someone left in: it sends the exception, its message and the traceback to the client.
Make it safe (the TODOs).
"""

import json
import os
import sys
import traceback
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

EXPORT_DIR = Path(__file__).resolve().parent / "exports"
PAYMENT_API_KEY = os.environ.get("PAYMENT_API_KEY", "dev-key-not-a-secret")

ACCOUNTS = {
    "acc-1": {"id": "acc-1", "owner": "ada", "balance": 100},
    "acc-2": {"id": "acc-2", "owner": "grace", "balance": 20},
}


# -- domain errors: the client's mistakes, safe to explain to the client ----------------------


class DomainError(Exception):
    """An error the client caused; its message is written for the client."""

    status = 400
    code = "domain_error"


class InvalidRequest(DomainError):
    status = 400
    code = "invalid_request"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class InsufficientFunds(DomainError):
    status = 409
    code = "insufficient_funds"


class ProviderError(Exception):
    """The payment provider failed: our problem (or theirs), never the client's."""


# -- routes (done: don't change them) ---------------------------------------------------------


def find_account(account_id):
    account = ACCOUNTS.get(account_id)
    if account is None:
        raise NotFound(f"no account {account_id!r}")
    return account


@app.get("/accounts/<account_id>")
def get_account(account_id):
    return jsonify(find_account(account_id))


@app.post("/transfers")
def transfer():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequest("send a JSON object with from, to and amount")
    amount = body.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidRequest("amount must be a positive integer")
    source, target = find_account(body.get("from")), find_account(body.get("to"))
    if source["balance"] < amount:
        raise InsufficientFunds(f"{source['id']} has {source['balance']}, needs {amount}")
    source["balance"] -= amount
    target["balance"] += amount
    return jsonify(source=source, target=target), 201


@app.post("/login")
def login():
    # A bug on purpose: the auth backend "is down", and the message says far too much.
    body = request.get_json(silent=True) or {}
    raise ConnectionError(
        f"auth backend unreachable while checking user {body.get('user')!r} "
        f"with password {body.get('password')!r}"
    )


@app.get("/exports/<name>")
def export(name):
    # A missing file raises FileNotFoundError, whose message holds the full path on the server.
    return (EXPORT_DIR / name).read_text(encoding="utf-8"), 200, {"Content-Type": "text/plain"}


@app.post("/payments")
def pay():
    # The provider refuses, and the exception carries the API key from the environment.
    raise ProviderError(f"payment provider rejected the request made with key {PAYMENT_API_KEY}")


# -- error handling: TODO ---------------------------------------------------------------------


# TODO: give every request an id (uuid.uuid4().hex), and send it back in X-Request-ID on every
#       response (before_request / after_request, and flask.g).


@app.errorhandler(Exception)
def handle_error(error):
    # TODO: map DomainError to its status and {"error": code, "message": ..., "request_id": ...}.
    if isinstance(error, HTTPException):
        return jsonify(error=error.name.lower().replace(" ", "_"), message=error.description), error.code
    # TODO: this leaks: the exception's type, message and traceback go to whoever asked.
    #       Answer {"error": "internal_error", "message": <generic>, "request_id": ...} instead,
    #       and log the traceback (one JSON line on stderr, with the same request_id).
    return jsonify(
        error=type(error).__name__,
        message=str(error),
        traceback=traceback.format_exc(),
    ), 500


def log(**fields):
    """One JSON object per line on standard error: the log the grader (and your tools) read."""
    print(json.dumps(fields), file=sys.stderr, flush=True)
