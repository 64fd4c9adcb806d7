// Saves the reflection draft on the server while the learner types. Never in browser
// storage: what is not yet saved stays in the page, and saving is retried until it works.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) { return; }
  // Autosave has a URL of its own; the form's action is the "Save draft" button's.
  var target = form.dataset.autosaveUrl;
  var statusBox = document.getElementById("autosave-status");
  var wordBox = document.getElementById("word-count");
  var DELAY = 2000;
  var RETRY = 8000;
  var timer = null;
  var dirty = false;
  var saving = false;
  var conflictBox = document.getElementById("conflict");
  var otherText = document.getElementById("other-text");

  function drafts() { return form.querySelectorAll("textarea[data-draft]"); }
  function say(text) { if (text && statusBox) { statusBox.textContent = text; } }

  function countWords() {
    var total = 0;
    drafts().forEach(function (box) {
      var words = box.value.match(/[\p{L}\p{N}_]+/gu);
      total += words ? words.length : 0;
    });
    if (wordBox) { wordBox.textContent = String(total); }
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(save, ms);
  }

  function body() { return new FormData(form); }

  function refreshToken() {
    return fetch(form.dataset.csrfUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (json) {
        form.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = json.token; });
      });
  }

  // Another window saved first. This window keeps its text and its old version, so later
  // saves do not go over the other text either: the server keeps each of them aside (the
  // page shows both again after a reload) until the learner presses one of the choices.
  function showConflict(json) {
    form.elements.other_version.value = json.draft_version;
    form.elements.stash.value = "1";
    if (otherText) { otherText.textContent = json.other_display || ""; }
    if (conflictBox && conflictBox.hidden) {
      conflictBox.hidden = false;
      conflictBox.scrollIntoView({ block: "nearest" });
    }
  }

  function save() {
    if (!dirty || saving) { return; }
    saving = true;
    dirty = false;
    say(form.dataset.msgSaving);
    fetch(target, {
      method: "POST", body: body(), credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.ok) {
          form.elements.draft_version.value = json.draft_version;
          if (conflictBox) { conflictBox.hidden = true; }  // the two texts became one
          say(json.cpr_warning ? json.message + " " + form.dataset.msgCpr : json.message);
        } else if (response.status === 409) {
          showConflict(json);  // this text is kept on the server: nothing is unsaved
          say(form.dataset.msgConflict);
        } else if (response.status === 400 && json.csrf) {
          dirty = true;
          return refreshToken().then(function () { schedule(500); });
        } else {
          dirty = true;
          say(json.message || form.dataset.msgFailed);
          schedule(RETRY);
        }
      });
    }).catch(function () {
      dirty = true;
      say(form.dataset.msgFailed);
      schedule(RETRY);
    }).then(function () {
      saving = false;
      if (dirty) { schedule(DELAY); }
    });
  }

  form.addEventListener("input", function (event) {
    if (!event.target.matches("textarea[data-draft]")) { return; }
    dirty = true;
    countWords();
    schedule(DELAY);
  });

  // Closing the tab or switching away: send what is unsaved now.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && navigator.sendBeacon) {
      if (navigator.sendBeacon(target, body())) { dirty = false; }
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  // Any button press posts the whole form itself; no need to warn then.
  form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); });
})();
