"""The plugin's blueprints, one module per audience: ``api`` (the
specification's JSON endpoints, for scripts), ``resource`` (the resource's
tab and push button, for publishers), ``organization`` (an organization's
jobs, for its editors and admins), ``user`` (one's choice about failure
mails), ``admin`` (the dashboard and the job pages, for sysadmins),
``job`` (a job page's Retry, which leads to the new attempt's page) and
``metrics`` (the figures for a monitoring system);
``common`` is what they share."""
from ckanext.datapusherplusapi.views.admin import admin
from ckanext.datapusherplusapi.views.api import api
from ckanext.datapusherplusapi.views.job import job_pages
from ckanext.datapusherplusapi.views.metrics import metrics
from ckanext.datapusherplusapi.views.organization import organization
from ckanext.datapusherplusapi.views.resource import ui
from ckanext.datapusherplusapi.views.user import user

__all__ = ["api", "ui", "organization", "user", "admin", "job_pages", "metrics"]
