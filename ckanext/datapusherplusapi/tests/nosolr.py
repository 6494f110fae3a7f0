"""DEV/TEST ONLY — ``datapusherplusapi_nosolr``: a database stand-in for Solr.

Production CKAN uses Solr.  Solr cannot be installed on the machines this
project is developed and tested on, so ``test.ini`` and the dev portal's
config load this plugin (registered in CKAN's ``ckan.test_plugins`` entry-point
group, never ``ckan.plugins``).  Never list it in a production config.

While loaded it
- turns package indexing into a no-op (``PackageSearchIndex``: index, delete,
  commit, clear), whichever way CKAN reaches the index (``index_for`` or a
  direct ``PackageSearchIndex()``);
- answers package search from the database, for the subset CKAN's pages and
  this extension use: ``q`` over name/title/notes, ``fq`` on owner_org,
  capacity, state, dataset type, groups and name, permission labels,
  rows/start, sort by metadata_modified, name or title; facets come back empty.
It restores CKAN's own classes when unloaded.
"""
from __future__ import annotations

import json
import logging
import re
import shlex
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins as p
from ckan.lib import search
from ckan.lib.search import index as search_index
from ckan.lib.search import query as search_query
from ckan.logic import get_action

log = logging.getLogger(__name__)

_PATCHES: dict[tuple[type, str], Any] = {}


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


def _not_indexed(self: Any, reference: str) -> dict[str, Any]:
    # package_show then builds the dict from the database, as it does on a miss.
    raise search.SearchError("datapusherplusapi_nosolr: no search index")


_FQ_TERM = re.compile(r'^([+-]?)([\w.]+):(.+)$')


def _values(raw: str) -> list[str]:
    raw = raw.strip()
    if raw.startswith("(") and raw.endswith(")"):
        raw = raw[1:-1]
    parts = re.split(r"\s+OR\s+", raw)
    return [part.strip().strip('"') for part in parts if part.strip()]


def _fq_terms(fq: Any) -> list[tuple[bool, str, list[str]]]:
    """Parse ``+field:value``, ``field:"value"``, ``-field:(a OR b)`` terms."""
    items = fq if isinstance(fq, (list, tuple)) else [fq]
    terms = []
    for item in items:
        if not item:
            continue
        text = str(item).replace(" OR ", "\x00OR\x00")
        try:
            tokens = shlex.split(text, posix=False)
        except ValueError:
            tokens = text.split()
        for token in tokens:
            match = _FQ_TERM.match(token.replace("\x00OR\x00", " OR "))
            if match:
                sign, field, value = match.groups()
                terms.append((sign == "-", field, _values(value)))
    return terms


def _package_filter(field: str, values: list[str]) -> Optional[sa.sql.ColumnElement]:
    pkg = model.Package
    if field in ("owner_org",):
        return pkg.owner_org.in_(values)
    if field == "capacity":
        private = [v == "private" for v in values if v in ("public", "private")]
        return pkg.private.in_(private) if private else None
    if field == "state":
        return pkg.state.in_(values)
    if field in ("dataset_type", "type"):
        return pkg.type.in_(values)
    if field in ("name", "id"):
        return getattr(pkg, field).in_(values)
    if field in ("groups", "organization"):
        group_ids = sa.select(model.Group.id).where(
            sa.or_(model.Group.name.in_(values), model.Group.id.in_(values)))
        if field == "organization":
            return pkg.owner_org.in_(group_ids)
        members = sa.select(model.Member.table_id).where(
            model.Member.group_id.in_(group_ids), model.Member.table_name == "package",
            model.Member.state == "active")
        return pkg.id.in_(members)
    return None  # site_id, permission_labels (handled apart), unknown fields


def _permission_filter(labels: Optional[list[str]]) -> Optional[sa.sql.ColumnElement]:
    if labels is None:
        return None
    pkg = model.Package
    clauses = []
    orgs = [label[len("member-"):] for label in labels if label.startswith("member-")]
    creators = [label[len("creator-"):] for label in labels if label.startswith("creator-")]
    if "public" in labels:
        clauses.append(pkg.private.is_(False))
    if orgs:
        clauses.append(pkg.owner_org.in_(orgs))
    if creators:
        clauses.append(pkg.creator_user_id.in_(creators))
    return sa.or_(*clauses) if clauses else sa.false()


_SORTS = {
    "metadata_modified": model.Package.metadata_modified,
    "metadata_created": model.Package.metadata_created,
    "name": model.Package.name,
    "title_string": model.Package.title,
    "title": model.Package.title,
}


def _order_by(sort: Optional[str]) -> list[Any]:
    order = []
    for part in (sort or "").split(","):
        words = part.split()
        if not words or words[0] not in _SORTS:
            continue
        column = _SORTS[words[0]]
        order.append(column.asc() if words[-1:] == ["asc"] else column.desc())
    return order or [model.Package.metadata_modified.desc()]


def _run(self: Any, query: dict[str, Any], permission_labels: Optional[list[str]] = None,
         **kwargs: Any) -> dict[str, Any]:
    pkg = model.Package
    stmt = sa.select(pkg.id)
    q = (query.get("q") or "").strip()
    if q and q not in ("*:*", '""', "''"):
        for word in q.split():
            word = word.split(":", 1)[-1].strip('"')
            if not word or word == "*":
                continue
            like = "%{}%".format(word.replace("%", r"\%").replace("_", r"\_"))
            stmt = stmt.where(sa.or_(pkg.name.ilike(like), pkg.title.ilike(like),
                                     pkg.notes.ilike(like)))
    has_state = False
    terms = _fq_terms(query.get("fq", "")) + _fq_terms(query.get("fq_list", []))
    for negated, field, values in terms:
        has_state = has_state or field == "state"
        clause = _package_filter(field, values)
        if clause is not None:
            stmt = stmt.where(sa.not_(clause) if negated else clause)
    if not has_state:
        stmt = stmt.where(pkg.state == "active")
    permission = _permission_filter(permission_labels)
    if permission is not None:
        stmt = stmt.where(permission)

    count = model.Session.execute(
        sa.select(sa.func.count()).select_from(stmt.subquery())).scalar() or 0
    rows = int(query.get("rows", 10) or 0)
    start = int(query.get("start", 0) or 0)
    ids = [row[0] for row in model.Session.execute(
        stmt.order_by(*_order_by(query.get("sort"))).offset(start).limit(rows))]

    fl = query.get("fl") or "id validated_data_dict"
    fields = fl.split() if isinstance(fl, str) else list(fl)
    results = [_as_solr_doc(package_id, fields) for package_id in ids]
    facet_fields = query.get("facet.field") or []
    if isinstance(facet_fields, str):
        facet_fields = json.loads(facet_fields) if facet_fields.startswith("[") else [facet_fields]
    self.count = count
    self.results = results
    self.facets = {field: {} for field in facet_fields}
    return {"results": results, "count": count}


def _as_solr_doc(package_id: str, fields: list[str]) -> dict[str, Any]:
    """What Solr would return for a package and a field list."""
    package = get_action("package_show")(
        {"ignore_auth": True, "use_cache": False, "for_view": False}, {"id": package_id})
    result: dict[str, Any] = {}
    for field in fields:
        if field in ("validated_data_dict", "data_dict"):
            result[field] = json.dumps(package)
        elif field in package:
            result[field] = package[field]
    return result


def _all_ids(self: Any, max_results: int = 1000) -> list[str]:
    return [row[0] for row in model.Session.execute(
        sa.select(model.Package.id).limit(max_results))]


def _no_schema_check(*args: Any, **kwargs: Any) -> bool:
    return False  # there is no Solr schema to check


_REPLACEMENTS: list[tuple[Any, str, Any]] = [
    (search, "check_solr_schema_version", _no_schema_check),
    (search_index.PackageSearchIndex, "index_package", _noop),
    (search_index.PackageSearchIndex, "delete_package", _noop),
    (search_index.PackageSearchIndex, "commit", _noop),
    (search_index.PackageSearchIndex, "clear", _noop),
    (search_query.PackageSearchQuery, "run", _run),
    (search_query.PackageSearchQuery, "get_index", _not_indexed),
    (search_query.PackageSearchQuery, "get_all_entity_ids", _all_ids),
]


def install() -> None:
    """Swap CKAN's Solr calls for the stand-in (idempotent)."""
    for owner, name, replacement in _REPLACEMENTS:
        if (owner, name) not in _PATCHES:
            # None: the class inherits the method, so uninstall deletes ours.
            _PATCHES[(owner, name)] = owner.__dict__.get(name)
            setattr(owner, name, replacement)


def uninstall() -> None:
    """Give CKAN its own classes back."""
    for (owner, name), original in list(_PATCHES.items()):
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
        del _PATCHES[(owner, name)]


class NoSolrPlugin(p.SingletonPlugin):
    """DEV/TEST ONLY: answers package search from the database (no Solr)."""

    p.implements(p.IPluginObserver, inherit=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        install()
        log.warning("datapusherplusapi_nosolr is loaded: package search comes from the "
                    "database. This is for development and tests only; production uses Solr.")

    def before_unload(self, plugin: Any) -> None:
        if isinstance(plugin, NoSolrPlugin):
            uninstall()
