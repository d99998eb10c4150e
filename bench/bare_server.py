"""The yardstick for bench/board_fanout.py: a python-socketio server that only
rebroadcasts, on the same stack as Circle (gevent, Flask-SocketIO, optionally
Redis as message queue), without login, database or permissions.

    python bench/bare_server.py PORT [REDIS_URL]
"""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode="gevent",
    message_queue=sys.argv[2] if len(sys.argv) > 2 else None,
    cors_allowed_origins="*",
)


@app.get("/healthz")
def healthz():
    return "ok"


@socketio.on("join", namespace="/boards")
def on_join(payload):
    join_room(f"board:{payload['board_id']}")
    return {"ok": True}


@socketio.on("card_add", namespace="/boards")
def on_card_add(payload):
    change = {"board_id": payload["board_id"], "card": {"text": payload["text"]}}
    socketio.emit(
        "change", change, to=f"board:{payload['board_id']}", namespace="/boards"
    )
    return {"ok": True}


if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]))
