import os

import redis
from flask import Flask

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)


@app.post("/hits/<name>")
def hit(name):
    key = f"hits:{name}"
    pipe = store.pipeline()
    pipe.incr(key)
    pipe.expire(key, 60)
    count, _ = pipe.execute()
    return {"name": name, "count": count}
