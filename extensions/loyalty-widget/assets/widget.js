/* Loyalty widget: a fixed launcher and a panel, plain JavaScript, no framework.
 * Nothing runs before the page is idle; the panel is built when the shopper opens it. Data
 * comes from the app proxy on the shop's own domain; shopper text is only ever set as text.
 */
(function () {
  "use strict";
  var root = document.getElementById("loyalty-widget-root");
  if (!root || root.getAttribute("data-loaded")) return;
  root.setAttribute("data-loaded", "1");
  var cfg = root.dataset;
  var proxy = (cfg.proxy || "/apps/loyalty").replace(/\/$/, "");
  var locale = cfg.locale || document.documentElement.lang || "en";
  var member = cfg.customer === "1";
  var FOCUSABLE = "a[href],button:not([disabled]),input,select,textarea,[tabindex='0']";
  var host, shadow, launcher, panel, body, program, me, lastCode, notice;

  function idle(fn) {
    if (window.requestIdleCallback) requestIdleCallback(fn, { timeout: 3000 });
    else setTimeout(fn, 300);
  }

  function fill(text, values) {
    return String(text || "").replace(/\{([a-z_]+)\}/g, function (all, key) {
      return values && values[key] != null ? values[key] : all;
    });
  }

  function t(key, values) {
    return fill(program && program.texts[key], values);
  }

  // h("p", {class: "x"}, "text", child): attributes set as attributes, strings as text nodes.
  function h(tag, attrs) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) {
      var value = attrs[name];
      if (value == null || value === false) continue;
      if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }

  function add(node, child) {
    if (child == null || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { add(node, c); });
    else node.appendChild(typeof child === "object" ? child : document.createTextNode(child));
  }

  function api(path, payload) {
    var url = proxy + path + (path.indexOf("?") < 0 ? "?" : "&") + "locale=" + encodeURIComponent(locale);
    var init = { credentials: "same-origin", headers: { Accept: "application/json" } };
    if (payload) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(url, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw data && data.error ? data : { error: "generic" };
        return data;
      });
    });
  }

  function problem(error) {
    var key = "error_" + (error && error.error);
    var text = program && program.texts[key] ? t(key, error) : t("error_generic");
    return text || "Something went wrong. Please try again.";
  }

  function colours() {
    var look = (program && program.appearance) || {};
    var accent = cfg.accent || look.accent_color || "#1f5f4a";
    host.style.setProperty("--a", accent);
    host.style.setProperty("--on", onColour(accent));
    host.style.setProperty("--bg", cfg.background || look.background_color || "#fff");
    host.style.setProperty("--fg", cfg.text || look.text_color || "#1a1a1a");
    var side = (cfg.position || look.position || "bottom-right") === "bottom-left" ? "left" : "right";
    host.setAttribute("data-side", side);
    var label = cfg.label || look.launcher_label || (/^de/i.test(locale) ? "Prämien" : "Rewards");
    launcher.lastChild.textContent = label;
  }

  function onColour(hex) {
    var c = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!c) return "#fff";
    var n = parseInt(c[1], 16), lum = [n >> 16, (n >> 8) & 255, n & 255].map(function (v) {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return 1.05 / (l + 0.05) >= (l + 0.05) / 0.161 ? "#ffffff" : "#111111";
  }

  var CSS =
    ":host{all:initial;position:fixed;bottom:16px;right:16px;z-index:2147483000;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg)}" +
    ":host([data-side=left]){right:auto;left:16px}" +
    ".l{display:flex;align-items:center;gap:8px;min-height:48px;padding:0 18px;border:0;border-radius:24px;background:var(--a);color:var(--on);font:600 15px/1 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.22)}" +
    "button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--a);outline-offset:2px}" +
    ".l:focus-visible{outline-color:var(--fg)}" +
    ".p{position:absolute;bottom:60px;right:0;width:min(380px,calc(100vw - 32px));max-height:min(640px,calc(100vh - 96px));overflow:auto;box-sizing:border-box;background:var(--bg);color:var(--fg);border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.28)}" +
    ":host([data-side=left]) .p{right:auto;left:0}" +
    ".hd{position:sticky;top:0;z-index:1;display:flex;justify-content:space-between;align-items:center;padding:14px 16px;background:var(--a);color:var(--on)}" +
    "h2{margin:0;font-size:17px}h3{margin:0 0 8px;font-size:15px}" +
    ".x{background:none;border:0;color:inherit;font-size:24px;line-height:1;width:40px;height:40px;cursor:pointer;border-radius:20px}" +
    "section{padding:14px 16px;border-top:1px solid rgba(127,127,127,.25)}p{margin:0 0 8px}ul{margin:0;padding:0 0 0 18px}" +
    ".big{font-size:30px;font-weight:700}.m{opacity:.8;font-size:13px}" +
    ".b{display:inline-block;padding:9px 14px;border:0;border-radius:8px;background:var(--a);color:var(--on);font-weight:600;font-size:14px;line-height:1.2;font-family:inherit;text-decoration:none;cursor:pointer}" +
    ".b[disabled]{opacity:.45;cursor:default}.o{background:none;color:var(--fg);box-shadow:inset 0 0 0 2px var(--a)}" +
    ".row{display:flex;justify-content:space-between;align-items:center;gap:10px;padding:6px 0}" +
    ".st{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:0 0 8px}.st li{width:26px;height:26px;border-radius:13px;box-shadow:inset 0 0 0 2px var(--a);box-sizing:border-box}" +
    ".st .on{background:var(--a)}.st .hs{background:repeating-linear-gradient(45deg,var(--a) 0 4px,transparent 4px 7px)}" +
    ".bar{height:10px;border-radius:5px;background:rgba(127,127,127,.25);overflow:hidden;margin:6px 0}.bar i{display:block;height:100%;background:var(--a)}" +
    ".code{margin:12px 16px;padding:12px;border-radius:10px;box-shadow:inset 0 0 0 2px var(--a)}.code code{display:block;font-size:20px;font-weight:700;margin:4px 0 10px;word-break:break-all}" +
    ".err{color:#b00020;background:#fdecee;padding:8px 10px;border-radius:8px;margin:8px 0 0}" +
    "input,select,textarea{font:inherit;padding:7px;border:1px solid rgba(127,127,127,.7);border-radius:6px;background:var(--bg);color:var(--fg);max-width:100%;box-sizing:border-box}" +
    "label{display:block;margin:6px 0 2px}.gap{display:flex;flex-wrap:wrap;gap:8px}" +
    ".tt{margin-top:10px;white-space:pre-line;overflow-wrap:anywhere}" +
    "@media (prefers-reduced-motion:no-preference){.p{animation:f .15s ease-out}@keyframes f{from{opacity:0;transform:translateY(8px)}}}";

  function mount() {
    host = h("div", { id: "loyalty-widget" });
    shadow = host.attachShadow({ mode: "open" });
    launcher = h("button", { class: "l", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false", onclick: toggle },
      h("span", { "aria-hidden": "true" }, "★"), h("span"));
    add(shadow, [h("style", null, CSS), launcher]);
    document.body.appendChild(host);
    colours();
    api("/api/program").then(function (data) { program = data; colours(); }, function () {});
  }

  function toggle() {
    if (panel) close();
    else open();
  }

  function open() {
    body = h("div", { "aria-live": "polite" }, h("section", null, t("loading") || "…"));
    var title = h("h2", { id: "lw-title", tabindex: "-1" }, t("title") || launcher.lastChild.textContent);
    panel = h("div", { class: "p", role: "dialog", "aria-modal": "true", "aria-labelledby": "lw-title", onkeydown: keys },
      h("div", { class: "hd" }, title, h("button", { class: "x", type: "button", "aria-label": t("close") || "Close", onclick: close }, "×")),
      body);
    shadow.insertBefore(panel, launcher);
    launcher.setAttribute("aria-expanded", "true");
    title.focus();
    load();
  }

  function close() {
    if (!panel) return;
    panel.remove();
    panel = null;
    notice = null;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function keys(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Tab") {
      var items = [].filter.call(panel.querySelectorAll(FOCUSABLE), function (n) { return n.offsetParent !== null; });
      var first = items[0], last = items[items.length - 1], active = shadow.activeElement;
      if (event.shiftKey && (active === first || !panel.contains(active) || active.id === "lw-title")) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  function load() {
    var wanted = [program ? program : api("/api/program"), member ? api("/api/me") : null];
    Promise.all(wanted).then(function (data) {
      program = data[0];
      me = data[1];
      colours();
      render();
    }, function (error) {
      if (error && error.error === "login_required") {
        member = false;
        return load();
      }
      replace([h("section", null, h("p", { class: "err", role: "alert" }, problem(error)))]);
    });
  }

  function replace(nodes) {
    if (!body) return;
    body.textContent = "";
    add(body, nodes);
  }

  function render() {
    if (!panel) return;
    var title = panel.querySelector("h2");
    title.textContent = t("title");
    panel.querySelector(".x").setAttribute("aria-label", t("close"));
    replace(me ? memberView() : guestView());
  }

  function guestView() {
    return [
      h("section", null,
        h("h3", null, t("guest_heading")),
        h("p", null, t("guest_body", { points: program.signup_bonus })),
        h("div", { class: "gap" },
          h("a", { class: "b", href: cfg.register || program.urls.register }, t("join")),
          h("a", { class: "b o", href: cfg.login || program.urls.login }, t("sign_in")))),
      h("section", null, h("h3", null, t("earn_heading")),
        h("ul", null, program.earn.map(function (rule) { return h("li", null, rule.text); }))),
      stampsView({ collected: program.stamps.head_start, required: program.stamps.card_size, head_start: program.stamps.head_start }),
      tiersView(),
      h("section", null, h("h3", null, t("rewards_heading")),
        program.rewards.map(function (r) {
          return h("div", { class: "row" }, h("span", null, r.title), h("span", { class: "m" }, t("reward_cost", { points: r.points_cost })));
        })),
      termsView()
    ];
  }

  function memberView() {
    var code = lastCode ? codeView(lastCode) : null;
    var others = me.codes.filter(function (c) { return !lastCode || c.code !== lastCode.code; });
    return [
      code,
      h("section", null,
        h("p", { class: "m" }, t("balance")),
        h("div", { class: "big", "data-balance": me.points_balance }, String(me.points_balance)),
        me.points_pending ? h("p", { class: "m" }, t("pending", { points: me.points_pending })) : null),
      offersView(),
      rewardsView(),
      others.length ? h("section", null, h("h3", null, t("my_codes_heading")),
        others.map(function (c) {
          return h("div", { class: "row" }, h("span", null, h("code", null, c.code), h("br"), h("span", { class: "m" }, c.title)),
            h("a", { class: "b o", href: c.apply_path }, t("apply")));
        })) : null,
      stampsView(me.stamps),
      tierView(),
      membershipView(),
      perksView(),
      referralView(),
      feedbackView(),
      birthdayView(),
      historyView(),
      termsView()
    ];
  }

  function offersView() {
    var list = me.offers || [];
    return list.length ? h("section", { "data-offers": "" }, h("h3", null, t("offers_heading")),
      list.map(function (o) {
        var when = o.status === "active" ? t("offers_ends", { date: o.ends_at.slice(0, 10) }) : t("offers_starts", { date: o.starts_at.slice(0, 10) });
        return h("div", { class: "row", "data-offer": o.id }, h("span", null, h("strong", null, o.title), h("br"),
          h("span", { class: "m" }, o.headline + " \u00b7 " + when + (o.note ? " \u00b7 " + o.note : "")),
          o.code ? [h("br"), h("code", null, o.code)] : null),
          o.apply_path ? h("a", { class: "b o", href: o.apply_path }, t("apply")) : null);
      })) : null;
  }

  function stampsView(card) {
    if (!program.stamps.enabled) return null;
    var slots = [];
    for (var i = 0; i < card.required; i++) {
      var kind = i < card.head_start ? "hs" : i < card.collected ? "on" : "";
      var label = t(kind === "hs" ? "stamp_head_start" : kind ? "stamp_collected" : "stamp_empty");
      slots.push(h("li", { class: kind || null, role: "img", "aria-label": label, title: label }));
    }
    return h("section", null, h("h3", null, t("stamps_heading")),
      h("p", null, t("stamps_progress", card)),
      h("ul", { class: "st" }, slots),
      program.stamps.head_start ? h("p", { class: "m" }, t("stamps_head_start", program.stamps)) : null,
      h("p", { class: "m" }, t("stamps_reward", { reward: program.stamps.reward })));
  }

  function tiersView() {
    if (!program.tiers.levels.length) return null;
    return h("section", null, h("h3", null, t("tiers_heading")),
      program.tiers.levels.map(function (level) {
        return h("div", { class: "row" }, h("strong", null, level.name),
          h("span", { class: "m" }, t("tier_threshold", { amount: level.threshold }) +
            (level.discount_percent !== "0" ? " · " + t("tier_discount", { percent: level.discount_percent }) : "")));
      }));
  }

  function tierView() {
    if (!program.tiers.levels.length) return null;
    var tier = me.tier, percent = Math.round(tier.progress * 100);
    return h("section", null, h("h3", null, t("tiers_heading")),
      h("p", null, tier.name ? t("tier_current", { tier: tier.name }) : t("tier_none")),
      tier.next ? [
        h("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(percent), "aria-label": t("tier_to_next", { amount: tier.to_next, tier: tier.next }) },
          h("i", { style: "width:" + percent + "%" })),
        h("p", { class: "m" }, t("tier_to_next", { amount: tier.to_next, tier: tier.next }))
      ] : h("p", { class: "m" }, t("tier_top")));
  }

  // The paid membership: its end date for members, the offer and product link for others.
  function membershipView() {
    var m = me.membership, plan = m && m.plan;
    if (!plan) return null;
    var day = function (iso) { return new Date(iso).toLocaleDateString(locale); };
    return h("section", null, h("h3", null, t("membership_heading")),
      m.status === "active" ? h("p", null, t("membership_active", { plan: plan.name, date: day(m.ends_at) })) :
        [m.status === "ended" ? h("p", { class: "m" }, t("membership_ended", { plan: plan.name, date: day(m.ends_at) })) : null,
          h("p", null, t("membership_offer", { plan: plan.name, percent: plan.discount_percent, multiplier: plan.points_multiplier })),
          m.join_url ? h("a", { class: "b", href: m.join_url }, t("membership_join")) : null]);
  }

  function perksView() {
    var p = me.perks;
    if (!p || (!p.discount_code && !p.shipping_code && p.points_multiplier === "1")) return null;
    return h("section", null, h("h3", null, t("perks_heading")), h("ul", null,
      p.discount_code ? h("li", null, t("perk_discount", { percent: p.discount_percent, code: p.discount_code })) : null,
      p.points_multiplier !== "1" ? h("li", null, t("perk_multiplier", { multiplier: p.points_multiplier })) : null,
      p.shipping_code ? h("li", null, t("perk_free_shipping", { code: p.shipping_code })) : null));
  }

  function rewardsView() {
    var alert = h("div", { role: "alert", tabindex: "-1", class: "note" }, notice ? h("p", { class: "err" }, notice) : null);
    return h("section", null, h("h3", null, t("rewards_heading")),
      me.rewards.map(function (r) {
        var button = h("button", { class: "b", type: "button", disabled: !r.affordable, "aria-label": t("redeem_label", { reward: r.title, points: r.points_cost }) }, t("redeem"));
        button.addEventListener("click", function () { redeem(r, button); });
        return h("div", { class: "row" }, h("span", null, r.title, h("br"), h("span", { class: "m" }, t("reward_cost", { points: r.points_cost }))), button);
      }), alert);
  }

  // After a refusal the shopper sees why, next to fresh numbers (points may have been spent
  // elsewhere meanwhile), and focus lands on the explanation.
  function redeem(reward, button) {
    button.disabled = true;
    button.textContent = t("redeeming");
    notice = null;
    api("/api/redeem", { reward_id: reward.id }).then(function (code) {
      lastCode = code;
      return refresh(".code h3");
    }, function (failure) {
      notice = problem(failure);
      return refresh(".note");
    });
  }

  function refresh(focus) {
    return api("/api/me").then(function (data) { me = data; }, function () {}).then(function () {
      render();
      var target = panel && panel.querySelector(focus);
      if (target) target.focus();
    });
  }

  function codeView(code) {
    var copy = h("button", { class: "b", type: "button" }, t("copy"));
    copy.addEventListener("click", function () { copyText(code.code, copy, t("copied")); });
    return h("div", { class: "code", "data-code": code.code },
      h("h3", { tabindex: "-1" }, t("code_heading", { reward: code.title })),
      h("code", null, code.code),
      h("div", { class: "gap" }, copy, h("a", { class: "b o", href: code.apply_path }, t("apply"))));
  }

  function copyText(text, button, done) {
    function ok() { button.textContent = done; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(ok, fallback);
    } else fallback();
    function fallback() {
      var area = h("textarea", { readonly: true, style: "position:fixed;opacity:0" });
      area.value = text;
      shadow.appendChild(area);
      area.select();
      try { document.execCommand("copy"); ok(); } catch (e) { /* the code stays visible to copy by hand */ }
      area.remove();
    }
  }

  function referralView() {
    var ref = me.referral;
    if (!ref) return null;
    var message = t("referral_body", { discount: program.referrals.friend_discount, points: program.referrals.referrer_points });
    var copy = h("button", { class: "b", type: "button" }, t("copy_link"));
    copy.addEventListener("click", function () { copyText(ref.link, copy, t("copied")); });
    var share = t("share_subject") + ": " + ref.link;
    return h("section", null, h("h3", null, t("referral_heading")), h("p", null, message),
      h("input", { readonly: true, value: ref.link, "aria-label": t("referral_heading"), style: "width:100%" }),
      h("div", { class: "gap", style: "margin-top:8px" }, copy,
        h("a", { class: "b o", href: "mailto:?subject=" + encodeURIComponent(t("share_subject")) + "&body=" + encodeURIComponent(ref.link) }, t("share_email")),
        h("a", { class: "b o", href: "https://wa.me/?text=" + encodeURIComponent(share), target: "_blank", rel: "noopener" }, t("share_whatsapp"))));
  }

  function birthdayView() {
    if (!program.birthday_bonus && !me.birthday) return null;
    if (me.birthday) return h("section", null, h("h3", null, t("birthday_heading")), h("p", null, me.birthday));
    var input = h("input", { type: "date", id: "lw-bd", required: true });
    var status = h("div", { role: "status" });
    var form = h("form", null, h("label", { for: "lw-bd" }, t("birthday_label")), input, " ",
      h("button", { class: "b", type: "submit" }, t("birthday_save")), status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.textContent = "";
      api("/api/birthday", { birthday: input.value }).then(function (data) {
        me.birthday = data.birthday;
        form.replaceWith(h("p", { role: "status" }, t("birthday_saved")));
      }, function (error) { status.appendChild(h("p", { class: "err" }, problem(error))); });
    });
    return h("section", null, h("h3", null, t("birthday_heading")), h("p", null, t("birthday_body", { points: program.birthday_bonus })), form);
  }

  function feedbackView() {
    var order = me.feedback_orders[0];
    if (!order) return null;
    var levels = ["not_satisfied", "somewhat_satisfied", "satisfied", "very_satisfied", "extremely_satisfied"];
    var satisfaction = h("select", { id: "lw-sat" }, levels.map(function (level) { return h("option", { value: level }, t("satisfaction_" + level)); }));
    satisfaction.value = "satisfied";
    var score = h("select", { id: "lw-nps" });
    for (var i = 0; i <= 10; i++) add(score, h("option", { value: String(i) }, String(i)));
    score.value = "8";
    var comment = h("textarea", { id: "lw-cm", rows: "2", maxlength: "2000", style: "width:100%" });
    var status = h("div", { role: "status" });
    var form = h("form", null,
      h("label", { for: "lw-sat" }, t("feedback_satisfaction")), satisfaction,
      h("label", { for: "lw-nps" }, t("feedback_score")), score,
      h("label", { for: "lw-cm" }, t("feedback_comment")), comment,
      h("p", null), h("button", { class: "b", type: "submit" }, t("feedback_send")), status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      api("/api/feedback", { order_id: order.order_id, satisfaction: satisfaction.value, recommendation_score: +score.value, comment: comment.value })
        .then(function () { form.replaceWith(h("p", { role: "status" }, t("feedback_thanks"))); },
          function (error) { status.appendChild(h("p", { class: "err" }, problem(error))); });
    });
    return h("section", null, h("h3", null, t("feedback_heading", { order: order.name })),
      program.feedback_bonus ? h("p", null, t("feedback_body", { points: program.feedback_bonus })) : null, form);
  }

  function historyView() {
    return h("section", null, h("h3", null, t("history_heading")),
      me.history.length ? me.history.map(function (row) {
        var when = new Date(row.created_at).toLocaleDateString(locale);
        return h("div", { class: "row" }, h("span", null, row.label, h("br"), h("span", { class: "m" }, when + (row.pending ? " · " + t("pending", { points: "" }).trim() : ""))),
          h("strong", null, (row.points > 0 ? "+" : "") + row.points));
      }) : h("p", { class: "m" }, t("history_empty")));
  }

  // The merchant's own terms are plain text: set as a text node, line breaks kept by CSS.
  function termsView() {
    var own = program.terms_text, when = own && new Date(program.terms_published_at).toLocaleDateString(locale);
    return h("section", null, h("details", null, h("summary", null, t("terms_heading")),
      h("ul", null, program.terms.map(function (term) { return h("li", null, term); })),
      own ? h("div", { class: "tt" }, h("p", null, own), h("p", { class: "m" }, t("terms_version", { version: program.terms_version, date: when }))) : null));
  }

  // A referral link lands with ?ref=CODE; the cart keeps it so the order names the referrer.
  function keepReferral() {
    var ref = new URLSearchParams(location.search).get("ref");
    if (!ref || !/^[A-Za-z0-9-]{2,32}$/.test(ref)) return;
    try { if (localStorage.getItem("loyalty_ref") === ref) return; } catch (e) { /* storage off */ }
    fetch("/cart/update.js", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: "attributes%5Bloyalty_ref%5D=" + encodeURIComponent(ref)
    }).then(function (response) {
      if (response.ok) try { localStorage.setItem("loyalty_ref", ref); } catch (e) { /* storage off */ }
    }, function () {});
  }

  idle(function () {
    mount();
    keepReferral();
  });
})();
