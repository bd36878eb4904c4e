// The receive form: a scanned item (its barcode or SKU, then Enter, as a scanner types it)
// counts one more good unit of that SKU instead of submitting the form.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const scan = document.getElementById("item-scan");
  if (!scan) {
    return;
  }
  scan.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") {
      return;
    }
    event.preventDefault();
    const code = scan.value.trim();
    scan.value = "";
    if (!code) {
      return;
    }
    const row = Array.from(document.querySelectorAll("tr[data-sku]")).find(
      (candidate) => candidate.dataset.sku === code || (candidate.dataset.barcode && candidate.dataset.barcode === code),
    );
    if (!row) {
      scan.setCustomValidity(`${code} is not on this return`);
      scan.reportValidity();
      return;
    }
    scan.setCustomValidity("");
    const good = row.querySelector("input[data-good]");
    good.value = String(Number(good.value || 0) + 1);
  });
  scan.addEventListener("input", () => scan.setCustomValidity(""));
});
