/* ckanext-datapusherplusapi: htmx posts carry CKAN's CSRF token; keyboard
 * users keep their place.
 *
 * The parts htmx fetches carry no CSRF field (signing a token for every poll
 * costs time): every htmx POST sends the page's token (CKAN's <meta> tags) as
 * the X-CSRFToken header instead, as CKAN 2.11 and later do themselves (same
 * header name: on those versions both scripts set the same value).
 *
 * htmx replaces the tab's status part and the resource page's badge on every
 * poll; while a job runs their button is disabled, so the focus it held would
 * fall back to the page's start.  When a part that held the focus is
 * replaced, the focus goes back to the same button (same form, same name) if
 * it is enabled in the new part, else to the part itself (tabindex="-1"):
 * never to another button, and never to a destructive one
 * (data-dpp-destructive, "Delete from DataStore").  No user-visible text
 * here: nothing to translate.
 */
(function () {
  "use strict";
  var PARTS = ["dpp-status", "dpp-badge"];
  var held = {};  // part id -> the focused button's key (or "") when its swap began

  // What identifies a button across a swap: its form's action, its name and value.
  function key(el) {
    if (!el || el.tagName !== "BUTTON") { return ""; }
    var form = el.form;
    return [form ? form.getAttribute("action") : "", el.name, el.value].join("|");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var field = document.querySelector('meta[name="csrf_field_name"]');
    var token = field && document.querySelector('meta[name="' + field.content + '"]');
    if (token && token.content && event.detail.verb !== "get") {
      event.detail.headers["x-csrftoken"] = token.content;
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && PARTS.indexOf(target.id) !== -1) {
      held[target.id] = target.contains(document.activeElement)
        ? key(document.activeElement) || "part" : null;
    }
  });

  // htmx:load is dispatched on the new content, which is in the page (the
  // request's own element may be gone after an outerHTML swap).
  document.addEventListener("htmx:load", function (event) {
    var part = event.target;
    if (!part || !held[part.id]) { return; }
    var was = held[part.id];
    held[part.id] = null;
    var focused = document.activeElement;
    if (focused && focused !== document.body && part.contains(focused)) { return; }
    var button = null;
    part.querySelectorAll("button:not([disabled]):not([data-dpp-destructive])").forEach(
      function (candidate) { if (!button && key(candidate) === was) { button = candidate; } });
    if (button) {
      button.focus();
    } else {
      part.setAttribute("tabindex", "-1");
      part.focus();
    }
  });
})();
