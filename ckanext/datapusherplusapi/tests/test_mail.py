"""Failure mails, through a real SMTP server on 127.0.0.1 (aiosmtpd): who
submitted a failed push gets one mail with the reason and a link to the
resource's tab; an organization's admins too when the portal wants it;
mails are batched (one per person per interval, listing every failure);
each user can turn them off; they are written in the portal's language."""
from __future__ import annotations

import email
import email.policy
import threading

import pytest
import rq
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import jobs as ckan_jobs
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import mail
from ckanext.datapusherplusapi.cli import datapusherplusapi
from ckanext.datapusherplusapi.mail import cause_lines
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datapusherplusapi.tests.fake_service import Callback
from ckanext.datapusherplusapi.tests.helpers import auth, free_port, make_resource, member_of

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


class Inbox:
    """What the SMTP server received: (recipients, parsed message)."""

    def __init__(self):
        self.messages = []
        self.refuse = 0  # how many mails to refuse first (a server in trouble)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def inbox(monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(tk.config, "smtp.server", "127.0.0.1:{}".format(port))
    monkeypatch.setitem(tk.config, "smtp.test_server", "127.0.0.1:{}".format(port))
    monkeypatch.setitem(tk.config, "smtp.mail_from", "portal@example.org")
    monkeypatch.setitem(tk.config, dpp_config.NOTIFY_SUBMITTER, True)
    yield inbox
    controller.stop()


@pytest.fixture
def site(service_user, fake_service, live_ckan):
    org = factories.Organization(name="stats", title="Statistics Office")
    editor = member_of(org["id"], "editor")
    model.Session.get(model.User, editor["id"]).email = "editor@example.org"
    model.Session.commit()
    fake_service.callback = Callback(status="error", error={"message": "bad header on line 3"})
    return {"org": org, "editor": editor, "fake": fake_service}


def _fail(site, name):
    """A push of a new resource ``name`` by the editor, which the service fails."""
    resource = make_resource(site["org"], name=name)
    answered = len(site["fake"].callbacks_sent)
    helpers.call_action("datapusher_plus_submit", {"user": site["editor"]["name"]},
                        resource_id=resource["id"])
    site["fake"].wait_callbacks(answered + 1)  # CKAN answered this one's callback
    return resource


def _work():
    queue = ckan_jobs.get_queue()
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)


def _end_of_interval(user):
    """The person's interval ends now (as it would after notify_interval minutes)."""
    connect_to_redis().delete(mail._sent(user["id"]))


def test_the_submitter_gets_the_reason_and_a_link(inbox, site):
    resource = _fail(site, "regions.csv")
    assert inbox.messages == []  # the request only queued it
    _work()
    [message] = inbox.to("editor@example.org")
    assert message["Subject"] == "[CKAN] A push to the DataStore failed"
    body = message.get_content()
    assert "- regions.csv" in body and "bad header on line 3" in body
    assert "/dataset/{}/datapusher-plus/{}".format(
        model.Package.get(resource["package_id"]).name, resource["id"]) in body
    assert body.rstrip().endswith("/user/datapusher-plus/mail")


def test_one_mail_per_interval_listing_every_failure(app, inbox, site, cli):
    def send_mails():
        with app.flask_app.test_request_context():
            return cli.invoke(datapusherplusapi, ["send-mails"]).output

    _fail(site, "first.csv")
    _work()
    _fail(site, "second.csv")
    _fail(site, "third.csv")
    _work()
    assert len(inbox.to("editor@example.org")) == 1  # the interval holds the others back
    assert send_mails().strip() == "0 mails sent"
    _end_of_interval(site["editor"])
    assert send_mails().strip() == "1 mail sent"
    first, second = inbox.to("editor@example.org")
    assert second["Subject"] == "[CKAN] 2 pushes to the DataStore failed"
    body = second.get_content()
    assert "- second.csv" in body and "- third.csv" in body and "first.csv" not in body


def test_the_organizations_admins_too_when_asked(inbox, site, monkeypatch):
    monkeypatch.setitem(tk.config, dpp_config.NOTIFY_ORG_ADMINS, True)
    admin = member_of(site["org"]["id"], "admin")
    member = member_of(site["org"]["id"], "member")
    for user, address in ((admin, "admin@example.org"), (member, "member@example.org")):
        model.Session.get(model.User, user["id"]).email = address
    model.Session.commit()
    site["fake"].callback = Callback(status="error", error={"message": (
        "Xloader received a bad HTTP response when trying to download the data file "
        "status=404 url=http://files.example.org/regions.csv")})
    _fail(site, "regions.csv")
    _work()
    [to_editor] = inbox.to("editor@example.org")
    [to_admin] = inbox.to("admin@example.org")
    assert inbox.to("member@example.org") == []
    # The cause: what the publisher can do, for the organization's admin too
    # (as its tab says it); the fix (options, commands) is for sysadmins.
    publisher = ("The file could not be downloaded (the file's server answered HTTP 404): "
                 "check its link.")
    for body in (to_editor.get_content(), to_admin.get_content()):
        assert publisher in body and "Fix:" not in body
    job = model.Session.execute(sa.select(Job).where(Job.status == "error")).scalars().first()
    operator = "\n".join(cause_lines(job, True, lambda text: text))
    assert "Cause: The file could not be downloaded (download_failed)" in operator
    assert ("Fix: Check the resource's link from the loader's machine, or ask the publisher "
            "to upload the file; then push it again.") in operator


def test_a_user_turns_them_off(app, inbox, site):
    client = app.test_client()
    page = client.get("/user/datapusher-plus/mail", headers=auth(site["editor"]))
    form = BeautifulSoup(page.get_data(as_text=True), "html.parser").find(
        "form", action="/user/datapusher-plus/mail")
    assert form.find("input", id="dpp-mail").has_attr("checked")
    token = form.find("input", attrs={"name": "_csrf_token"})["value"]
    response = client.post("/user/datapusher-plus/mail", headers=auth(site["editor"]),
                           data={"_csrf_token": token})  # the box unticked
    assert "You will get no more mails about failed pushes." in response.get_data(as_text=True)
    _fail(site, "regions.csv")
    _work()
    assert inbox.messages == []
    # Without a CSRF token nothing changes; anonymous visitors are sent to log in.
    assert client.post("/user/datapusher-plus/mail", headers=auth(site["editor"]),
                       data={"mail": "on"}).status_code == 400
    assert not mail.wants_mail(model.Session.get(model.User, site["editor"]["id"]))
    anonymous = app.get("/user/datapusher-plus/mail", follow_redirects=False)
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]


@pytest.mark.ckan_config("ckan.locale_default", "fr")
def test_written_in_the_portals_language(inbox, site):
    _fail(site, "regions.csv")
    _work()
    [message] = inbox.to("editor@example.org")
    assert message["Subject"] == "[CKAN] Un envoi vers le DataStore a échoué"
    assert message.get_content().startswith("Bonjour ")


def test_nothing_when_the_portal_sends_none(inbox, site, monkeypatch):
    monkeypatch.setitem(tk.config, dpp_config.NOTIFY_SUBMITTER, False)
    _fail(site, "regions.csv")
    assert [j for j in ckan_jobs.get_queue().jobs if "mail" in j.func_name] == []


def test_a_mail_the_server_refused_is_sent_later(inbox, site):
    inbox.refuse = 1
    _fail(site, "regions.csv")
    _work()
    assert inbox.messages == []
    assert mail.send_due() == 0  # not tried again at once
    _end_of_interval(site["editor"])  # the pause before trying again is over
    assert mail.send_due() == 1
    [message] = inbox.to("editor@example.org")
    assert "- regions.csv" in message.get_content()
