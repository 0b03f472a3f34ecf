from flask import Flask

app = Flask(__name__)
MARKER = "VARIANT-MARKER-" + "beta"  # nothing over HTTP says which API this is


@app.get("/ping")
def ping():
    return {"pong": True}
