import os

import redis

store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)

if __name__ == "__main__":
    while True:
        popped = store.brpop("queue", timeout=1)
        if popped:
            _, job_id = popped
            store.hset(f"job:{job_id}", "status", "done")
