/* Early access notice for product pages: asks the app proxy (on the shop's own domain)
 * whether this shopper may buy the product now; if not, hides the buy buttons and shows
 * the app's explanation as text. */
(function () {
  "use strict";
  var roots = document.querySelectorAll(".loyalty-early-access");
  Array.prototype.forEach.call(roots, function (root) {
    var d = root.dataset;
    var proxy = (d.proxy || "/apps/loyalty").replace(/\/$/, "");
    var url = proxy + "/api/early-access?product_id=" + encodeURIComponent(d.product || "") +
      "&collection_ids=" + encodeURIComponent(d.collections || "") +
      "&locale=" + encodeURIComponent(d.locale || "en");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer || !answer.restricted || answer.allowed) return;
        var buttons = document.querySelectorAll(d.buy || "form[action*='/cart/add'] [type='submit']");
        Array.prototype.forEach.call(buttons, function (b) {
          b.disabled = true;
          b.hidden = true;
          b.setAttribute("aria-hidden", "true");
        });
        root.textContent = answer.message || "";
        if (answer.reason === "login_required" && d.login) {
          var a = document.createElement("a");
          a.href = d.login;
          a.textContent = " \u2192";
          root.appendChild(a);
        }
        root.hidden = false;
      })
      .catch(function () {});
  });
})();
