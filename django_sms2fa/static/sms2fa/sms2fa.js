/* django-sms2fa: small progressive enhancements. Every page works without this. */
(function () {
  "use strict";

  // A live countdown for "You can send a new code in m:ss"; the button waits for it.
  document.querySelectorAll("[data-sms2fa-cooldown]").forEach(function (hint) {
    var left = parseInt(hint.getAttribute("data-sms2fa-cooldown"), 10) || 0;
    var clock = hint.querySelector(".sms2fa-clock");
    var button = hint.closest("form") && hint.closest("form").querySelector("button[type=submit]");
    var end = Date.now() + left * 1000;
    function tick() {
      var seconds = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (clock) clock.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
      if (button) button.disabled = seconds > 0;
      if (seconds > 0) { setTimeout(tick, 250); } else { hint.hidden = true; }
    }
    tick();
  });

  // Print the recovery codes.
  document.querySelectorAll("[data-sms2fa-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // WebOTP: browsers that support it fill the code from the SMS's "@domain #code" line.
  var input = document.querySelector("input[autocomplete='one-time-code']");
  if (input && "OTPCredential" in window) {
    var abort = new AbortController();
    input.form.addEventListener("submit", function () { abort.abort(); });
    navigator.credentials.get({otp: {transport: ["sms"]}, signal: abort.signal}).then(function (otp) {
      if (otp && otp.code && !input.value) { input.value = otp.code; input.form.requestSubmit(); }
    }).catch(function () {});
  }
})();
