// Small behaviours around the server-rendered pages and htmx: local times, keyboard shortcuts,
// theme switch, dismissing notices, SVG node links, no refresh under a form being filled in,
// form checks before confirming, and a banner while the server cannot be reached.
(() => {
  const base = () =>
    document
      .querySelector(".brand")
      ?.getAttribute("href")
      ?.replace(/\/tasks$/, "") ?? "/ui";

  // Timestamps arrive in UTC; show them in the browser's time zone (the title keeps the ISO).
  const localTimes = (root) => {
    for (const el of root.querySelectorAll("time[datetime]")) {
      const d = new Date(el.getAttribute("datetime"));
      if (!Number.isNaN(d.getTime())) el.textContent = d.toLocaleString();
    }
  };
  document.addEventListener("DOMContentLoaded", () => localTimes(document));
  document.addEventListener("htmx:afterSettle", (e) => localTimes(e.target));

  // Nodes of the DAG are SVG links: htmx's link handling is for HTML anchors, so route them here
  // to refresh the live part in place (keeps focus and scroll) instead of loading a new page.
  document.addEventListener("click", (e) => {
    const link = e.target.closest?.("svg.dag a.node");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0 || !window.htmx) return;
    const href = link.getAttribute("href");
    const url = new URL(href, location.href);
    if (!url.pathname.match(/\/tasks\/[^/]+$/)) return;
    e.preventDefault();
    const live = `${url.pathname}/live?step=${encodeURIComponent(url.searchParams.get("step") ?? "")}`;
    const focusId = link.id;
    window.htmx.ajax("GET", live, { target: "#live", swap: "outerHTML" }).then(() => {
      history.pushState({}, "", href);
      document.getElementById(focusId)?.focus();
    });
  });
  // Back/forward over those entries: load the page (htmx handles the entries it pushed itself).
  window.addEventListener("popstate", (e) => {
    if (!e.state?.htmx) location.reload();
  });

  // A live refresh would replace a form someone is filling in (a reason, a result): skip
  // refreshes while a form in the live part has focus or unsaved text; the next one catches up.
  const editing = (root) =>
    [...root.querySelectorAll("form input, form textarea")].some(
      (field) => field === document.activeElement || field.value !== field.defaultValue,
    );
  document.addEventListener("htmx:beforeRequest", (e) => {
    const elt = e.detail.elt;
    const path = e.detail.pathInfo?.requestPath ?? "";
    if (elt?.id === "live" && /[?&]v=/.test(path) && editing(elt)) e.preventDefault();
  });

  // Ask the browser to check the form (a reason is required) before asking for confirmation.
  document.addEventListener("htmx:confirm", (e) => {
    const form = e.detail.elt.closest?.("form");
    if (form && !form.reportValidity()) e.preventDefault();
  });

  document.addEventListener("click", (e) => {
    const dismiss = e.target.closest?.("[data-dismiss]");
    if (dismiss) dismiss.closest(".notice")?.remove();
    if (e.target.closest?.("[data-theme-toggle]")) window.taskerTheme?.toggle();
  });

  // Connection state: a banner while requests fail, gone on the next success.
  document.addEventListener("htmx:sendError", () => document.body.classList.add("connection-lost"));
  document.addEventListener("htmx:afterRequest", (e) => {
    if (e.detail.xhr && e.detail.xhr.status > 0) document.body.classList.remove("connection-lost");
  });

  // Keyboard: "/" search, "t" theme, "g" then t/p/q to go to tasks, templates (patterns), queues.
  let pendingG = false;
  document.addEventListener("keydown", (e) => {
    const typing = e.target.closest?.("input, textarea, select, [contenteditable]");
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (pendingG) {
      pendingG = false;
      const to = { t: "/tasks", p: "/templates", q: "/queues" }[e.key];
      if (to) location.href = base() + to;
      return;
    }
    if (e.key === "/") {
      const box = document.querySelector("[data-search-box]");
      if (box) {
        e.preventDefault();
        box.focus();
      } else {
        location.href = `${base()}/tasks`;
      }
    } else if (e.key === "t") {
      window.taskerTheme?.toggle();
    } else if (e.key === "g") {
      pendingG = true;
      setTimeout(() => {
        pendingG = false;
      }, 1500);
    }
  });
})();
