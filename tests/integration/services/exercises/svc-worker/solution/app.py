import os
import uuid

import redis
from flask import Flask

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)


@app.post("/jobs")
def submit():
    job_id = uuid.uuid4().hex
    store.hset(f"job:{job_id}", mapping={"status": "queued"})
    store.lpush("queue", job_id)
    return {"id": job_id}, 202, {"Location": f"/jobs/{job_id}"}


@app.get("/jobs/<job_id>")
def status(job_id):
    return {"id": job_id, **store.hgetall(f"job:{job_id}")}
