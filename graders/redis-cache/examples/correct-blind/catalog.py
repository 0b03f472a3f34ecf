"""A slow demo catalog for trying the app by hand: python catalog.py (port 8000). Not graded."""

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRODUCTS = {str(i): {"id": str(i), "name": name, "price": price}
            for i, (name, price) in enumerate([("lamp", 1299), ("desk", 8900), ("chair", 4500)], 1)}


class Catalog(BaseHTTPRequestHandler):
    def answer(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        time.sleep(0.5)  # a slow backend: that is why we cache
        product = PRODUCTS.get(self.path.removeprefix("/products/"))
        self.answer(200, product) if product else self.answer(404, {"error": "no such product"})

    def do_PUT(self):
        product_id = self.path.removeprefix("/products/")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or "{}")
        PRODUCTS[product_id] = {**body, "id": product_id}
        self.answer(200, PRODUCTS[product_id])


if __name__ == "__main__":
    print("demo catalog on http://127.0.0.1:8000/products/1")
    ThreadingHTTPServer(("127.0.0.1", 8000), Catalog).serve_forever()
