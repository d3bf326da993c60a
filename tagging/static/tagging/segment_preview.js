// Segment admin: counts the expression being typed (debounced) and lists a sample of its members, through the
// admin's read-only preview view. Nothing is saved from here.
(function () {
  "use strict";
  function setup(textarea) {
    var url = textarea.getAttribute("data-preview-url");
    var box = document.createElement("div");
    box.className = "help segment-preview";
    box.setAttribute("aria-live", "polite");
    textarea.parentNode.insertBefore(box, textarea.nextSibling);
    var timer = null;
    var latest = 0;

    function show(body, ok) {
      box.textContent = "";
      if (!ok) {
        (body.problems || []).forEach(function (problem) {
          var line = document.createElement("p");
          line.className = "errornote";
          line.textContent = problem;
          box.appendChild(line);
        });
        return;
      }
      var count = document.createElement("p");
      count.textContent = body.summary + (body.members.length ? ": " : "");
      box.appendChild(count);
      body.members.forEach(function (member, index) {
        var link = document.createElement("a");
        link.href = member.url;
        link.textContent = "#" + member.id + " " + member.name;
        count.appendChild(link);
        if (index < body.members.length - 1) count.appendChild(document.createTextNode(", "));
      });
    }

    function preview() {
      var ticket = ++latest;
      fetch(url + "?expression=" + encodeURIComponent(textarea.value), {credentials: "same-origin"})
        .then(function (response) {
          return response.json().then(function (body) { return {ok: response.ok, body: body}; });
        })
        .then(function (answer) { if (ticket === latest) show(answer.body, answer.ok); })
        .catch(function () { /* the next keystroke tries again */ });
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(preview, 700);
    });
    preview();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-segment-expression]").forEach(setup);
  });
})();
