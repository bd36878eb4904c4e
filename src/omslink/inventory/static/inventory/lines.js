// "Add line" on a SKU/quantity form: copy the last row, emptied. Forms work without it.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-line]");
  if (!button) {
    return;
  }
  const rows = button.closest("form").querySelector("table.lines tbody");
  const copy = rows.lastElementChild.cloneNode(true);
  copy.querySelectorAll("input").forEach((input) => { input.value = ""; });
  rows.appendChild(copy);
  copy.querySelector("input").focus();
});
