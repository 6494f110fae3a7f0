"""``ckan datapusherplusapi ...``: push resources and look after jobs from a shell.

Every command calls this extension's (or CKAN's) actions as the site user.
Exit codes: 0 done (skipped resources included), 1 something failed or was
not found, 2 wrong usage.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

import click
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import backends, mail
from ckanext.datapusherplusapi.logic import background
from ckanext.datapusherplusapi.logic import reconcile as reconciling
from ckanext.datapusherplusapi.logic.formats import resource_format
from ckanext.datapusherplusapi.model.job import ACTIVE, Job
from ckanext.datapusherplusapi.records import table

__all__ = ["datapusherplusapi"]

PAGE = 1000  # datasets or jobs per page when listing through the actions


_site_user: dict[str, str] = {}  # read once per command (the group resets it)


def _context() -> dict[str, Any]:
    """A new context as the site user (actions write into their context)."""
    if "name" not in _site_user:
        _site_user["name"] = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": _site_user["name"]}


def _datasets(fq: Optional[str] = None) -> Iterable[dict[str, Any]]:
    """Datasets of a search (all without ``fq``), every page, private ones included."""
    start = 0
    while True:
        query = {"q": "*:*", "rows": PAGE, "start": start, "include_private": True,
                 "sort": "name asc"}
        if fq:
            query["fq"] = fq
        found = tk.get_action("package_search")(_context(), query)
        yield from found["results"]
        start += PAGE
        if start >= found["count"] or not found["results"]:
            return


def _submittable(resources: Iterable[dict[str, Any]], formats: list[str]) -> list[dict[str, Any]]:
    return [r for r in resources if resource_format(r) in formats]


def _submit_all(resources: list[dict[str, Any]], force: bool, label: str) -> int:
    """Submit each resource with a progress bar; the exit code."""
    counts = {"submitted": 0, "skipped": 0, "failed": 0}
    failures = []
    with click.progressbar(resources, label=label, show_pos=True) as bar:
        for resource in bar:
            outcome, why = background.submit_one(_context(), resource["id"], force)
            counts[outcome] += 1
            if why:
                failures.append((resource["id"], why))
    for resource_id, message in failures:
        click.secho("{}: {}".format(resource_id, message), fg="red", err=True)
    click.echo(tk._("{submitted} submitted, {skipped} skipped (a job is already active), "
                    "{failed} failed").format(**counts))
    return 1 if counts["failed"] else 0


def _active_among(resource_ids: list[str]) -> set[str]:
    """Those of the resources whose latest push is still active."""
    found: set[str] = set()
    for start in range(0, len(resource_ids), 1000):
        found.update(model.Session.execute(
            sa.select(Job.resource_id).where(Job.resource_id.in_(resource_ids[start:start + 1000]),
                                             Job.status.in_(ACTIVE))).scalars())
    return found


def _show(resources: list[dict[str, Any]], force: bool = False) -> None:
    """What a submit would do: each resource, then how many would be pushed
    and how many skipped (a push already active, unless ``force``)."""
    active = set() if force else _active_among([r["id"] for r in resources])
    for resource in resources:
        click.echo("{}\t{}\t{}{}".format(
            resource["id"], resource.get("format") or "", resource.get("url") or "",
            "\t" + tk._("skipped: a push is active") if resource["id"] in active else ""))
    pushed = len(resources) - len(active)
    click.echo(tk.ungettext("{count} resource would be submitted",
                            "{count} resources would be submitted",
                            pushed).format(count=pushed))
    if active:
        click.echo(tk.ungettext("{count} would be skipped: a push is already active (--force "
                                "pushes it again)",
                                "{count} would be skipped: a push is already active (--force "
                                "pushes them again)", len(active)).format(count=len(active)))


@click.group(short_help="DataPusher+: push resources to the DataStore, look after jobs")
def datapusherplusapi() -> None:
    """Push resources into the DataStore through the portal's loader."""
    _site_user.clear()


@datapusherplusapi.command()
@click.argument("resource_ids", nargs=-1)
@click.option("-d", "--dataset", "datasets", multiple=True, help="every resource of a dataset")
@click.option("-o", "--organization", "organizations", multiple=True,
              help="every resource of an organization's datasets")
@click.option("--all", "everything", is_flag=True, help="every resource of the portal")
@click.option("-f", "--format", "formats", multiple=True,
              help="only these formats (default: ckanext.datapusher_plus.formats)")
@click.option("--force", is_flag=True, help="submit even if a job is active (it is cancelled)")
@click.option("--dry-run", is_flag=True, help="list what would be submitted, submit nothing")
def submit(resource_ids: tuple[str, ...], datasets: tuple[str, ...],
           organizations: tuple[str, ...], everything: bool, formats: tuple[str, ...],
           force: bool, dry_run: bool) -> None:
    """Submit resources (ids), datasets, organizations or the whole portal."""
    if not (resource_ids or datasets or organizations or everything):
        raise click.UsageError(tk._("Name resources, --dataset, --organization or --all"))
    wanted = [f.upper() for f in formats] or backends.submittable_formats()
    resources: dict[str, dict[str, Any]] = {}
    try:
        for resource_id in resource_ids:
            resource = tk.get_action("resource_show")(_context(), {"id": resource_id})
            resources[resource["id"]] = resource  # named: any format, the action decides
        picked: list[dict[str, Any]] = []
        for name in datasets:
            picked += tk.get_action("package_show")(_context(), {"id": name})["resources"]
        for name in organizations:
            org = tk.get_action("organization_show")(_context(), {"id": name})
            for dataset in _datasets("owner_org:{}".format(org["id"])):
                picked += dataset["resources"]
        if everything:
            for dataset in _datasets():
                picked += dataset["resources"]
    except tk.ObjectNotFound as e:
        raise click.ClickException(str(e) or tk._("Not found")) from e
    for resource in _submittable(picked, wanted):
        resources.setdefault(resource["id"], resource)
    chosen = list(resources.values())
    if dry_run:
        _show(chosen, force)
        return
    raise SystemExit(_submit_all(chosen, force, tk._("Submitting")))


@datapusherplusapi.command()
@click.argument("resource_id")
def status(resource_id: str) -> None:
    """A resource's DataPusher+ status and its latest log lines."""
    try:
        result = tk.get_action("datapusher_plus_status")(_context(), {"resource_id": resource_id})
    except tk.ObjectNotFound as e:
        raise click.ClickException(str(e) or tk._("Resource not found")) from e
    for key in ("resource_id", "status", "job_id", "submitted", "started", "finished",
                "duration", "attempt", "error_type", "error", "datastore_active"):
        if result.get(key) not in (None, ""):
            click.echo("{}: {}".format(key, result[key]))
    for line in result["logs"][-10:]:
        click.echo("  {timestamp} {level} {message}".format(**line))


@datapusherplusapi.command("retry-failed")
@click.option("-o", "--organization", help="only this organization's resources")
@click.option("-f", "--format", "fmt", help="only this format")
@click.option("--dry-run", is_flag=True, help="list what would be submitted, submit nothing")
def retry_failed(organization: Optional[str], fmt: Optional[str], dry_run: bool) -> None:
    """Submit again every resource whose latest job failed."""
    filters: dict[str, Any] = {"status": "error", "latest_only": True, "limit": PAGE}
    if organization:
        filters["organization"] = organization
    if fmt:
        filters["format"] = fmt
    failed: list[dict[str, Any]] = []
    page = 1
    while True:
        listing = tk.get_action("datapusher_plus_job_list")(_context(), dict(filters, page=page))
        failed += [{"id": job["resource_id"], "format": job["resource_format"],
                    "url": job.get("resource_url")} for job in listing["results"]]
        if page * listing["limit"] >= listing["count"] or not listing["results"]:
            break
        page += 1
    if dry_run:
        _show(failed)
        return
    raise SystemExit(_submit_all(failed, False, tk._("Retrying")))


@datapusherplusapi.command()
@click.option("--older-than", "days", type=click.IntRange(min=0), required=True,
              help="age in days of the finished jobs to delete")
@click.option("--dry-run", is_flag=True, help="count them, delete nothing")
def purge(days: int, dry_run: bool) -> None:
    """Delete finished job rows older than DAYS (each resource's latest is kept)."""
    result = tk.get_action("datapusher_plus_job_purge")(
        _context(), {"older_than": days, "dry_run": dry_run})
    if dry_run:
        click.echo(tk.ungettext("{count} job row would be deleted",
                                "{count} job rows would be deleted",
                                result["would_delete"]).format(count=result["would_delete"]))
    else:
        click.echo(tk.ungettext("{count} job row deleted", "{count} job rows deleted",
                                result["deleted"]).format(count=result["deleted"]))


@datapusherplusapi.command()
@click.option("--drop", is_flag=True, help="remove them")
def leftovers(drop: bool) -> None:
    """List the JSON/XML loader's new tables that no load is writing (a load
    whose worker was killed after it built its table); --drop removes them.
    The live DataStore tables are never among them."""
    names = table.drop_leftovers() if drop else table.leftovers()
    for name in names:
        click.echo(name)
    count = len(names)
    if drop:
        click.echo(tk.ungettext("{count} table removed", "{count} tables removed",
                                count).format(count=count))
    else:
        click.echo(tk.ungettext("{count} table left by an interrupted load",
                                "{count} tables left by interrupted loads",
                                count).format(count=count))


@datapusherplusapi.command()
@click.option("--dry-run", is_flag=True, help="list what would be done, change nothing")
def reconcile(dry_run: bool) -> None:
    """Put right the resources whose DataStore state disagrees with their last
    push job (for cron): a mark datastore_active corrected, or a push again.
    Prints one line per resource: its kind, dataset/resource, the fix (none:
    shown only) and, without --dry-run, what happened."""
    found = reconciling.find(model.Session)
    context = _context()
    outcomes = {"submitted": 0, "skipped": 0, "failed": 0}
    for item in found:
        outcome = ""
        if not dry_run and item.fix != reconciling.NONE:
            outcome = background.fix_disagreement(dict(context), item)[0]
            outcomes[outcome] += 1
        click.echo("\t".join(part for part in (item.kind, "{}/{}".format(
            item.package_name, item.resource_id), item.fix, outcome) if part))
    to_fix = sum(1 for item in found if item.fix != reconciling.NONE)
    if dry_run:
        click.echo(tk.ungettext("{count} resource would be put right",
                                "{count} resources would be put right", to_fix).format(
                                    count=to_fix))
    else:
        click.echo(tk.ungettext(
            "{count} resource put right ({skipped} changed meanwhile, {failed} refused)",
            "{count} resources put right ({skipped} changed meanwhile, {failed} refused)",
            outcomes["submitted"]).format(count=outcomes["submitted"], **outcomes))
    raise SystemExit(1 if outcomes["failed"] else 0)


@datapusherplusapi.command()
def check() -> None:
    """Ask the loaders about every job without news for check_after seconds
    and record their answers (run it from cron every minute: a load whose
    worker died, or that its loader lost, then ends in error even when no
    page of the portal is open)."""
    asked, changed = background.check_silent_jobs()
    click.echo(tk.ungettext("{count} silent job asked about, {changed} changed",
                            "{count} silent jobs asked about, {changed} changed",
                            asked).format(count=asked, changed=changed))


@datapusherplusapi.command("send-mails")
def send_mails() -> None:
    """Send the failure mails whose interval is over (run it from cron every
    few minutes; see ckanext.datapusher_plus.notify_submitter)."""
    count = mail.send_due()
    click.echo(tk.ungettext("{count} mail sent", "{count} mails sent", count).format(count=count))
