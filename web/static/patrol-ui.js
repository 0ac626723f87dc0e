// What the pages' scripts share: a DOM element with attributes and text (never HTML), and a JSON call to
// the API with the page's CSRF token (errors as Error(message in the page's language)).
(function () {
  "use strict";

  function element(tag, attributes, content) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (content !== undefined && content !== null) { node.textContent = content; }
    return node;
  }

  function api(csrf) {
    return function (method, url, body) {
      var options = {method: method, credentials: "same-origin", headers: {"Accept": "application/json"}};
      if (body !== undefined) {
        options.headers["Content-Type"] = "application/json";
        options.headers["X-CSRFToken"] = csrf;
        options.body = JSON.stringify(body);
      }
      return fetch(url, options).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.message || data.error || response.statusText); }
          return data;
        });
      });
    };
  }

  window.patrolUi = {element: element, api: api};
}());
