"""The reference web app, installed with nba-ml's ``web`` extra (Flask and gunicorn).

    pip install 'nba-ml[web]'
    NBA_ML_DATA_DIR=/var/lib/nba-ml gunicorn --workers 2 --preload nba_ml.web:app

Endpoints (JSON): ``GET /healthz``, ``/v1/games``, ``/v1/players``, ``/v1/today``; see
:mod:`nba_ml.web.routes`. Each process holds one ``LivePredictor``: it answers 503 until a model
set is installed (``nba-ml ensure`` or the nightly training), then follows every newly installed
generation without a restart. Bad input answers 400 with the CLI's message in ``error``; never a
500 for input. Without ``--preload`` each worker loads its own set; with it the master loads one
and each forked worker restarts its own watcher.

Settings: ``NBA_ML_DATA_DIR`` (the data directory, else nba-ml's default; a relative one is
resolved at start, see :mod:`nba_ml.web.startup`) and ``NBA_ML_SERVING_CHECK_SECONDS`` (seconds
between two looks at ``<data-dir>/models``, default 2). A bad setting ends the server with one
line and exit status 4.

``app`` is built on first access (``from nba_ml.web import app``, or gunicorn's
``nba_ml.web:app``), once per process: importing :mod:`nba_ml.web.routes` or
:mod:`nba_ml.web.startup` alone starts nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app"]


def __getattr__(name: str) -> Any:
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from nba_ml.errors import ConfigError
    from nba_ml.web import startup

    startup.configure_logging()
    startup.watch_for_stop()
    try:
        live = startup.start_live()
        from nba_ml.web.routes import create_app

        application = create_app(live)
    except ConfigError as error:  # one line, not a traceback, and no worker boots
        startup.fail_start(error)
    finally:
        startup.stop_watching()
    globals().update(app=application, live=live)
    return application
