"""The floor: a bare Flask endpoint served by the same server (waitress) as the mock."""
from __future__ import annotations

import sys

from flask import Flask, jsonify
from waitress import serve

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify({"ok": True})


if __name__ == "__main__":
    port = int(sys.argv[1])
    print(f"floor: serving http://127.0.0.1:{port}", flush=True)
    serve(app, host="127.0.0.1", port=port, threads=8, ident="floor")
