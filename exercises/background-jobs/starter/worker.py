"""The worker: takes jobs from the Redis queue and does them. Run as `python -m worker`.

The web app (app.py) already queues jobs: HSET job:<id> (status, attempts, text, seconds), then
LPUSH jobs:queue <id>. README.md has the exact contract.
"""

import os
import time

import redis

store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)


def main():
    # TODO 1: take the oldest job id from jobs:queue, waiting for one (BLMOVE with a timeout).
    # Move it to a processing list in the same step, so it is not lost if this process dies.
    # TODO 2: do the job: status "running" and attempts + 1, then wait job["seconds"], then
    # status "done" with result {"upper": text.upper(), "words": len(text.split())} (as JSON).
    # TODO 3: at start, put back on the queue the jobs a dead worker left in the processing list.
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
