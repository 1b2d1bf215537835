"""The reference web app now ships inside nba-ml: ``nba_ml.web`` (routes in
``nba_ml/web/routes.py``, start-up in ``nba_ml/web/startup.py``). Serve it with

    pip install 'nba-ml[web]'
    NBA_ML_DATA_DIR=/var/lib/nba-ml gunicorn --workers 2 --preload nba_ml.web:app

This file stays so that ``gunicorn --chdir examples webapp:app`` command lines keep working.
"""

from nba_ml.web import app

__all__ = ["app"]
