"""WSGI entry point for tests that serve CKAN with a multi-process server
(gunicorn), from the ini file named by ``CKAN_INI``."""
import os

from ckan.cli import load_config
from ckan.config.middleware import make_app

application = make_app(load_config(os.environ["CKAN_INI"]))
