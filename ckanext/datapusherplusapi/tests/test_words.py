"""What people read: a loader's error without its traceback or server paths,
rates written as each language writes numbers, bulk tasks' states in words."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories

from ckanext.datapusherplusapi import causes
from ckanext.datapusherplusapi import helpers as dpp_helpers
from ckanext.datapusherplusapi.messages import readable
from ckanext.datapusherplusapi.model import task as task_model
from ckanext.datapusherplusapi.presentation import words
from ckanext.datapusherplusapi.tests.helpers import (
    STATUS_URL,
    auth,
    make_resource,
    member_of,
    seed_jobs,
    sysadmin_with_token,
)

# What DataPusher 0.0.17 answered for an XML file (paths shortened).
TRACEBACK = '''Traceback (most recent call last):
  File "/srv/app/venv/lib/python3.11/site-packages/datapusher/jobs.py", line 412, in push
    raise util.JobError(message)
           ^^^^^^^^^^^^^^^^^^^^^
  File "/srv/app/venv/lib/python3.11/site-packages/messytables/core.py", line 97, in read
    ValueError("x")
ValueError: could not parse /tmp/dp-7f3a/upload.xml at line 3'''


class TestReadable:
    def test_a_traceback_is_the_exception_it_ended_with(self):
        assert readable(TRACEBACK) == "ValueError: could not parse upload.xml at line 3"

    def test_server_paths_become_file_names_and_urls_stay(self):
        assert readable("Cannot open /home/ckan/storage/a/b.csv") == "Cannot open b.csv"
        text = "Could not fetch http://example.org/data/2026/b.csv (404); see ./local/x"
        assert readable(text) == text

    def test_plain_text_is_kept(self):
        assert readable("Bad header row: 'ville'") == "Bad header row: 'ville'"


pytestmark_db = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytestmark_db
def test_a_publisher_reads_the_last_line_of_a_loaders_traceback(app, service_user):
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org)
    seed_jobs([resource], 1, "error", error=TRACEBACK)
    body = app.get(STATUS_URL + "/" + resource["id"], headers=auth(editor)).json
    assert body["error"] == "ValueError: could not parse upload.xml at line 3"
    tab = app.get("/dataset/{}/datapusher-plus/{}".format(resource["package_id"],
                                                          resource["id"]),
                  headers=auth(editor)).get_data(as_text=True)
    assert "could not parse upload.xml" in tab
    assert "site-packages" not in tab and "Traceback" not in tab


@pytestmark_db
@pytest.mark.parametrize("lang, rate", [("", "66.7%"), ("/fr", "66,7\u00a0%"),
                                        ("/ar", "66.7%")])
def test_rates_in_each_languages_notation(app, service_user, lang, rate):
    resource = make_resource()
    seed_jobs([resource], 2, "complete")
    seed_jobs([resource], 1, "error", error="x")
    admin = sysadmin_with_token()
    page = app.get(lang + "/ckan-admin/datapusher-plus/", headers=auth(admin))
    assert page.status_code == 200
    text = BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text()
    assert rate in text, text[:2000]


@pytestmark_db
@pytest.mark.parametrize("lang, expected", [("en", "2.5 s"), ("fr", "2,5 s")])
def test_durations_in_each_languages_notation(app, lang, expected):
    with app.flask_app.test_request_context("/", environ_overrides={
            "CKAN_LANG": lang, "CKAN_LANG_IS_DEFAULT": lang == "en"}):
        assert dpp_helpers.datapusherplusapi_duration(2.46) == expected


@pytestmark_db
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_bulk_task_states_are_translated(app, lang):
    with app.flask_app.test_request_context("/", environ_overrides={
            "CKAN_LANG": lang, "CKAN_LANG_IS_DEFAULT": False}):
        for state in (task_model.TASK_QUEUED, task_model.TASK_RUNNING, task_model.TASK_DONE,
                      task_model.TASK_FAILED):
            label = dpp_helpers.datapusherplusapi_task_status_label(state)
            assert label and label != state, (lang, state, label)


@pytestmark_db
@pytest.mark.parametrize("lang, one, two, eleven", [
    ("en", "1 worker, 1 job queued", "2 workers, 2 jobs queued", "11 workers, 11 jobs queued"),
    ("fr", "1 processus, 1 tâche en attente", "2 processus, 2 tâches en attente",
     "11 processus, 11 tâches en attente"),
    # Arabic has six plural forms: one, two (the dual) and 3-10 differ from 11-99.
    ("ar", "1 عامل، 1 مهمة في الانتظار", "2 عاملان، 2 مهمتان في الانتظار",
     "11 عاملًا، 11 مهمة في الانتظار"),
])
def test_counts_follow_each_languages_plural_rules(app, lang, one, two, eleven):
    with app.flask_app.test_request_context("/", environ_overrides={
            "CKAN_LANG": lang, "CKAN_LANG_IS_DEFAULT": lang == "en"}):
        shown = [dpp_helpers.datapusherplusapi_queue_text(n, n) for n in (1, 2, 11)]
    assert shown == [one, two, eleven]


LINK = ("Check the file's link, or upload the file again, through “Edit resource”; then push "
        "it again.")


@pytest.mark.usefixtures("with_request_context")
@pytest.mark.parametrize("error_type, message, step", [
    # xloader's own words for a link that answers 404, and requests' for a host down
    ("service_job_error", "Xloader received a bad HTTP response when trying to download the "
     "data file status=404 url=http://x/f.csv", LINK),
    ("service_job_error", "HTTPConnectionPool(host='x', port=80): Max retries exceeded", LINK),
    ("download_failed", "The file could not be downloaded: HTTP 404", LINK),
    ("service_job_error", "Row 4 has more values than the 3 column(s)",
     "Correct row 4 of the file (or choose the format the file really has), replace it "
     "through “Edit resource”, then push it again."),
    ("service_job_error", "Bad header at line 1 (404 rows read)",  # a number is not a status
     "Correct the file where the message says (or choose the format the file really has), "
     "replace it through “Edit resource”, then push it again."),
    ("internal_error", "HTTP 500", "Push it again later; if this goes on, ask a sysadmin."),
])
def test_the_next_step_follows_the_reason(error_type, message, step):
    assert words.next_step(error_type, message) == step


LATER = "Push it again later; if this goes on, ask a sysadmin."


@pytest.mark.usefixtures("with_request_context")
@pytest.mark.parametrize("error_type, message, step", [
    # The loader's token refused: nothing in the file to correct (without the
    # cause, the loader's failed job read as the file's fault).
    ("service_job_error", "403 Client Error: Forbidden for url: http://ckan/api/3/action/"
     "datastore_create", LATER),
    ("loader_job_failed", "Work-horse terminated unexpectedly; waitpid returned 9", LATER),
    # Too large: smaller files, not "correct the file where the message says".
    ("service_job_error", "Resource too large to download: 52428800 > max (10485760).",
     "Publish the data in smaller files through “Edit resource”, or ask a sysadmin to raise "
     "the limit."),
    ("invalid_file", "Row 4 has more values than the 3 column(s)",
     "Correct row 4 of the file (or choose the format the file really has), replace it "
     "through “Edit resource”, then push it again."),
    # The unknown cause leaves it to the error type and the message, as before.
    ("service_job_error", "Row 4 has more values than the 3 column(s)",
     "Correct row 4 of the file (or choose the format the file really has), replace it "
     "through “Edit resource”, then push it again."),
])
def test_the_next_step_agrees_with_the_cause(error_type, message, step):
    cause = causes.of_failure(error_type, message, "xloader")
    assert words.next_step(error_type, message, cause.as_dict()) == step
    # The publisher's words for the cause never say the contrary.
    said = words.cause_for_publishers(cause.as_dict())
    assert ("administrators can fix it" in said) == (step == LATER)
