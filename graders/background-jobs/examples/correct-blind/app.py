"""A job API: POST /jobs queues work in Redis for the worker (worker.py); GET /jobs/<id> reports it."""

import json
import os
import uuid

import redis
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
QUEUE = "jobs:queue"


def invalid(body):
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return 'the body must be a JSON object with a string "text"'
    seconds = body.get("seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 5:
        return '"seconds" must be a number from 0 to 5'
    return None


@app.post("/jobs")
def submit():
    body = request.get_json(silent=True)
    problem = invalid(body)
    if problem:
        return jsonify(error=problem), 400
    job_id = uuid.uuid4().hex
    # The job's record first, then its id on the queue: a worker never pops an id it cannot read.
    store.hset(
        f"job:{job_id}",
        mapping={
            "status": "queued",
            "attempts": 0,
            "text": body["text"],
            "seconds": body.get("seconds", 0),
        },
    )
    store.lpush(QUEUE, job_id)
    # 202 Accepted: the work is not done yet; Location says where to watch it.
    return jsonify(id=job_id, status="queued"), 202, {"Location": f"/jobs/{job_id}"}


@app.get("/jobs/<job_id>")
def status(job_id):
    job = store.hgetall(f"job:{job_id}")
    if not job:
        return jsonify(error=f"no job {job_id}"), 404
    answer = {"id": job_id, "status": job["status"], "attempts": int(job["attempts"])}
    if job["status"] == "done":
        answer["result"] = json.loads(job["result"])
    return jsonify(answer)
