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

  // htmx:afterSwap is dispatched on the new content, which is in the page
  // (the request's own element may be gone after an outerHTML swap), in the
  // same task as the swap: the focus is back before anything else runs.
  // (htmx:load comes with the "settle", 20 ms later or more on a busy
  // machine, while the focus would be on the page's body.)
  document.addEventListener("htmx:afterSwap", function (event) {
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

/* ---- The dashboard's live part (#dpp-live; an organization's tab too).
 *
 * 1. A row's question (hx-confirm) opens beside the row, in the page's words
 *    (its part's data-dpp-yes and data-dpp-no), its first button focused;
 *    "No" or Escape closes it and gives the focus back to the button that
 *    asked.
 * 2. What the reader opened, focused or scrolled survives a poll: the open
 *    <details> (by id), the focused control, the table's sideways scroll and
 *    a row action's message; a poll's answer waits while a question is open.
 * 3. After a row action, the focus goes to the row's status (its badge),
 *    else to the message: never to the page's body.
 * No user-visible text here: the words are the templates'.
 */
(function () {
  "use strict";
  var LIVE = "dpp-live";
  var kept = null;  // what the reader had in the live part when a swap began
  var posting = 0;  // row or bulk actions of the live part on their way: polls wait

  function liveOf(element) {
    return element && element.closest ? element.closest("[data-dpp-inline-confirm]") : null;
  }

  function button(css, words, mark) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = css;
    element.textContent = words;
    element.setAttribute(mark, "");
    return element;
  }

  // The question and its buttons, in the words of the part (data-dpp-yes, -no).
  function questionPanel(part, question) {
    var panel = document.createElement("div");
    panel.className = "dpp-confirm alert alert-warning small mb-0 mt-1";
    panel.setAttribute("role", "alertdialog");
    panel.setAttribute("aria-labelledby", "dpp-confirm-question");
    var text = document.createElement("p");
    text.className = "mb-2";
    text.id = "dpp-confirm-question";
    text.setAttribute("data-dpp-question", "");
    text.textContent = question;
    panel.appendChild(text);
    panel.appendChild(button("btn btn-danger btn-sm", part.getAttribute("data-dpp-yes"),
                             "data-dpp-yes"));
    panel.appendChild(button("btn btn-sm " + (part.getAttribute("data-dpp-secondary") || ""),
                             part.getAttribute("data-dpp-no"), "data-dpp-no"));
    return panel;
  }

  function closeQuestion(panel, refocus) {
    if (!panel) { return; }
    var asker = panel.dppAsker;
    panel.parentNode.removeChild(panel);
    if (refocus && asker) { asker.focus(); }
  }

  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    var question = event.detail.question;
    var part = liveOf(form);
    if (!question || !part) { return; }
    // Ours, not the browser's nor CKAN's own dialog (2.12): this listener
    // runs first (capture) and the event goes no further.
    event.preventDefault();
    event.stopPropagation();
    closeQuestion(document.querySelector(".dpp-confirm"), false);
    var panel = questionPanel(part, question);
    panel.dppAsker = form.querySelector("button[type=submit]");
    form.insertAdjacentElement("afterend", panel);
    panel.querySelector("[data-dpp-yes]").addEventListener("click", function () {
      closeQuestion(panel, false);
      event.detail.issueRequest(true);
    });
    panel.querySelector("[data-dpp-no]").addEventListener("click", function () {
      closeQuestion(panel, true);
    });
    panel.addEventListener("keydown", function (key) {
      if (key.key === "Escape") { closeQuestion(panel, true); }
    });
    panel.querySelector("[data-dpp-yes]").focus();
  }, true);

  // Where the focus is, said so that the new part can find it again.
  function focusKey(part) {
    var focused = document.activeElement;
    if (!focused || focused === document.body || !part.contains(focused)) { return null; }
    if (focused.id) { return { id: focused.id }; }
    var row = focused.closest("[data-dpp-job]");
    var scope = row || part;
    var all = Array.prototype.slice.call(scope.querySelectorAll("a, button, summary, input, select"));
    return { job: row ? row.getAttribute("data-dpp-job") : null, index: all.indexOf(focused) };
  }

  function findFocus(part, key) {
    if (!key) { return null; }
    if (key.id) { return document.getElementById(key.id); }
    var scope = key.job ? part.querySelector('[data-dpp-job="' + key.job + '"]') : part;
    if (!scope || key.index < 0) { return null; }
    return scope.querySelectorAll("a, button, summary, input, select")[key.index] || null;
  }

  function isPoll(event) {
    var config = event.detail.requestConfig;
    return ((config && config.verb) || "get") === "get";
  }

  function pollMustWait(target) {
    return posting > 0 || !!target.querySelector(".dpp-confirm");
  }

  // While a question is open or an action's answer is on its way, a poll
  // neither starts nor replaces the part (the answer would land on a part
  // no longer in the page); the next poll brings the news.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== LIVE) { return; }
    if (isPoll(event)) {
      if (pollMustWait(target)) { event.preventDefault(); }
    } else {
      posting += 1;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === LIVE && !isPoll(event)) { posting = Math.max(0, posting - 1); }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== LIVE) { return; }
    var verb = isPoll(event) ? "get" : "post";
    if (verb === "get" && pollMustWait(target)) {
      event.detail.shouldSwap = false;
      return;
    }
    var box = target.querySelector(".dpp-jobs-box");
    kept = {
      poll: verb === "get",
      open: Array.prototype.map.call(target.querySelectorAll("details[open][id]"),
                                     function (d) { return d.id; }),
      focus: verb === "get" ? focusKey(target) : null,
      scroll: box ? box.scrollLeft : 0,
      messages: verb === "get" ? Array.prototype.map.call(
        target.querySelectorAll("tr[data-dpp-message-for]"),
        function (tr) { return tr; }) : [],
      message: verb === "get" ? document.getElementById("dpp-message") : null
    };
  });

  // At the swap itself, not at htmx's settle (see above): no moment with
  // the details closed, the message gone or the focus on the page's body.
  document.addEventListener("htmx:afterSwap", function (event) {
    var part = event.target;
    if (!part || part.id !== LIVE || !kept) { return; }
    var was = kept;
    kept = null;
    was.open.forEach(function (id) {
      var details = document.getElementById(id);
      if (details && part.contains(details)) { details.open = true; }
    });
    var scroller = part.querySelector(".dpp-jobs-box");
    if (scroller) { scroller.scrollLeft = was.scroll; }
    was.messages.forEach(function (tr) {
      var job = tr.getAttribute("data-dpp-message-for");
      var row = part.querySelector('tr[data-dpp-job="' + job + '"]');
      if (row && !part.querySelector('tr[data-dpp-message-for="' + job + '"]')) {
        row.insertAdjacentElement("afterend", tr);
      }
    });
    var box = part.querySelector(".dpp-jobs-box");
    if (was.message && box && !document.getElementById("dpp-message")) {
      box.insertAdjacentElement("beforebegin", was.message);  // an action's answer stays
    }
    if (was.poll) {
      var again = findFocus(part, was.focus);
      if (again) { again.focus({ preventScroll: true }); }
      return;
    }
    // The answer to a row action (or a bulk one): the row's status, else the message.
    var acted = part.querySelector("tr[data-dpp-acted] .dpp-cell-status a, " +
                                   "tr[data-dpp-acted] .dpp-cell-status .badge");
    var message = part.querySelector("[data-dpp-message]");
    var target = acted || message || part.querySelector("[data-dpp-part=count]");
    if (target) {
      if (!target.matches("a, button")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
    }
  });
})();
/* ---- end of the dashboard's live part ---- */
