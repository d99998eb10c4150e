"""/healthz reports the database, the message queue and the outbox."""

from circle.extensions import db
from tests.conftest import make_test_app, service_url


def health(app):
    with app.app_context():
        response = app.test_client().get("/healthz")
        db.session.remove()
        db.engine.dispose()
    return response


def test_healthy_without_message_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "message_queue": "not configured",
        "outbox": {"queued": 0, "oldest_queued_seconds": None, "failed": 0},
    }


def test_database_down_gives_503(tmp_path):
    app = make_test_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'circle.db'}"
    )
    response = health(app)
    assert response.status_code == 503
    assert response.json["database"] == "error"
    assert response.json["status"] == "error"


def test_postgresql_down_gives_503():
    app = make_test_app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/circle",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    response = health(app)
    assert response.status_code == 503
    assert response.json["database"] == "error"


def test_message_queue_up():
    url = service_url("TEST_REDIS_URL")
    response = health(make_test_app(SOCKETIO_MESSAGE_QUEUE=url))
    assert response.status_code == 200
    assert response.json["message_queue"] == "ok"


def test_message_queue_down_gives_503():
    response = health(make_test_app(SOCKETIO_MESSAGE_QUEUE="redis://127.0.0.1:1/0"))
    assert response.status_code == 503
    assert response.json["message_queue"] == "error"
    assert response.json["database"] == "ok"
