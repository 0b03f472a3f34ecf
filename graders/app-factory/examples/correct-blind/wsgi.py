"""The site: three apps made by one factory, side by side in one process. Given: don't change it.

Run it:   flask --app wsgi run      (or `sandbox run`)

  /...        the "alpha" app:  its own name, at most 3 notes, the API under /api
  /beta/...   the "beta" app:   its own name, at most 5 notes, the API under /v2
  /plain/...  create_app() with no settings: the defaults
"""

import os

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from notes import create_app

alpha = create_app({"NAME": os.environ.get("SITE_ALPHA_NAME", "alpha"), "MAX_NOTES": 3})
beta = create_app(
    {"NAME": os.environ.get("SITE_BETA_NAME", "beta"), "API_PREFIX": "/v2", "MAX_NOTES": 5}
)
plain = create_app()

app = DispatcherMiddleware(alpha, {"/beta": beta, "/plain": plain})
