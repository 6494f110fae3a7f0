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
 * replaced, the focus goes to the new part's enabled button, else to the part
 * itself (tabindex="-1").  No user-visible text here: nothing to translate.
 */
(function () {
  "use strict";
  var PARTS = ["dpp-status", "dpp-badge"];
  var held = {};  // part id -> it held the focus when its swap began

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
      held[target.id] = target.contains(document.activeElement);
    }
  });

  // htmx:load is dispatched on the new content, which is in the page (the
  // request's own element may be gone after an outerHTML swap).
  document.addEventListener("htmx:load", function (event) {
    var part = event.target;
    if (!part || !held[part.id]) { return; }
    held[part.id] = false;
    var focused = document.activeElement;
    if (focused && focused !== document.body && part.contains(focused)) { return; }
    var button = part.querySelector("button:not([disabled])");
    if (button) {
      button.focus();
    } else {
      part.setAttribute("tabindex", "-1");
      part.focus();
    }
  });
})();
