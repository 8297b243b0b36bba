/*
 * Lekker Oost-Vlaams: small progressive enhancements. Every page works without this file.
 *
 * 1. Marks <html class="js"> so CSS can tell the script runs.
 * 2. Filters panel (details.filters-toggle): open on wide screens, closed on phones, until the visitor
 *    toggles it themselves.
 * 3. Error summary (.error-summary): moves focus to it after a failed submit (GOV.UK pattern).
 * 4. Character counter: <textarea maxlength="300" data-counter="counter-id"> with an element
 *    <p id="counter-id" data-template="Nog %s tekens over"> (see templates/macros/forms.html).
 * 5. Busy state: a POST form that is being sent marks its button busy (spinner, aria-busy, the label from
 *    <body data-busy-label>) and ignores a second submit, so a double click never pays or refunds twice
 *    in the browser either (the server refuses replays anyway). The button is not disabled, so its
 *    name/value still goes with the form; the state clears when the page is shown again (back button) or
 *    after 10 seconds (a download keeps the page).
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    // 2. Filters panel
    var wide = window.matchMedia("(min-width: 56.25em)");
    var panels = Array.prototype.slice.call(document.querySelectorAll("details.filters-toggle"));
    var touched = false;
    panels.forEach(function (panel) {
      panel.querySelector("summary").addEventListener("click", function () {
        touched = true;
      });
    });
    function syncPanels() {
      if (touched) {
        return;
      }
      panels.forEach(function (panel) {
        // A panel the server opened (a facet's "Toon alle" link) stays open on phones too.
        panel.open = wide.matches || panel.hasAttribute("data-stay-open");
      });
    }
    syncPanels();
    if (wide.addEventListener) {
      wide.addEventListener("change", function () {
        touched = false;
        syncPanels();
      });
    }

    // 3. Error summary
    var summary = document.querySelector(".error-summary");
    if (summary && document.activeElement === document.body) {
      summary.focus();
    }

    // 4. Character counters
    Array.prototype.forEach.call(document.querySelectorAll("[data-counter]"), function (field) {
      var output = document.getElementById(field.getAttribute("data-counter"));
      var max = parseInt(field.getAttribute("maxlength"), 10);
      if (!output || !max) {
        return;
      }
      var template = output.getAttribute("data-template") || "%s";
      // The visible counter follows every key; a hidden live region tells screen readers after a pause
      // (as GOV.UK's character count does), so they do not hear every keystroke.
      var live = document.createElement("span");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      output.parentNode.insertBefore(live, output.nextSibling);
      var timer;
      function text() {
        return template.replace("%s", String(Math.max(0, max - field.value.length)));
      }
      function update() {
        output.textContent = text();
      }
      field.addEventListener("input", function () {
        update();
        clearTimeout(timer);
        timer = setTimeout(function () {
          live.textContent = text();
        }, 1000);
      });
      update();
    });

    // 5. Busy state on POST forms.
    var busyLabel = document.body.getAttribute("data-busy-label") || "";
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || (form.getAttribute("method") || "").toLowerCase() !== "post") {
        return;
      }
      if (form.getAttribute("data-busy") === "1") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-busy", "1");
      var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
      if (button) {
        button.classList.add("is-busy");
        button.setAttribute("aria-busy", "true");
        if (busyLabel) {
          button.setAttribute("title", busyLabel);
        }
      }
      setTimeout(function () { clearBusy(form); }, 10000);
    });
    function clearBusy(form) {
      form.removeAttribute("data-busy");
      // form.elements also holds the buttons outside the form that name it (form="..."): the list cards.
      Array.prototype.forEach.call(form.elements, function (button) {
        if (!button.classList.contains("is-busy")) {
          return;
        }
        button.classList.remove("is-busy");
        button.removeAttribute("aria-busy");
      });
    }
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), clearBusy);
    });
  });
})();
