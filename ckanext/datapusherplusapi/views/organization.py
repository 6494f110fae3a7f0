"""An organization's DataPusher+ tab, for its editors and admins: the
dashboard's summary and jobs table over that organization's jobs alone, with
Retry and Cancel for what they may push. Sysadmins see it too, and keep the
portal-wide dashboard."""
from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.config.middleware.flask_app import csrf

from ckanext.datapusherplusapi.logic.errors import JobAlreadyActive, SubmitError
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datapusherplusapi.views.admin import (
    after_post,
    jobs_data,
    render_live,
    run,
    scoped_filters,
)
from ckanext.datapusherplusapi.views.common import (
    action_context,
    flatten,
    handle_errors_as_pages,
    is_htmx,
    page_csrf,
)
from ckanext.datapusherplusapi.views.job import already_active

organization = Blueprint("datapusherplusapi_org", __name__,
                         url_prefix="/organization/datapusher-plus")
csrf.exempt(organization)  # its POSTs are checked by page_csrf, as the dashboard's
handle_errors_as_pages(organization)


@organization.before_request
def _csrf() -> Any:
    return page_csrf()


def _organization(id: str) -> dict[str, Any]:
    """The organization, for who may see its jobs (else 403; unknown: 404)."""
    context = action_context()
    group = tk.get_action("organization_show")(dict(context), {
        "id": id, "include_datasets": False, "include_users": False,
        "include_extras": False, "include_groups": False, "include_tags": False,
        "include_followers": False})
    tk.check_access("datapusher_plus_job_list", dict(context), {"organization": group["id"]})
    return group


@organization.route("/<id>", methods=["GET"])
def jobs(id: str) -> Any:
    """The organization's jobs: summary, rates, chart and table, live."""
    group = _organization(id)
    data = jobs_data(*scoped_filters(request.args, group), organization=group)
    if is_htmx() and request.args.get("part") == "live":
        return render_live(data)
    return tk.render("datapusherplusapi/organization.html", extra_vars=dict(
        data, group_dict=group, group_type=group.get("type") or "organization"))


def _job_action(id: str, action: str, job_id: str, done: str) -> Any:
    group = _organization(id)
    return run(action, {"id": job_id}, done,
               after=functools.partial(after_post, organization=group))


@organization.route("/<id>/jobs/<job_id>/retry", methods=["POST"])
def retry(id: str, job_id: str) -> Any:
    """Push a job's resource again (who may push it). While another push of
    the resource is active, a sentence of ours says so, its status in words."""
    group = _organization(id)
    after = functools.partial(after_post, organization=group)
    try:
        tk.get_action("datapusher_plus_job_retry")(action_context(), {"id": job_id})
    except JobAlreadyActive:
        job = model.Session.get(Job, job_id)
        return after(already_active(job.resource_id) if job is not None
                     else tk._("A push of this resource is already active."), error=True)
    except SubmitError as e:
        return after(e.message, error=True)
    except tk.ValidationError as e:
        return after(flatten(e.error_dict), error=True)
    except tk.ObjectNotFound as e:
        return after(str(e) or tk._("Unknown DataPusher+ job"), error=True)
    except tk.NotAuthorized as e:  # not theirs to push
        return after(str(e) or tk._("You may not push this job's resource"), error=True)
    return after(tk._("Pushed again"))


@organization.route("/<id>/jobs/<job_id>/cancel", methods=["POST"])
def cancel(id: str, job_id: str) -> Any:
    """Cancel a pending or running job (who may push its resource)."""
    return _job_action(id, "datapusher_plus_job_cancel", job_id, tk._("Job cancelled"))
