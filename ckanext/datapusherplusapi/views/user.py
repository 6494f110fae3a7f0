"""A signed-in user's choice about failure mails (``/user/datapusher-plus/mail``,
linked from every such mail)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.config.middleware.flask_app import csrf

from ckanext.datapusherplusapi import mail
from ckanext.datapusherplusapi.views.common import page_csrf

user = Blueprint("datapusherplusapi_user", __name__, url_prefix="/user/datapusher-plus")
csrf.exempt(user)  # its POST is checked by page_csrf


@user.before_request
def _signed_in() -> Any:
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    return page_csrf()


@user.route("/mail", methods=["GET", "POST"])
def mail_choice() -> Any:
    """Whether I get a mail when a push I started (or of an organization I
    administer) fails."""
    me = model.Session.get(model.User, tk.current_user.id)
    if request.method == "POST":
        wanted = request.form.get("mail") == "on"
        mail.set_wants_mail(me, wanted)
        tk.h.flash_success(tk._("You will get a mail when a push fails.") if wanted
                           else tk._("You will get no more mails about failed pushes."))
        return tk.redirect_to("datapusherplusapi_user.mail_choice")
    return tk.render("datapusherplusapi/mail_choice.html", extra_vars={
        "wants_mail": mail.wants_mail(me), "sent": mail.enabled()})
