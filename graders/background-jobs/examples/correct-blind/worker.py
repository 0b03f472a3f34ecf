"""The worker: takes jobs from the Redis queue and does them. Run as `python -m worker`.

Reliable queue: BLMOVE moves each id from jobs:queue to jobs:processing in one step, and the id
leaves jobs:processing only once its job is done. At start, whatever a dead worker left there is
put back on the queue (this assumes one worker at a time, as in the exercise).
"""

import json
import os
import time

import redis

store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
QUEUE = "jobs:queue"
PROCESSING = "jobs:processing"


def recover():
    """Put back, oldest to be taken first, the jobs a dead worker left half-done."""
    while store.lmove(PROCESSING, QUEUE, "LEFT", "RIGHT") is not None:
        pass


def run(job_id):
    key = f"job:{job_id}"
    job = store.hgetall(key)
    if not job:  # a record that vanished: nothing to do
        return
    with store.pipeline(transaction=True) as pipe:
        pipe.hset(key, "status", "running")
        pipe.hincrby(key, "attempts", 1)
        pipe.execute()
    time.sleep(float(job.get("seconds") or 0))
    text = job.get("text", "")
    result = {"upper": text.upper(), "words": len(text.split())}
    store.hset(key, mapping={"status": "done", "result": json.dumps(result)})


def main():
    recover()
    while True:
        job_id = store.blmove(QUEUE, PROCESSING, timeout=1, src="RIGHT", dest="LEFT")
        if job_id is None:
            continue
        run(job_id)
        store.lrem(PROCESSING, 1, job_id)


if __name__ == "__main__":
    main()
