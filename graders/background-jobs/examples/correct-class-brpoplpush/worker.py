"""A worker class on BRPOPLPUSH, with its own name for the in-flight list."""

import json
import os
import time

import redis


class Worker:
    queue, inflight = "jobs:queue", "work:inflight"

    def __init__(self, url):
        self.r = redis.Redis.from_url(url, decode_responses=True)

    def requeue_leftovers(self):
        moved = 0
        while self.r.rpoplpush(self.inflight, self.queue) is not None:
            moved += 1
        if moved:
            print(f"requeued {moved} job(s) a dead worker left behind", flush=True)

    def run_one(self, job_id):
        key = "job:" + job_id
        pipe = self.r.pipeline()
        pipe.hset(key, "status", "running")
        pipe.hincrby(key, "attempts", 1)
        pipe.hmget(key, "text", "seconds")
        _, _, (text, seconds) = pipe.execute()
        time.sleep(float(seconds or 0))
        done = {"upper": text.upper(), "words": len(text.split())}
        self.r.hset(key, mapping={"status": "done", "result": json.dumps(done)})
        self.r.lrem(self.inflight, 0, job_id)

    def forever(self):
        self.requeue_leftovers()
        while True:
            job_id = self.r.brpoplpush(self.queue, self.inflight, timeout=2)
            if job_id is not None:
                self.run_one(job_id)


if __name__ == "__main__":
    Worker(os.environ["REDIS_URL"]).forever()
