#!/usr/bin/env python3
"""The demo's application: answers GET / (counting each request in redis,
the db node) and exports its request count at /metrics for Prometheus.
Listens on 127.0.0.1:$PORT; DB is the db node's ip:port."""
import http.server
import os
import socket
import threading

PORT = int(os.environ["PORT"])
DB = os.environ.get("DB", "")
lock = threading.Lock()
served = 0


def count_in_db():
    """INCR hits in redis (RESP by hand: no client library needed)."""
    if ":" not in DB:
        return
    host, port = DB.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1) as s:
            s.sendall(b"*2\r\n$4\r\nINCR\r\n$4\r\nhits\r\n")
            s.recv(64)
    except OSError:
        pass


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global served
        if self.path == "/metrics":
            with lock:
                body = "demo_http_requests_total %d\n" % served
        else:
            with lock:
                served += 1
            count_in_db()
            body = "hello from app on port %d\n" % PORT
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
