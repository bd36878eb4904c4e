// The import page's progress bar: poll the job's progress until it ends, then show the result.
"use strict";

(() => {
  const box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  const bar = document.getElementById("import-bar");
  const counts = document.getElementById("import-counts");
  const eta = document.getElementById("import-eta");

  const describe = (state) => {
    if (state.phase === "checking") {
      return `Checking: ${state.checked.toLocaleString()} rows checked`;
    }
    if (state.phase === "writing") {
      return `Writing: ${state.written.toLocaleString()} of ${state.total.toLocaleString()} rows written`;
    }
    return "Waiting to start…";
  };

  const timeLeft = (seconds) => {
    if (seconds === null) {
      return "";
    }
    if (seconds < 60) {
      return `About ${seconds} s left`;
    }
    return `About ${Math.round(seconds / 60)} min left`;
  };

  const poll = async () => {
    try {
      const answer = await fetch(box.dataset.progressUrl, {headers: {Accept: "application/json"}});
      if (answer.ok) {
        const state = await answer.json();
        if (state.finished) {
          window.location.reload();
          return;
        }
        bar.value = state.percent;
        bar.textContent = `${state.percent} %`;
        counts.textContent = describe(state);
        eta.textContent = timeLeft(state.seconds_left);
      }
    } catch (error) {
      counts.textContent = "Lost contact with the server; retrying…";
    }
    window.setTimeout(poll, 500);
  };
  poll();
})();
