// Warehouse pages: select every reserved order, print a pick list, add a package row.
"use strict";

document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (all) {
    for (const box of all.form.querySelectorAll("input[name=orders]")) {
      box.checked = all.checked;
    }
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
  const add = event.target.closest("[data-add-package]");
  if (add) {
    const rows = add.form.querySelector("tbody.packages");
    const copy = rows.querySelector("tr").cloneNode(true);
    for (const input of copy.querySelectorAll("input")) {
      input.value = "";
    }
    rows.append(copy);
    copy.querySelector("input").focus();
  }
});
