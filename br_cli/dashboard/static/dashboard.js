// br dashboard: swap the fragments the server pushes (server-sent events) and keep relative times
// current. No framework, no network beyond this page's own origin.
"use strict";
(function () {
  var script = document.currentScript;
  var live = document.getElementById("live");
  window.__brDashboard = { loadedAt: Date.now(), updates: 0 }; // survives only without a reload

  function ago(seconds) {
    if (seconds < 60) return Math.max(0, Math.round(seconds)) + " s ago";
    if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
    return Math.round(seconds / 3600) + " h ago";
  }

  function left(seconds) {
    if (seconds <= 0) return "ran out";
    if (seconds < 60) return Math.round(seconds) + " s left";
    return Math.floor(seconds / 60) + " min " + Math.round(seconds % 60) + " s left";
  }

  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll("[data-ago]").forEach(function (el) {
      el.textContent = ago(now - Number(el.getAttribute("data-ago")));
    });
    document.querySelectorAll("[data-until]").forEach(function (el) {
      el.textContent = left(Number(el.getAttribute("data-until")) - now);
    });
  }

  function apply(parts) {
    Object.keys(parts).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.innerHTML = parts[id];
    });
    window.__brDashboard.updates += 1;
    tick();
  }

  var source = new EventSource(script.getAttribute("data-events"));
  source.addEventListener("fragments", function (event) {
    apply(JSON.parse(event.data));
    live.textContent = "live";
    live.className = "live on";
  });
  source.onopen = function () { live.textContent = "live"; live.className = "live on"; };
  source.onerror = function () { live.textContent = "reconnecting…"; live.className = "live off"; };
  tick();
  setInterval(tick, 1000);
})();
