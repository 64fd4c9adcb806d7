// The review page, made quicker with JavaScript (everything works without it):
// - a refused save comes back with the error summary focused and in view;
// - "Insert" puts a snippet into the comment box the teacher last wrote in or clicked
//   (overall or a criterion's), at the cursor;
// - snippets are added, changed and deleted with fetch, so the feedback being written in the
//   page is never lost to a reload. The routes answer JSON ({message, id, html}); the CSRF
//   token goes in the X-CSRFToken header, as the editor's autosave sends its token.
(function () {
  "use strict";
  var summary = document.getElementById("errors");
  if (summary) {
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  }

  var box = document.getElementById("snippets");
  if (!box) { return; }
  var list = box.querySelector(".snippet-list");
  var empty = box.querySelector(".snippets-empty");
  var status = box.querySelector(".snippet-status");
  var targetName = box.querySelector("[data-insert-target]");
  var comments = document.querySelectorAll(".review-form textarea[data-comment]");
  var target = document.getElementById(box.dataset.insertDefault);

  box.querySelectorAll("[data-without-script]").forEach(function (el) { el.hidden = true; });
  if (target) {
    box.querySelectorAll("[data-with-script]").forEach(function (el) { el.hidden = false; });
  }

  function labelOf(textarea) {
    var label = document.querySelector("label[for='" + textarea.id + "']");
    var group = textarea.closest("fieldset.criterion");
    var legend = group ? group.querySelector("legend") : null;
    return (legend ? legend.textContent.trim() + ": " : "") + (label ? label.textContent.trim() : "");
  }

  function aim(textarea) {
    target = textarea;
    if (targetName) { targetName.textContent = labelOf(textarea); }
  }
  // Where the teacher last wrote or clicked, not every box the Tab key passes through.
  comments.forEach(function (textarea) {
    textarea.addEventListener("input", function () { aim(textarea); });
    textarea.addEventListener("pointerdown", function () { aim(textarea); });
  });
  if (target) { aim(target); }

  function say(text) { status.textContent = text || ""; }

  function insert(text) {
    // A textarea keeps its cursor after losing the focus: the snippet goes where it was.
    var start = target.selectionStart, end = target.selectionEnd;
    var before = target.value.slice(0, start), after = target.value.slice(end);
    var glue = before && !/\s$/.test(before) ? " " : "";
    target.value = before + glue + text + after;
    var cursor = (before + glue + text).length;
    target.focus();
    target.setSelectionRange(cursor, cursor);
  }

  function wire(item) {
    var button = item.querySelector(".snippet-insert");
    if (target && button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        insert(item.querySelector(".snippet-text").textContent);
      });
    }
    item.querySelectorAll("form[data-snippet-form]").forEach(enhance);
  }

  function fromHtml(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function send(form) {
    var token = form.querySelector("input[name=csrf_token]");
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { ok: response.ok, json: json };
      });
    });
  }

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var kind = form.dataset.snippetForm;
      var item = form.closest(".snippet");
      send(form).then(function (answer) {
        say(answer.json.message || box.dataset.failed);
        if (!answer.ok) { return; }
        if (kind === "add") {
          var added = fromHtml(answer.json.html);
          list.appendChild(added);
          wire(added);
          form.reset();
          form.querySelector("textarea").focus();
        } else if (kind === "edit") {
          var changed = fromHtml(answer.json.html);
          item.replaceWith(changed);
          wire(changed);
          changed.querySelector(".snippet-edit summary").focus();
        } else {
          var next = item.nextElementSibling || item.previousElementSibling;
          item.remove();
          // The focus goes on to a neighbour, or to the list's heading when none is left.
          var focusable = next ? next.querySelector("button:not([hidden]), summary") : null;
          if (focusable) { focusable.focus(); } else { box.querySelector(".snippet-add summary").focus(); }
        }
        empty.hidden = list.children.length > 0;
      }).catch(function () {
        say(box.dataset.failed);
      });
    });
  }

  list.querySelectorAll(".snippet").forEach(wire);
  box.querySelectorAll(".snippet-add form[data-snippet-form]").forEach(enhance);
})();
