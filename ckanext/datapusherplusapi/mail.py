"""Failure mails to publishers: who submitted a failed job
(``ckanext.datapusher_plus.notify_submitter``) and, if the portal wants it,
its organization's admins (``notify_org_admins``) get a mail through CKAN's
mailer, batched: at most one per person every ``notify_interval`` minutes,
listing every failure since their last one.

How: ``lifecycle.fail`` sends ``signals.job_failed``, which ``job_failed``
hears (``plugin.py`` connects it); it only queues ``queue_job`` for CKAN's
background workers. The worker adds the job to each recipient's list in
Redis and marks them due; ``send_due`` then mails every due person
whose interval is over (claiming them first, so two workers never mail one
person twice) and keeps the others due. Failures held back by the interval
go out at the next failure, or when ``ckan datapusherplusapi send-mails``
runs (cron, every few minutes, as CKAN's own ``ckan notify send_emails``).

Each failure's cause (causes.py) is said in the reader's words: its title,
code and fix to sysadmins; to the publisher and the organization's admins,
what they can do (or that the portal's administrators must act).

Each user can turn these mails off (``/user/datapusher-plus/mail``, linked
from every mail); the choice is kept in the user's ``plugin_extras``. Mails
are written in the portal's default language (``ckan.locale_default``).
"""
from __future__ import annotations

import gettext as stdlib_gettext
import logging
import os
from typing import Any, Callable, Optional

import sqlalchemy as sa
from flask_babel import force_locale

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import mailer
from ckan.lib.redis import connect_to_redis

from ckanext.datapusherplusapi import causes, config, messages
from ckanext.datapusherplusapi.model.job import Job, cause_of

log = logging.getLogger(__name__)

EXTRAS_KEY = "datapusherplusapi"  # in a user's plugin_extras: {"mail": false} turns mails off
DOMAIN = "ckanext-datapusherplusapi"
MAX_LISTED = 100  # failures one mail lists at most (the latest)
RETRY_AFTER = 300  # seconds before a mail the SMTP server refused is tried again
I18N = os.path.join(os.path.dirname(__file__), "i18n")


def _key(*parts: str) -> str:
    return ":".join(["{}:datapusherplusapi:mail".format(tk.config.get("ckan.site_id"))]
                    + list(parts))


def _due() -> str:
    return _key("due")


def _pending(user_id: str) -> str:
    return _key("pending", user_id)


def _sent(user_id: str) -> str:
    return _key("sent", user_id)


# ----------------------------------------------------------- preferences ---
def wants_mail(user: model.User) -> bool:
    """Whether the user takes failure mails (yes unless they turned them off)."""
    extras = user.plugin_extras or {}
    return (extras.get(EXTRAS_KEY) or {}).get("mail", True) is not False


def set_wants_mail(user: model.User, wanted: bool) -> None:
    extras = dict(user.plugin_extras or {})
    extras[EXTRAS_KEY] = dict(extras.get(EXTRAS_KEY) or {}, mail=wanted)
    user.plugin_extras = extras
    model.Session.commit()


# ------------------------------------------------------------- queueing ---
def enabled() -> bool:
    return config.notify_submitter() or config.notify_org_admins()


def job_failed(job_id: str) -> None:
    """A job failed: queue its mails when the portal sends any. Never raises
    (the failure is recorded already; a queue that is down loses the mail)."""
    if not enabled():
        return
    try:
        tk.enqueue_job(queue_job, [job_id], title="DataPusher+ mail: job failed")
    except Exception:  # Redis down
        log.exception("DataPusher+: failure mail of job %s not queued", job_id)


def recipients(job: Any) -> list[model.User]:
    """Who hears of ``job``'s failure: its submitter and the admins of its
    organization (as configured), active, with an address, not opted out."""
    ids: list[str] = []
    if config.notify_submitter() and job.user_id:
        ids.append(job.user_id)
    if config.notify_org_admins() and job.organization_id:
        ids += model.Session.execute(
            sa.select(model.Member.table_id).where(
                model.Member.group_id == job.organization_id, model.Member.table_name == "user",
                model.Member.capacity == "admin", model.Member.state == "active")).scalars()
    users = [model.Session.get(model.User, user_id) for user_id in dict.fromkeys(ids)]
    return [user for user in users
            if user is not None and user.state == "active" and user.email and wants_mail(user)]


def queue_job(job_id: str) -> int:
    """The background job: the failure joins each recipient's list; then
    ``send_due``. Returns how many mails went out."""
    job = model.Session.get(Job, job_id)
    if job is None:
        return 0
    redis = connect_to_redis()
    for user in recipients(job):
        pipe = redis.pipeline()
        pipe.rpush(_pending(user.id), job_id)
        pipe.ltrim(_pending(user.id), -MAX_LISTED, -1)  # a mail lists the latest ones
        pipe.sadd(_due(), user.id)
        pipe.execute()
    return send_due()


def send_due() -> int:
    """Mail every due person whose interval is over; how many mails went out."""
    redis = connect_to_redis()
    sent = 0
    for raw in redis.smembers(_due()):
        user_id = raw.decode() if isinstance(raw, bytes) else raw
        # Claim the person for the interval (atomic: one mail per interval,
        # whatever the number of workers); a mail that fails gives it back.
        if not redis.set(_sent(user_id), "1", nx=True, ex=config.notify_interval() * 60):
            continue
        job_ids = [i.decode() if isinstance(i, bytes) else i
                   for i in redis.lrange(_pending(user_id), 0, -1)]
        user = model.Session.get(model.User, user_id)
        composed = (compose(user, job_ids)
                    if user is not None and user.email and wants_mail(user) else None)
        if composed is None:
            # Nobody to mail, or nothing left to say (the jobs were purged).
            redis.delete(_pending(user_id), _sent(user_id))
            redis.srem(_due(), user_id)
            continue
        try:
            mailer.mail_user(user, *composed)
        except Exception:  # the SMTP server refused or is down: kept, tried again later
            log.exception("DataPusher+: failure mail to %s not sent", user.name)
            redis.set(_sent(user_id), "1", ex=RETRY_AFTER)
            continue
        redis.ltrim(_pending(user_id), len(job_ids), -1)  # what came in meanwhile stays
        # Out of the due set, unless something came in meanwhile (checked after,
        # so that a failure added between the two steps is never left behind).
        redis.srem(_due(), user_id)
        if redis.llen(_pending(user_id)):
            redis.sadd(_due(), user_id)
        sent += 1
    return sent


# ------------------------------------------------------------- the mail ---
def _locale() -> str:
    return tk.config.get("ckan.locale_default") or "en"


def _translations() -> Any:
    """Our catalogue in the portal's default language (English without one)."""
    return stdlib_gettext.translation(DOMAIN, I18N, languages=[_locale()], fallback=True)


def cause_lines(job: Any, operator: bool, _: Callable[[str], str]) -> list[str]:
    """A failed job's cause in a mail (indented lines, none without a
    cause): for a sysadmin (``operator``) its title, code and fix (options,
    commands); for the publisher and the organization's admins what they can
    do, or that the portal's administrators must act, as their pages say it. Written in
    the portal's language (``force_locale``, for the causes' own words)."""
    cause = cause_of(job)
    if cause is None:
        return []
    with force_locale(_locale()):
        if operator:
            return ["  " + _("Cause: {title} ({code})").format(title=causes.title(cause.code),
                                                             code=cause.code),
                    "  " + _("Fix: {fix}").format(fix=causes.fix(cause))]
        if cause.code == causes.UNKNOWN:
            return []
        return ["  " + causes.for_publishers(cause)]


def compose(user: model.User, job_ids: list[str]) -> Optional[tuple[str, str]]:
    """(subject, body) of one person's mail about these failed jobs; None
    when none of them is left."""
    translations = _translations()
    _: Callable[[str], str] = translations.gettext
    ungettext: Callable[[str, str, int], str] = translations.ngettext
    site = tk.config["ckan.site_url"].rstrip("/")
    title = tk.config.get("ckan.site_title") or site
    jobs = [job for job in (model.Session.get(Job, job_id) for job_id in dict.fromkeys(job_ids))
            if job is not None]
    lines = []
    for job in jobs:
        resource = model.Session.get(model.Resource, job.resource_id)
        package = model.Session.get(model.Package, job.package_id) if job.package_id else None
        name = (resource.name if resource else None) or job.resource_id
        reason = (messages.render(job.error, job.error_params, gettext=_)
                  or _("The push to the DataStore failed."))
        lines.append("- {}{}: {}".format(
            name, " ({})".format(package.title or package.name) if package else "", reason))
        lines += cause_lines(job, bool(user.sysadmin), _)
        if package:
            lines.append("  {}/dataset/{}/datapusher-plus/{}".format(site, package.name,
                                                                     job.resource_id))
    count = len(jobs)
    if not count:
        return None
    subject = ungettext("[{site}] A push to the DataStore failed",
                        "[{site}] {count} pushes to the DataStore failed", count).format(
                            site=title, count=count)
    body = "\n".join([
        _("Hello {name},").format(name=user.fullname or user.name),
        "",
        ungettext("This push into the DataStore failed:",
                  "These pushes into the DataStore failed:", count),
        "",
        *lines,
        "",
        _("You get this mail because you started these pushes or administer their organization. "
          "To get no more of them: {url}").format(url=site + "/user/datapusher-plus/mail"),
    ])
    return subject, body

