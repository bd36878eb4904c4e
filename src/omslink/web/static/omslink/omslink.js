// Small page behaviours shared by every page; no framework, nothing vendored.
"use strict";

// A form whose submit button carries data-confirm asks first and acts only on OK.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
