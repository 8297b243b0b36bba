/*
 * Back office, package editor: search-as-you-type for "add a product".
 *
 * Progressive enhancement of templates/backoffice/_package_picker.html: without this file the search is a
 * plain GET form whose results have "add" buttons (POST forms). With it, typing (after a short pause) asks
 * the JSON endpoint (data-endpoint, ?q=) and redraws the same list of "add" forms; the status line is a
 * polite live region that tells how many products were found. No dependencies, no inline script (CSP).
 */
(function () {
  "use strict";

  var MIN_LENGTH = 2;
  var DELAY_MS = 250;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function setUp(picker) {
    var input = picker.querySelector("[data-picker-input]");
    var list = picker.querySelector("[data-picker-results]");
    var status = picker.querySelector("[data-picker-status]");
    if (!input || !list || !status || !window.fetch) {
      return;
    }
    var data = picker.dataset;
    var inPackage = (data.inPackage || "").split(",").filter(Boolean);
    var timer = null;
    var latest = 0;

    function resultItem(product) {
      var item = element("li", "bo-picker__result");
      var text = element("span", "bo-picker__name");
      text.appendChild(element("strong", "", product.name));
      text.appendChild(document.createTextNode(" "));
      text.appendChild(element("span", "small muted", product.unit || ""));
      text.appendChild(document.createElement("br"));
      text.appendChild(element("span", "small",
        product.producer + " · " + product.price + " · " + data.textStock.replace("%s", String(product.stock))));
      item.appendChild(text);
      if (inPackage.indexOf(String(product.id)) !== -1) {
        item.appendChild(element("span", "small muted", data.textInPackage));
        return item;
      }
      var form = element("form");
      form.method = "post";
      form.action = data.addUrl;
      form.appendChild(hidden("csrf_token", data.csrf));
      form.appendChild(hidden("product_id", String(product.id)));
      form.appendChild(hidden("quantity", "1"));
      var button = element("button", "button button--small", data.textAdd);
      button.type = "submit";
      var label = element("span", "visually-hidden", ": " + product.name);
      button.appendChild(label);
      form.appendChild(button);
      item.appendChild(form);
      return item;
    }

    function show(payload) {
      list.textContent = "";
      payload.results.forEach(function (product) {
        list.appendChild(resultItem(product));
      });
      status.textContent = payload.count ? data.textCount.replace("%s", String(payload.count)) : data.textNone;
    }

    function search() {
      var query = input.value.trim();
      if (query.length < MIN_LENGTH) {
        list.textContent = "";
        status.textContent = "";
        return;
      }
      var ticket = ++latest;
      var url = data.endpoint + "?q=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (payload) {
          if (ticket === latest) {
            show(payload);
          }
        })
        .catch(function () {
          if (ticket === latest) {
            status.textContent = data.textError;
          }
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });
  }

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), setUp);
  });
})();
