// Cabinet's page behaviour (no inline script: the CSP forbids it).
"use strict";

// The CSRF token of the page, as htmx sends it (hx-headers on #page): the one place that
// reads it, for this file and webauthn.js (loaded after it).
window.cabinetCsrfToken = function () {
  const page = document.getElementById("page");
  try {
    return JSON.parse(page.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch (e) {
    return "";
  }
};

(function () {
  // Idle lock (S6): the page hides itself at the same delay the server uses, without a round
  // trip; user activity is reported (at most once a minute) so the server's clock follows it.
  const body = document.body;
  const idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
  let lastActivity = Date.now();
  let lastReport = Date.now();

  function report() {
    if (!body.dataset.keepaliveUrl) return;
    const token = window.cabinetCsrfToken();
    lastReport = Date.now();
    // As an htmx request, a locked session answers 401 instead of redirecting.
    fetch(body.dataset.keepaliveUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": token, "HX-Request": "true" },
    }).then((response) => {
      if (response.status === 401 || response.redirected) lockNow();
    });
  }

  function lockNow() {
    if (body.classList.contains("is-locked")) return;
    body.classList.add("is-locked");
    const back = window.location.pathname + window.location.search;
    window.location.assign(body.dataset.lockUrl + "?retour=" + encodeURIComponent(back));
  }

  function activity() {
    if (body.classList.contains("is-locked")) return;
    lastActivity = Date.now();
  }

  if (idleSeconds > 0 && body.dataset.lockUrl) {
    ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach((name) =>
      document.addEventListener(name, activity, { passive: true, capture: true }));
    document.addEventListener("htmx:afterRequest", () => {
      lastActivity = Date.now();
      lastReport = Date.now();
    });
    setInterval(() => {
      const now = Date.now();
      if (now - lastActivity >= idleSeconds * 1000) {
        lockNow();
      } else if (lastActivity > lastReport && now - lastReport >= 60000) {
        // Activity not yet reported: tell the server, at most once a minute, so its clock
        // never falls behind the page's.
        report();
      }
    }, 1000);
  }

  // Booking: a patient chosen in the picker, or just created, fills the form's hidden field.
  function pick(ref, label) {
    document.querySelectorAll("[data-patient-target]").forEach((input) => (input.value = ref));
    const picked = document.getElementById("picked");
    if (picked && label) {
      picked.textContent = "";
      const strong = document.createElement("strong");
      strong.textContent = "Patient choisi : " + label;
      picked.appendChild(strong);
      picked.dataset.pickedRef = ref;
    }
  }
  document.addEventListener("click", (event) => {
    const choice = event.target.closest(".choose-patient");
    if (choice) pick(choice.dataset.patientRef, choice.dataset.patientLabel);
  });
  document.addEventListener("htmx:afterSwap", () => {
    const created = document.querySelector("#picked[data-picked-ref]");
    if (created && created.dataset.pickedRef) pick(created.dataset.pickedRef, null);
  });
  // Choosing a home-visit type ticks "À domicile".
  document.addEventListener("change", (event) => {
    if (event.target.name !== "appointment_type") return;
    const option = event.target.selectedOptions[0];
    const place = option && option.dataset.home ? "home" : "practice";
    const radio = document.querySelector(`input[name="location"][value="${place}"]`);
    if (radio) radio.checked = true;
  });

  // A notice whose print was just recorded opens the print dialog by itself.
  if (document.querySelector("[data-autoprint]")) window.setTimeout(() => window.print(), 300);

  // Print buttons (tablets have no Ctrl+P).
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();
