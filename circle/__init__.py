"""Circle: the collaboration platform for regional learning groups."""

import logging
import os

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, Config


def create_app(config_class: type[Config] | None = None) -> Flask:
    if config_class is None:
        config_class = CONFIGS[os.environ.get("CIRCLE_ENV", "development")]
    config_class.validate()

    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.config.from_object(config_class)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
    os.makedirs(app.instance_path, exist_ok=True)
    from circle.urls import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter
    _init_logging(app)

    import circle.models  # noqa: F401  (complete metadata before anything uses it)

    _init_extensions(app)
    _register_blueprints(app)

    from circle.errors import register_error_handlers
    from circle.templating import init_templating

    register_error_handlers(app)
    init_templating(app)

    from circle.cli import circle_cli

    app.cli.add_command(circle_cli)
    return app


def _init_logging(app: Flask) -> None:
    """Circle's own messages (such as e-mails in development) go to the console."""
    logger = logging.getLogger("circle")
    if app.testing or logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _init_extensions(app: Flask) -> None:
    from circle.database import render_migration_item
    from circle.extensions import (
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        socketio,
    )
    from circle.i18n import select_locale
    from circle.search.services import include_object as search_include_object
    from circle.security import init_security

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
        include_object=search_include_object,
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    # Imported before init_app: importing it registers the /boards namespace,
    # which every socketio.init_app then hands to the server it builds.
    from circle.boards import events as _board_events  # noqa: F401

    # Calendars follow who takes part where (a receiver of taking_part_changes).
    from circle.meetings import following as _calendars  # noqa: F401

    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
    )
    init_security(app)


def _register_blueprints(app: Flask) -> None:
    # Views are imported here, not in the packages' __init__, so that importing a
    # feature's models never drags in (circular) view and service imports.
    from circle.accounts import bp as accounts_bp
    from circle.accounts import invitation_views as _invitation_views  # noqa: F401
    from circle.accounts import profile_views as _profile_views  # noqa: F401
    from circle.accounts import views as _accounts_views  # noqa: F401
    from circle.boards import action_views as _action_views  # noqa: F401
    from circle.boards import bp as boards_bp
    from circle.boards import views as _boards_views  # noqa: F401
    from circle.cases import bp as cases_bp
    from circle.cases import views as _cases_views  # noqa: F401
    from circle.groups import bp as groups_bp
    from circle.groups import views as _groups_views  # noqa: F401
    from circle.intake import bp as intake_bp
    from circle.intake import views as _intake_views  # noqa: F401
    from circle.main import bp as main_bp
    from circle.main import views as _main_views  # noqa: F401
    from circle.meetings import bp as meetings_bp
    from circle.meetings import calendar_views as _calendar_views  # noqa: F401
    from circle.meetings import views as _meetings_views  # noqa: F401
    from circle.moderation import bp as moderation_bp
    from circle.moderation import views as _moderation_views  # noqa: F401
    from circle.notifications import bp as notifications_bp
    from circle.notifications import views as _notifications_views  # noqa: F401
    from circle.organisations import bp as organisations_bp
    from circle.organisations import views as _organisations_views  # noqa: F401
    from circle.outbox import bp as outbox_bp
    from circle.outbox import views as _outbox_views  # noqa: F401
    from circle.programmes import bp as programmes_bp
    from circle.programmes import principle_views as _principle_views  # noqa: F401
    from circle.programmes import views as _programmes_views  # noqa: F401
    from circle.search import bp as search_bp
    from circle.search import views as _search_views  # noqa: F401
    from circle.threads import bp as threads_bp
    from circle.threads import views as _threads_views  # noqa: F401
    from circle.tips import bp as tips_bp
    from circle.tips import public_views as _tips_public_views  # noqa: F401
    from circle.tips import views as _tips_views  # noqa: F401

    for blueprint in (
        main_bp,
        accounts_bp,
        organisations_bp,
        programmes_bp,
        intake_bp,
        groups_bp,
        cases_bp,
        meetings_bp,
        threads_bp,
        moderation_bp,
        search_bp,
        boards_bp,
        notifications_bp,
        outbox_bp,
        tips_bp,
    ):
        app.register_blueprint(blueprint)
