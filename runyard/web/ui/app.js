// The dashboard's shell: history-API routing over /ui/..., the key form of secured mode, and the
// life of a page (its refreshes and streams stop when it is left).

import { ApiError, forgetKey, saveKey, savedKey } from "./api.js";
import { h } from "./dom.js";
import { jobPage, jobsPage } from "./jobs.js";
import { overviewPage } from "./overview.js";
import { runPage } from "./run.js";
import { runsPage } from "./runs.js";

/**
 * What a page gets: where to draw, its URL, and the means to leave, speak and repeat.
 * @typedef {object} View
 * @property {HTMLElement} main
 * @property {URL} url
 * @property {AbortSignal} signal aborted when the page is left
 * @property {(href: string, options?: {replace?: boolean, notice?: string}) => void} navigate
 * @property {(text: string) => void} announce says `text` to screen readers (aria-live)
 * @property {(title: string) => void} title
 * @property {(milliseconds: number, step: () => Promise<void>) => void} every repeats `step` while the page is shown and visible
 */
/** @typedef {(view: View, ...params: string[]) => Promise<void>} Page */

/** @type {[RegExp, string, Page][]} */
const ROUTES = [
  [/^\/ui\/?$/, "runs", runsPage],
  [/^\/ui\/runs\/?$/, "runs", runsPage],
  [/^\/ui\/runs\/([^/]+)\/?$/, "runs", runPage],
  [/^\/ui\/jobs\/?$/, "jobs", jobsPage],
  [/^\/ui\/jobs\/([^/]+)\/?$/, "jobs", jobPage],
  [/^\/ui\/overview\/?$/, "overview", overviewPage],
];

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
}

let current = new AbortController();
let shownPath = "";

/** @param {string} text */
function announce(text) {
  const announcer = element("announcer");
  announcer.textContent = "";
  // A change after clearing is what makes screen readers speak the same text twice.
  requestAnimationFrame(() => {
    announcer.textContent = text;
  });
}

/**
 * @param {string} href
 * @param {{replace?: boolean, notice?: string}} [options]
 */
function navigate(href, options = {}) {
  const state = options.notice ? { notice: options.notice } : {};
  if (options.replace) history.replaceState(state, "", href);
  else history.pushState(state, "", href);
  void render();
}

function showKeyState() {
  const holder = element("key-state");
  if (savedKey() === null) {
    holder.replaceChildren();
    return;
  }
  const forget = h("button", { type: "button", class: "link-button" }, "Forget key");
  forget.addEventListener("click", () => {
    forgetKey();
    void render();
  });
  holder.replaceChildren(h("span", { class: "muted" }, "Key in use "), forget);
}

/**
 * Secured mode: the API answered 401. The key asked for here is kept for this browser tab only.
 * @param {HTMLElement} main
 * @param {string} detail
 */
function showKeyForm(main, detail) {
  const refused = savedKey() !== null;
  forgetKey();
  showKeyState();
  const input = h("input", { id: "api-key", name: "key", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const form = h(
    "form",
    { class: "key-form" },
    h("h1", {}, "This server needs an API key"),
    h("p", {}, "runyard runs in secured mode. The key is kept in this tab's session storage and sent with every call as a bearer token."),
    refused ? h("p", { class: "error", role: "alert" }, `The key was refused: ${detail}`) : null,
    h("label", { for: "api-key" }, "API key"),
    h("div", { class: "row" }, input, h("button", { type: "submit" }, "Use this key")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key === "") return;
    saveKey(key);
    void render();
  });
  main.replaceChildren(form);
  input.focus();
}

/**
 * @param {HTMLElement} main
 * @param {unknown} error
 */
function showError(main, error) {
  if (error instanceof ApiError && error.status === 401) {
    showKeyForm(main, error.message);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  const heading = error instanceof ApiError && error.status === 404 ? "Not found" : "Something went wrong";
  main.replaceChildren(h("h1", {}, heading), h("p", { class: "error", role: "alert" }, message), h("p", {}, h("a", { href: "/ui/runs" }, "Back to the runs")));
}

/**
 * @param {AbortSignal} signal
 * @param {HTMLElement} main
 * @returns {View["every"]}
 */
function repeater(signal, main) {
  return (milliseconds, step) => {
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const tick = async () => {
      if (signal.aborted) return;
      if (!document.hidden) {
        try {
          await step();
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof ApiError && error.status === 401) {
            showKeyForm(main, error.message);
            return;
          }
          announce(`Could not refresh: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (!signal.aborted) timer = setTimeout(() => void tick(), milliseconds);
    };
    timer = setTimeout(() => void tick(), milliseconds);
    signal.addEventListener("abort", () => clearTimeout(timer));
  };
}

async function render() {
  current.abort();
  const controller = new AbortController();
  current = controller;
  const url = new URL(location.href);
  const main = element("main");
  const match = ROUTES.map(([pattern, section, page]) => /** @type {const} */ ([pattern.exec(url.pathname), section, page])).find(([found]) => found !== null);
  for (const item of document.querySelectorAll("[data-nav]")) {
    if (match !== undefined && item.getAttribute("data-nav") === match[1]) item.setAttribute("aria-current", "page");
    else item.removeAttribute("aria-current");
  }
  showKeyState();
  // Focus moves to the new page's content when the path changes (not on the first load, where the
  // keyboard starts at the top: the skip link), so the keyboard and screen readers follow navigation.
  const moveFocus = shownPath !== "" && shownPath !== url.pathname;
  shownPath = url.pathname;
  main.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  if (match === undefined) {
    document.title = "Not found · runyard";
    main.replaceChildren(h("h1", {}, "Not found"), h("p", {}, "The dashboard has no page here. ", h("a", { href: "/ui/runs" }, "See the runs.")));
    return;
  }
  const [found, , page] = match;
  /** @type {View} */
  const view = {
    main,
    url,
    signal: controller.signal,
    navigate,
    announce,
    title: (text) => {
      document.title = `${text} · runyard`;
    },
    every: repeater(controller.signal, main),
  };
  if (moveFocus) main.focus({ preventScroll: true });
  try {
    await page(view, ...(found ?? []).slice(1).map((part) => decodeURIComponent(part)));
    const notice = /** @type {{notice?: string} | null} */ (history.state)?.notice;
    if (notice && !controller.signal.aborted) {
      main.prepend(h("p", { class: "notice", role: "status" }, notice));
    }
  } catch (error) {
    if (controller.signal.aborted || (error instanceof DOMException && error.name === "AbortError")) return;
    showError(main, error);
  }
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.target instanceof Element ? event.target.closest("a") : null;
  if (anchor === null || anchor.target !== "" || anchor.hasAttribute("download")) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith("/ui")) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});
window.addEventListener("popstate", () => void render());
void render();
