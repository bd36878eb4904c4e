// The Webhook deliveries list: a row's attempts and event body are fetched from the
// delivery's own page the first time the row is opened, so the list renders neither for
// rows nobody opens. Without this script the row's link opens that page instead.
"use strict";

(() => {
  for (const details of document.querySelectorAll("details.delivery-more[data-src]")) {
    details.addEventListener("toggle", async () => {
      if (!details.open || details.dataset.loaded) {
        return;
      }
      details.dataset.loaded = "1";
      const target = details.querySelector(".delivery-more-body");
      try {
        const answer = await fetch(details.dataset.src, { credentials: "same-origin" });
        if (!answer.ok) {
          throw new Error(`HTTP ${answer.status}`);
        }
        const page = new DOMParser().parseFromString(await answer.text(), "text/html");
        const body = page.querySelector(".delivery-more-body");
        if (!body) {
          throw new Error("no attempts in the answer");
        }
        target.replaceChildren(...body.childNodes);
      } catch (error) {
        delete details.dataset.loaded;
        target.insertAdjacentText("beforeend", ` (could not load: ${error.message})`);
      }
    });
  }
})();
