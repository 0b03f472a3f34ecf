from flask import Flask

app = Flask(__name__)
counts = {}  # TODO: keep the counts in Redis (REDIS_URL), expiring after 60 s


@app.post("/hits/<name>")
def hit(name):
    counts[name] = counts.get(name, 0) + 1
    return {"name": name, "count": counts[name]}
