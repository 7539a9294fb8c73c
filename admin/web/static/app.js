// The jobs dashboard's script: it asks before destructive actions. The
// pages work without it.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  // The button pressed may ask its own question (one form, two actions).
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
