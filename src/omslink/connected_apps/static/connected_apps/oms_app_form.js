// The OMS Configuration form: Test buttons show their result in place, and Enable stays
// disabled until both tests have passed for exactly the values now in the form.
"use strict";

(() => {
  const form = document.getElementById("oms-app-form");
  if (!form) {
    return;
  }
  const enable = document.getElementById("enable");
  const csrfToken = form.elements.csrfmiddlewaretoken.value;
  const value = (name) => form.elements[name].value.trim();
  const secret = (name) => form.elements[name].value;

  // Each test: the fields its result depends on, where it posts, and what it sends.
  const tests = {
    webhook: {
      fields: ["webhook_url", "webhook_secret", "encryption_key"],
      url: form.dataset.testWebhook,
      result: document.getElementById("webhook-result"),
      body: () => ({
        webhook_url: value("webhook_url"),
        webhook_secret: secret("webhook_secret"),
        encryption_key: secret("encryption_key") || null,
        org_unit: value("org_unit") || null,
      }),
    },
    api: {
      fields: ["api_url", "api_key", "org_unit"],
      url: form.dataset.testApi,
      result: document.getElementById("api-result"),
      body: () => ({api_url: value("api_url"), api_key: secret("api_key"), org_unit: value("org_unit")}),
    },
  };
  const passedWith = {};  // test name -> the field values it passed with

  const valuesOf = (test) => JSON.stringify(test.fields.map(secret));

  function refreshEnable() {
    enable.disabled = !Object.entries(tests).every(
      ([name, test]) => passedWith[name] !== undefined && passedWith[name] === valuesOf(test));
  }

  function show(element, text, state) {
    element.textContent = text;
    element.classList.toggle("ok", state === "ok");
    element.classList.toggle("bad", state === "bad");
  }

  // The reason in an error answer (ours, or anything else that came back).
  function reasonOf(answer) {
    const error = answer.data && answer.data.error;
    if (error) {
      return error.message;
    }
    if (answer.status === 403) {
      return "the page has expired or your role does not allow this; reload the page";
    }
    return `the server answered ${answer.status}`;
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken},
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (ignored) {
      data = null;
    }
    return {status: response.status, data};
  }

  async function runTest(name) {
    const test = tests[name];
    const tested = valuesOf(test);
    delete passedWith[name];
    refreshEnable();
    show(test.result, "Testing…", null);
    let answer;
    try {
      answer = await postJson(test.url, test.body());
    } catch (failure) {
      show(test.result, `Test failed: the server cannot be reached (${failure.message})`, "bad");
      return;
    }
    if (answer.status !== 200) {
      show(test.result, `Test failed: ${reasonOf(answer)}`, "bad");
      return;
    }
    const result = answer.data;
    if (result.ok) {
      passedWith[name] = tested;
      show(test.result, `Connected: HTTP ${result.status_code} in ${result.latency_ms} ms`, "ok");
    } else {
      show(test.result, `Test failed: ${result.error}`, "bad");
    }
    refreshEnable();
  }

  for (const button of form.querySelectorAll("button[data-test]")) {
    button.addEventListener("click", () => runTest(button.dataset.test));
  }

  // Changing a tested field voids that test's pass.
  function onEdit() {
    for (const [name, test] of Object.entries(tests)) {
      if (passedWith[name] !== undefined && passedWith[name] !== valuesOf(test)) {
        delete passedWith[name];
        show(test.result, "Changed since the test passed: test again.", null);
      }
    }
    refreshEnable();
  }
  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);

  // An OU with an enabled app cannot get another: say so at once, before any test or key.
  const orgUnit = form.elements.org_unit;
  const notice = document.getElementById("org-unit-notice");
  const blockedButtons = form.querySelectorAll("button[data-test], #issue-key");
  function checkOrgUnit() {
    const chosen = orgUnit.selectedOptions[0];
    const takenBy = chosen && chosen.dataset.enabledApp;
    notice.hidden = !takenBy;
    notice.textContent = takenBy ?
      `${chosen.value} already has an enabled OMS app (${takenBy}). Disable it first on ` +
      `OMS Apps; until then no app can be added for ${chosen.value}.` : "";
    for (const button of blockedButtons) {
      button.disabled = Boolean(takenBy);
    }
  }
  orgUnit.addEventListener("change", checkOrgUnit);
  checkOrgUnit();

  const issueKey = document.getElementById("issue-key");
  if (issueKey && form.dataset.issueKey) {
    const result = document.getElementById("issue-key-result");
    issueKey.addEventListener("click", async () => {
      const orgUnit = value("org_unit");
      if (!orgUnit) {
        show(result, "Choose the organization unit first.", "bad");
        return;
      }
      const answer = await postJson(form.dataset.issueKey, {org_unit: orgUnit});
      if (answer.status !== 200) {
        show(result, `No key was issued: ${reasonOf(answer)}`, "bad");
        return;
      }
      const field = form.elements.api_key;
      field.type = "text";
      field.value = answer.data.key;
      show(result, `New key …${answer.data.last4} issued for ${answer.data.org_unit}. ` +
        "Copy it into the OMS now: it is shown only this once.", "ok");
      onEdit();
    });
  }

  let submitting = false;
  form.addEventListener("submit", (event) => {
    // The server runs both tests again before it saves; one submission is enough.
    if (enable.disabled || submitting) {
      event.preventDefault();
      return;
    }
    submitting = true;
    enable.textContent = "Enabling…";
  });
  refreshEnable();
})();
