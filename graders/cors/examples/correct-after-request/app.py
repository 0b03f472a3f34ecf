"""All CORS in one after_request hook; Flask's automatic OPTIONS answer is the preflight."""

from flask import Flask, jsonify, request

app = Flask(__name__)
ORIGINS = ("https://app.example.com", "https://admin.example.com:8443")
METHODS = ("GET", "POST", "PUT", "DELETE")
HEADERS = ("content-type", "authorization", "x-request-id")
items = []


@app.route("/api/items", methods=["GET", "POST"])
def items_view():
    if request.method == "POST":
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
            return jsonify(error="name required"), 400
        item = {"id": (items[-1]["id"] + 1) if items else 1, "name": body["name"]}
        items.append(item)
        return jsonify(item), 201
    return jsonify(items)


@app.route("/api/items/<int:item_id>", methods=["DELETE"])
def delete(item_id):
    for i, item in enumerate(items):
        if item["id"] == item_id:
            del items[i]
            return "", 204
    return jsonify(error="no such item"), 404


@app.route("/public/status")
def public_status():
    return jsonify(status="ok")


@app.after_request
def cors(resp):
    if request.path.startswith("/public/"):
        resp.headers["Access-Control-Allow-Origin"] = "*"
        return resp
    resp.headers.add("Vary", "Origin")
    origin = request.headers.get("Origin")
    if origin not in ORIGINS:
        return resp
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        method = request.headers["Access-Control-Request-Method"]
        asked = [h.strip().lower() for h in request.headers.get("Access-Control-Request-Headers", "").split(",") if h.strip()]
        if method not in METHODS or any(h not in HEADERS for h in asked):
            return resp
        resp.status_code = 204
        resp.set_data(b"")
        resp.headers["Access-Control-Allow-Methods"] = ",".join(METHODS)
        resp.headers["Access-Control-Allow-Headers"] = ",".join(asked) or "content-type"
        resp.headers["Access-Control-Max-Age"] = "600"
    resp.headers["Access-Control-Allow-Origin"] = origin
    resp.headers["Access-Control-Allow-Credentials"] = "true"
    return resp
