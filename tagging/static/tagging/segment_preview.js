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

    composer(textarea, preview);
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(preview, 700);
    });
    preview();
  }
  // A composer line: pick a term and its value, optionally "not", and add it to the expression's top "all"
  // (or "any"); the JSON stays the one place the expression lives and can still be edited by hand.
  function composer(textarea, preview) {
    var vocabulary = JSON.parse(textarea.getAttribute("data-vocabulary") || "{}");
    var labels = JSON.parse(textarea.getAttribute("data-labels") || "{}");
    var line = document.createElement("div");
    line.className = "segment-composer";
    line.style.margin = "6px 0";
    var combine = document.createElement("select");
    ["all", "any"].forEach(function (name) { combine.add(new Option(labels[name] || name, name)); });
    var negate = document.createElement("label");
    var negateBox = document.createElement("input");
    negateBox.type = "checkbox";
    negate.appendChild(negateBox);
    negate.appendChild(document.createTextNode(" " + (labels.not || "not") + " "));
    var term = document.createElement("select");
    Object.keys(vocabulary).forEach(function (name) { term.add(new Option(name, name)); });
    var valueSelect = document.createElement("select");
    var valueInput = document.createElement("input");
    valueInput.type = "date";
    var add = document.createElement("button");
    add.type = "button";
    add.className = "button";
    add.textContent = labels.add || "Add";

    function refreshValues() {
      var values = vocabulary[term.value] || [];
      valueSelect.textContent = "";
      values.forEach(function (value) { valueSelect.add(new Option(value, value)); });
      valueSelect.style.display = values.length ? "" : "none";
      valueInput.style.display = values.length ? "none" : "";
    }
    term.addEventListener("change", refreshValues);
    refreshValues();

    add.addEventListener("click", function () {
      var value = (vocabulary[term.value] || []).length ? valueSelect.value : valueInput.value;
      if (!value) return;
      var item = {};
      item[term.value] = value;
      if (negateBox.checked) item = {not: item};
      var current;
      try { current = JSON.parse(textarea.value || "null"); } catch (error) { return; }  // hand-edited: leave it
      var top = combine.value;
      var next;
      if (current && typeof current === "object" && Array.isArray(current[top]) && Object.keys(current).length === 1) {
        current[top].push(item);
        next = current;
      } else if (current === null) {
        next = {};
        next[top] = [item];
      } else {
        next = {};
        next[top] = [current, item];
      }
      textarea.value = JSON.stringify(next, null, 2);
      preview();
    });
    [combine, negate, term, valueSelect, valueInput, add].forEach(function (element) {
      line.appendChild(element);
      line.appendChild(document.createTextNode(" "));
    });
    textarea.parentNode.insertBefore(line, textarea.nextSibling);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-segment-expression]").forEach(setup);
  });
})();
