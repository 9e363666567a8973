/* Counter pages: procedure search and receipt, lifecycle actions. Plain JavaScript, no
   library, no build step; every change goes to the JSON API of this same service. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("page-texts").textContent);
  var LANG = T.lang === "en" ? "en" : "vi";

  function $(id) { return document.getElementById(id); }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  /* An ISO date-time in the communes' local time (the server's offset, not the PC's clock). */
  function localTime(iso, offsetHours) {
    if (!iso) { return "—"; }
    var d = new Date(new Date(iso).getTime() + offsetHours * 3600 * 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getUTCDate()) + "/" + two(d.getUTCMonth() + 1) + "/" + d.getUTCFullYear() + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }

  /* The API's own message (Vietnamese unless the page is English); field problems by label. */
  function errorMessage(status, payload) {
    var error = payload && payload.error;
    if (error && error.problems && error.problems.length) {
      return error.problems.map(function (p) {
        var name = T.field_names[p.field] || T.field_names[p.field.replace(/^applicant\./, "")] || p.field;
        return format(T.field_invalid, { field: name });
      }).join("; ");
    }
    if (error && error.message) { return error.message; }
    return format(T.error_status, { status: status });
  }

  function postJson(url, body, headers) {
    var all = { "Content-Type": "application/json", "Accept": "application/json", "Accept-Language": LANG };
    for (var key in headers || {}) { all[key] = headers[key]; }
    return fetch(url, { method: "POST", headers: all, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (payload) {
          return { ok: response.ok, status: response.status, payload: payload };
        });
      });
  }

  function showError(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  // ----------------------------------------------------------------------- receive

  var receiveForm = $("receive-form");
  if (receiveForm) {
    var commune = receiveForm.getAttribute("data-commune");
    // Made once per page load by the server: a second click or a resend reuses it.
    var idempotencyKey = receiveForm.getAttribute("data-idempotency-key");
    var query = $("procedure-q"), results = $("procedure-results"), codeInput = $("procedure-code");
    var submit = $("receive-submit"), errorBox = $("receive-error");
    var timer = null, lastQuery = null, sequence = 0;

    var search = function () {
      var q = query.value.trim();
      if (q === lastQuery) { return; }
      lastQuery = q;
      var mine = ++sequence;
      if (!q) { results.innerHTML = ""; return; }
      fetch("/v1/catalogue/procedures?commune_code=" + encodeURIComponent(commune) + "&q=" + encodeURIComponent(q),
            { headers: { "Accept-Language": LANG } })
        .then(function (r) { return r.json(); })
        .then(function (page) { if (mine === sequence) { showResults(page.items || []); } })
        .catch(function () { if (mine === sequence) { results.innerHTML = ""; addNote(T.search_failed); } });
    };

    var addNote = function (text) {
      var li = document.createElement("li");
      li.className = "note";
      li.textContent = text;
      results.appendChild(li);
    };

    var showResults = function (items) {
      results.innerHTML = "";
      if (!items.length) { addNote(T.no_procedure_found); return; }
      items.slice(0, 12).forEach(function (p) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "result";
        button.setAttribute("data-code", p.code);
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = p.name;
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = p.code + " · " + p.field_name + " · " + T.processing_time + ": " + p.processing_time_text;
        button.appendChild(name);
        button.appendChild(meta);
        button.addEventListener("click", function () { choose(p); });
        li.appendChild(button);
        results.appendChild(li);
      });
    };

    var choose = function (p) {
      codeInput.value = p.code;
      $("procedure-chosen-name").textContent = p.name;
      $("procedure-chosen-code").textContent = p.code;
      $("procedure-chosen-time").textContent = "· " + T.processing_time + ": " + p.processing_time_text;
      $("procedure-search").hidden = true;
      $("procedure-chosen").hidden = false;
      showError(errorBox, "");
      $("full-name").focus();
    };

    query.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // Enter picks the best match instead of submitting
        event.preventDefault();
        var first = results.querySelector("button.result");
        if (first) { first.click(); }
      }
    });
    $("procedure-change").addEventListener("click", function () {
      codeInput.value = "";
      $("procedure-chosen").hidden = true;
      $("procedure-search").hidden = false;
      query.focus();
      query.select();
    });

    var channel = $("channel");
    var toggleAssisted = function () {
      $("assisted-by-field").hidden = channel.value !== "assisted";
      $("session-field").hidden = channel.value !== "out_of_hours";
    };
    channel.addEventListener("change", toggleAssisted);
    toggleAssisted();

    var busy = false;
    receiveForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      if (!codeInput.value) { showError(errorBox, T.choose_procedure_first); query.focus(); return; }
      var value = function (id) { var v = $(id).value.trim(); return v ? v : null; };
      var body = {
        procedure_code: codeInput.value,
        channel: channel.value,
        applicant: { full_name: value("full-name"), id_number: value("id-number"), phone: value("phone"),
                     address: value("address"), priority_group: value("priority-group") },
        consent_letters: $("consent-letters").checked,
        consent_sms: $("consent-sms").checked,
        assisted_by: channel.value === "assisted" ? value("assisted-by") : null,
        session_id: channel.value === "out_of_hours" && $("session") ? $("session").value : null
      };
      busy = true;
      submit.disabled = true;
      submit.textContent = T.sending;
      showError(errorBox, "");
      postJson("/v1/communes/" + encodeURIComponent(commune) + "/dossiers", body, { "Idempotency-Key": idempotencyKey })
        .then(function (answer) {
          if (!answer.ok) { showError(errorBox, errorMessage(answer.status, answer.payload)); return; }
          var d = answer.payload;
          var base = "/v1/communes/" + encodeURIComponent(commune) + "/dossiers/" + encodeURIComponent(d.dossier_code);
          $("done-code").textContent = d.dossier_code;
          $("done-procedure").textContent = d.procedure_name;
          $("done-appointment").textContent = localTime(d.appointment_at, T.utc_offset_hours);
          $("print-receipt").href = base + "/forms/01.html";
          $("open-dossier").href = "/quay/" + encodeURIComponent(commune) + "/ho-so/" + encodeURIComponent(d.dossier_code);
          receiveForm.hidden = true;
          $("receive-done").hidden = false;
          $("print-receipt").focus();
        }, function () { showError(errorBox, T.network_error); })
        .then(function () { busy = false; submit.disabled = false; submit.textContent = T.submit; });
    });
  }

  // ----------------------------------------------------------------------- a dossier's actions

  var script = $("counter-script");
  if (script && script.getAttribute("data-dossier")) {
    var dossierUrl = "/v1/communes/" + encodeURIComponent(script.getAttribute("data-commune")) + "/dossiers/" +
      encodeURIComponent(script.getAttribute("data-dossier"));

    var bodyOf = function (form) {
      var body = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name) { return; }
        var kind = field.getAttribute("data-kind");
        if (field.type === "checkbox") { body[field.name] = field.checked; }
        else if (kind === "number") { body[field.name] = Number(field.value); }
        else if (kind === "lines") {
          body[field.name] = field.value.split(/\r?\n/).map(function (s) { return s.trim(); })
            .filter(function (s) { return s; });
        } else if (field.value.trim()) { body[field.name] = field.value.trim(); }
      });
      return body;
    };

    Array.prototype.forEach.call(document.querySelectorAll("form[data-action]"), function (form) {
      var action = form.getAttribute("data-action");
      var button = form.querySelector("button[type=submit]");
      var label = button.textContent;
      var errorBox = form.querySelector(".message.error");
      var reload = form.querySelector(".reload");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (button.disabled) { return; }
        button.disabled = true;
        button.textContent = T.sending;
        showError(errorBox, "");
        reload.hidden = true;
        postJson(dossierUrl + "/" + action, bodyOf(form))
          .then(function (answer) {
            if (answer.ok) {
              // The page shows the new state as the server renders it.
              window.location.replace(window.location.pathname + "?xong=" + encodeURIComponent(action));
              return true;
            }
            showError(errorBox, errorMessage(answer.status, answer.payload));
            // 409: the dossier changed since this page was drawn (another officer acted).
            reload.hidden = answer.status !== 409;
          }, function () { showError(errorBox, T.network_error); })
          .then(function (leaving) { if (!leaving) { button.disabled = false; button.textContent = label; } });
      });
    });
  }
})();
