"""WSGI entry point for `onewindow serve` and any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
application = get_wsgi_application()
