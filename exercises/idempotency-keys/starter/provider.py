"""A demo payment provider for trying the app by hand: python provider.py (port 8000). Not graded.

POST /charges with {"amount": …, "currency": …} answers 201 and a new charge id; every charge it
made is printed, so a retry that charged twice shows up here.
"""

import json
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Provider(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/charges":
            return self.answer(404, {"error": "no such endpoint"})
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or "{}")
        charge = {"id": f"ch_{secrets.token_hex(6)}", **body}
        print(f"charged {charge}", flush=True)
        self.answer(201, charge)

    def answer(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass  # the charges are the log


if __name__ == "__main__":
    print("demo payment provider on http://127.0.0.1:8000/charges")
    ThreadingHTTPServer(("127.0.0.1", 8000), Provider).serve_forever()
