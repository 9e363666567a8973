/* Citizen lookup: dossier code + last 4 digits of the phone -> status and dates only. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("page-texts").textContent);
  var LANG = T.lang === "en" ? "en" : "vi";
  function $(id) { return document.getElementById(id); }

  function localDate(iso) {
    if (!iso) { return T.not_returned; }
    var d = new Date(new Date(iso).getTime() + T.utc_offset_hours * 3600 * 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getUTCDate()) + "/" + two(d.getUTCMonth() + 1) + "/" + d.getUTCFullYear() + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }

  var form = $("lookup-form"), submit = $("lookup-submit"), errorBox = $("lookup-error"), result = $("lookup-result");
  function fail(text) {
    result.hidden = true;
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = $("lookup-code").value.trim();
    var digits = $("lookup-digits").value.trim();
    if (!/^\d{4}$/.test(digits)) { fail(T.digits_invalid); return; }
    errorBox.hidden = true;
    submit.disabled = true;
    submit.textContent = T.sending;
    // The digits go in the query of a same-origin request, never in the page's address.
    fetch("/v1/public/dossiers/" + encodeURIComponent(code) + "/status?phone_last_digits=" + encodeURIComponent(digits),
          { headers: { "Accept": "application/json", "Accept-Language": LANG } })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (payload) {
          if (!response.ok) {
            fail(payload && payload.error && payload.error.message ? payload.error.message : T.failed);
            return;
          }
          $("result-code").textContent = payload.dossier_code;
          $("result-status").textContent = LANG === "vi" ? payload.status_vi : (T.statuses[payload.status] || payload.status_vi);
          $("result-status").className = "status big status-" + payload.status;
          $("result-procedure").textContent = payload.procedure_name || "";
          $("result-received").textContent = localDate(payload.received_at);
          $("result-appointment").textContent = localDate(payload.appointment_at);
          $("result-returned").textContent = localDate(payload.returned_at);
          result.hidden = false;
        });
      }, function () { fail(T.network_error); })
      .then(function () { submit.disabled = false; submit.textContent = T.submit; });
  });
})();
