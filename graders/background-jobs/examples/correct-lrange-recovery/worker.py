import json
import os
import time

import redis

db = redis.from_url(os.environ["REDIS_URL"])


def text_of(raw):
    return raw.decode() if isinstance(raw, bytes) else raw


# Recovery first: everything in the processing list goes back to the end the worker pops from.
for stale in db.lrange("processing", 0, -1):
    db.rpush("jobs:queue", stale)
db.delete("processing")

while True:
    got = db.blmove("jobs:queue", "processing", 0.5, "RIGHT", "LEFT")
    if got is None:
        continue
    jid = text_of(got)
    db.hincrby(f"job:{jid}", "attempts", 1)
    db.hset(f"job:{jid}", "status", "running")
    text = text_of(db.hget(f"job:{jid}", "text"))
    time.sleep(float(db.hget(f"job:{jid}", "seconds") or 0))
    db.hset(f"job:{jid}", mapping={
        "result": json.dumps({"upper": text.upper(), "words": len(text.split())}),
        "status": "done",
    })
    db.lrem("processing", 1, got)
