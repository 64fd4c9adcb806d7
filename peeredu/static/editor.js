// The editor's small helps; the page works the same without them.
// 1. Bold, italic and list buttons: they write into the text the marks a learner could type
//    (**bold**, *italic*, "- " before a list line), so the text is stored as it always was.
// 2. An answer that opens at a spot of the page (#preview, #supervision) puts the focus
//    there, so that a screen reader reads what happened.
(function () {
  "use strict";

  // Replace start..end of the box with text and select selStart..selEnd. insertText keeps
  // the browser's own undo (Ctrl+Z) and fires "input", which autosave listens for.
  function replace(box, start, end, text, selStart, selEnd) {
    box.focus();
    box.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done) {
      box.setRangeText(text, start, end, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
    box.setSelectionRange(selStart, selEnd);
  }

  function wrap(box, mark) {
    var value = box.value, start = box.selectionStart, end = box.selectionEnd;
    // "**word **" is not bold: spaces selected at either end stay outside the marks.
    while (start < end && /\s/.test(value[start])) { start++; }
    while (end > start && /\s/.test(value[end - 1])) { end--; }
    var inner = value.slice(start, end);
    var at = start + mark.length;
    replace(box, start, end, mark + inner + mark, at, at + inner.length);
  }

  function list(box) {
    var value = box.value, start = box.selectionStart, end = box.selectionEnd;
    if (end > start && value[end - 1] === "\n") { end--; }
    var from = value.lastIndexOf("\n", start - 1) + 1;
    var to = value.indexOf("\n", end);
    if (to === -1) { to = value.length; }
    var lines = value.slice(from, to).split("\n");
    var marked = lines.map(function (line) {
      return line.indexOf("- ") === 0 || (line.trim() === "" && lines.length > 1) ? line : "- " + line;
    }).join("\n");
    // A list right after a line of text needs a blank line before it to become a list.
    var before = value.slice(0, from).replace(/\n$/, "");
    var lastLine = before.slice(before.lastIndexOf("\n") + 1);
    if (from > 0 && lastLine.trim() !== "" && lastLine.indexOf("- ") !== 0) {
      marked = "\n" + marked;
    }
    replace(box, from, to, marked, from + marked.length, from + marked.length);
  }

  var ACTIONS = {
    bold: function (box) { wrap(box, "**"); },
    italic: function (box) { wrap(box, "*"); },
    list: list
  };

  document.querySelectorAll("[data-format-for]").forEach(function (tools) {
    var box = document.getElementById(tools.dataset.formatFor);
    if (!box) { return; }
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-format]");
      if (button && ACTIONS[button.dataset.format]) { ACTIONS[button.dataset.format](box); }
    });
  });

  // After "load": the browser's own jump to the #fragment comes first, and takes the focus
  // away from whatever had it.
  function land() {
    var spot = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (!spot) { return; }
    var landing = spot.matches("[data-landing]") ? spot : spot.querySelector("[data-landing]");
    if (landing) {
      landing.focus({ preventScroll: true });
      spot.scrollIntoView({ block: "start" });
    }
  }
  if (document.readyState === "complete") { land(); }
  else { window.addEventListener("load", function () { window.setTimeout(land, 0); }); }
})();
