"""The tasks API with one bug: a title of spaces is accepted."""

from flask import Flask, jsonify, request

app = Flask(__name__)
tasks: dict[int, dict] = {}
next_id = 1
FIELDS = {"title", "priority", "done", "tags"}


def error(status, message, field=None):
    body = {"error": message}
    if field is not None:
        body["field"] = field
    return jsonify(body), status


def invalid(data, partial):
    """The first invalid field of a body (a JSON object), or None."""
    for name in sorted(set(data) - FIELDS):
        return name, "unknown field"
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not title or len(title) > 100:
            return "title", "title must be a string of 1 to 100 characters, not blank"
    if "priority" in data:
        priority = data["priority"]
        if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 5:
            return "priority", "priority must be an integer from 1 to 5"
    if "done" in data and not isinstance(data["done"], bool):
        return "done", "done must be true or false"
    if "tags" in data:
        tags = data["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            return "tags", "tags must be a list of non-empty strings"
    return None


@app.errorhandler(404)
def not_found(_):
    return error(404, "not found")


def json_object():
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


@app.post("/tasks")
def create():
    global next_id
    data = json_object()
    if data is None:
        return error(400, "the body must be a JSON object")
    problem = invalid(data, partial=False)
    if problem:
        return error(422, problem[1], problem[0])
    task = {
        "id": next_id,
        "title": data["title"],
        "priority": data.get("priority", 3),
        "done": data.get("done", False),
        "tags": data.get("tags", []),
    }
    tasks[next_id] = task
    next_id += 1
    return jsonify(task), 201, {"Location": f"/tasks/{task['id']}"}


@app.get("/tasks")
def listing():
    try:
        limit = int(request.args.get("limit", 20))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return error(400, "limit and offset must be integers")
    if not 1 <= limit <= 100 or offset < 0:
        return error(400, "limit must be 1 to 100 and offset at least 0")
    found = sorted(tasks.values(), key=lambda t: t["id"])
    done = request.args.get("done")
    if done is not None:
        if done not in ("true", "false"):
            return error(400, "done must be true or false")
        found = [t for t in found if t["done"] == (done == "true")]
    tag = request.args.get("tag")
    if tag is not None:
        found = [t for t in found if tag.lower() in (x.lower() for x in t["tags"])]
    return jsonify({"items": found[offset : offset + limit], "total": len(found)})


@app.get("/tasks/<int:task_id>")
def read(task_id):
    if task_id not in tasks:
        return error(404, "no such task")
    return jsonify(tasks[task_id])


@app.patch("/tasks/<int:task_id>")
def update(task_id):
    if task_id not in tasks:
        return error(404, "no such task")
    data = json_object()
    if data is None:
        return error(400, "the body must be a JSON object")
    problem = invalid(data, partial=True)
    if problem:
        return error(422, problem[1], problem[0])
    tasks[task_id].update(data)
    return jsonify(tasks[task_id])


@app.delete("/tasks/<int:task_id>")
def delete(task_id):
    if tasks.pop(task_id, None) is None:
        return error(404, "no such task")
    return "", 204
