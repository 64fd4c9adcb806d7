// Comment snippets on the review page: a button beside each snippet inserts its text into the
// overall comment at the cursor. Without JavaScript the snippets stay as text to copy.
(function () {
  "use strict";
  document.querySelectorAll("[data-snippets-for]").forEach(function (box) {
    var target = document.getElementById(box.dataset.snippetsFor);
    if (!target) { return; }
    box.querySelectorAll(".snippet").forEach(function (item) {
      var text = item.querySelector(".snippet-text").textContent;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary snippet-insert";
      button.textContent = box.dataset.insertLabel;
      // The snippet itself names the button for screen readers ("Insert: …").
      button.setAttribute("aria-label", box.dataset.insertLabel + ": " + text);
      button.addEventListener("click", function () {
        var start = target.selectionStart, end = target.selectionEnd;
        var before = target.value.slice(0, start), after = target.value.slice(end);
        var glue = before && !/\s$/.test(before) ? " " : "";
        target.value = before + glue + text + after;
        var cursor = (before + glue + text).length;
        target.focus();
        target.setSelectionRange(cursor, cursor);
      });
      item.appendChild(document.createTextNode(" "));
      item.appendChild(button);
    });
  });
})();
