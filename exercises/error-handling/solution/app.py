"""A small bank API whose errors leak nothing (reference solution).

Run it:   flask --app app run
Try it:   curl -i -X POST -H 'Content-Type: application/json' \
               -d '{"user": "ada", "password": "hunter2"}' http://127.0.0.1:5000/login

Every response carries an X-Request-ID; domain errors answer their 4xx with their own message;
anything else answers a generic 500, and the traceback goes to the log under the same id.
"""

import json
import os
import sys
import traceback
import uuid
from pathlib import Path

from flask import Flask, g, jsonify, request
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


# -- error handling ---------------------------------------------------------------------------


@app.before_request
def assign_request_id():
    g.request_id = uuid.uuid4().hex


@app.after_request
def send_request_id(response):
    response.headers["X-Request-ID"] = g.request_id
    return response


# before_request runs for every request, even one that routing answers 404 or 405: g.request_id
# is always there for the error handlers and after_request.
def error_body(status, code, message):
    return jsonify(error=code, message=message, request_id=g.request_id), status


@app.errorhandler(DomainError)
def domain_error(error):
    # The client's mistake: its message was written for the client. Not a bug, so no traceback.
    return error_body(error.status, error.code, str(error))


@app.errorhandler(HTTPException)
def http_error(error):
    # 404 for an unknown URL, 405, ...: Werkzeug's own, answered as JSON like everything else.
    return error_body(error.code, error.name.lower().replace(" ", "_"), error.description)


@app.errorhandler(Exception)
def unexpected_error(error):
    # A bug. The client learns only that it happened and which id to quote; the message and
    # the traceback (which may hold passwords, paths, keys) go to the log, under that id.
    log(
        level="error",
        request_id=g.request_id,
        method=request.method,
        path=request.path,
        error=type(error).__name__,
        traceback="".join(traceback.format_exception(error)),
    )
    return error_body(500, "internal_error", "Something went wrong on our side.")


def log(**fields):
    """One JSON object per line on standard error: the log the grader (and your tools) read."""
    print(json.dumps(fields), file=sys.stderr, flush=True)
