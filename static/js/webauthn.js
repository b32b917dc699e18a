// WebAuthn ceremonies for elements marked data-webauthn="register|authenticate".
// Options come from the server as JSON (base64url fields); the browser needs ArrayBuffers.
// A small helper rather than PublicKeyCredential.parse*FromJSON, which Safari on iPad lacks.
"use strict";

(function () {
  function toBuffer(value) {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.cabinetCsrfToken() },
      body: JSON.stringify(body || {}),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      if (data && data.next) {
        // The server asks for another step first (e.g. confirming one's identity).
        window.location.assign(data.next);
      }
      const message = (data && data.message) || "Le serveur a refusé la demande. Rechargez la page.";
      throw new Error(message);
    }
    return data;
  }

  function creationOptions(options) {
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    (options.excludeCredentials || []).forEach((c) => (c.id = toBuffer(c.id)));
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBuffer(options.challenge);
    (options.allowCredentials || []).forEach((c) => (c.id = toBuffer(c.id)));
    return options;
  }

  function credentialJSON(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) json.response.userHandle = toBase64url(response.userHandle);
    }
    return json;
  }

  const FRIENDLY = {
    NotAllowedError: "Opération annulée ou délai dépassé. Réessayez.",
    InvalidStateError: "Cet authentificateur est déjà enregistré pour votre compte.",
    SecurityError: "Adresse du site non reconnue pour l'authentification.",
    NotSupportedError: "Cet appareil ne permet pas l'authentification forte.",
  };

  async function run(box) {
    const status = box.querySelector("[data-webauthn-status]");
    const button = box.querySelector("[data-webauthn-start]");
    const nameInput = box.querySelector("[data-webauthn-name]");
    box.dataset.status = "pending";
    status.textContent = "Suivez les indications de votre authentificateur…";
    button.disabled = true;
    try {
      if (!window.PublicKeyCredential) throw new Error(FRIENDLY.NotSupportedError);
      const options = await post(box.dataset.optionsUrl);
      let credential;
      const body = {};
      if (box.dataset.webauthn === "register") {
        credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
        body.name = nameInput ? nameInput.value : "";
      } else {
        credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
      }
      body.credential = credentialJSON(credential);
      const result = await post(box.dataset.verifyUrl, body);
      box.dataset.status = "ok";
      status.textContent = "C'est fait.";
      window.location.assign(result.next);
    } catch (error) {
      box.dataset.status = "error";
      status.textContent = FRIENDLY[error.name] || error.message;
      button.disabled = false;
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-webauthn-start]");
    if (!button) return;
    event.preventDefault();
    run(button.closest("[data-webauthn]"));
  });
})();
