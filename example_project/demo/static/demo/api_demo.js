// Signs in through django-sms2fa's JSON API (browser client: session cookie + CSRF).
"use strict";
(function () {
  const base = document.currentScript.dataset.api.replace(/auth\/session$/, "");
  const $ = (id) => document.getElementById(id);

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function call(path, method = "GET", body = undefined) {
    const response = await fetch(base + path, {
      method,
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json();
  }

  // One function shows every state; the answer always says which it is.
  function show(answer) {
    $("password-step").hidden = answer.state !== "unauthenticated";
    $("code-step").hidden = answer.state !== "code_required";
    $("signed-in").hidden = answer.state !== "authenticated";
    if (answer.challenge) $("phone").textContent = answer.challenge.phone;
    if (answer.user) $("username-shown").textContent = answer.user.username;
    const error = answer.errors[0];
    $("error").hidden = !error;
    $("error").textContent = error ? error.message : "";
    if (answer.state === "code_required" && !error) $("code").value = "";
  }

  $("password-step").addEventListener("submit", async (event) => {
    event.preventDefault();
    show(await call("auth/login", "POST",
                    {username: $("username").value, password: $("password").value}));
    $("password").value = "";
  });
  $("code-step").addEventListener("submit", async (event) => {
    event.preventDefault();
    show(await call("auth/code", "POST", {code: $("code").value}));
  });
  $("resend").addEventListener("click", async () => show(await call("auth/code/resend", "POST")));
  $("cancel").addEventListener("click", async () => show(await call("auth/cancel", "POST")));
  $("sign-out").addEventListener("click", async () => show(await call("auth/session", "DELETE")));

  call("auth/session").then(show);  // also sets the CSRF cookie
})();
