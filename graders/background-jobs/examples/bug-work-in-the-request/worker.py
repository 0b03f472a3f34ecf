"""The worker: takes jobs from the Redis queue and does them. Run as `python -m worker`.

Reliable queue: BLMOVE moves a job id from the queue to a processing list in one step, so a worker
that dies mid-job leaves the id there; the next worker puts it back on the queue first.
"""

import json
import os
import time

import redis

store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
QUEUE, PROCESSING = "jobs:queue", "jobs:processing"


def recover():
    """Jobs a dead worker left half done go back on the queue, to be done again."""
    while store.lmove(PROCESSING, QUEUE, "RIGHT", "RIGHT"):
        pass


def work(job_id):
    key = f"job:{job_id}"
    store.hset(key, "status", "running")
    store.hincrby(key, "attempts", 1)
    job = store.hgetall(key)
    time.sleep(float(job["seconds"]))  # stands for the slow part: a report, an image, an e-mail
    result = {"upper": job["text"].upper(), "words": len(job["text"].split())}
    store.hset(key, mapping={"status": "done", "result": json.dumps(result)})
    store.lrem(PROCESSING, 1, job_id)  # finished: now, and only now, it leaves the list


def main():
    recover()
    while True:
        job_id = store.blmove(QUEUE, PROCESSING, timeout=1, src="RIGHT", dest="LEFT")
        if job_id:
            work(job_id)


if __name__ == "__main__":
    main()
