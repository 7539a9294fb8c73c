// The jobs dashboard's script: it asks before destructive actions, and
// refreshes the live pages in place. The pages work without it.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Live refresh: on a page whose main element has data-live, the visitor
// picks an interval (remembered in localStorage) and may pause; the page
// is fetched again at that interval and its main swapped in, keeping
// focus, scroll positions and form fields the visitor changed.
(() => {
  const main = document.querySelector("main[data-live]");
  const header = document.querySelector("header");
  if (!main || !header) {
    return;
  }
  const storageKey = "jobs.dashboard.refresh";
  const intervals = [["0", "off"], ["2000", "2 s"], ["5000", "5 s"], ["15000", "15 s"], ["60000", "60 s"]];
  const fields = "a[href], button, input, select, textarea, [tabindex]";

  const box = document.createElement("div");
  box.className = "refresh";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Live refresh");
  const label = document.createElement("label");
  label.htmlFor = "refresh-interval";
  label.textContent = "Refresh";
  const select = document.createElement("select");
  select.id = "refresh-interval";
  for (const [value, text] of intervals) {
    select.add(new Option(text, value));
  }
  const pause = document.createElement("button");
  pause.type = "button";
  pause.id = "refresh-pause";
  pause.setAttribute("aria-pressed", "false");
  pause.textContent = "Pause";
  const status = document.createElement("span");
  status.id = "refresh-status";
  status.className = "muted";
  box.append(label, select, pause, status);
  header.append(box);

  let stored = null;
  try {
    stored = window.localStorage.getItem(storageKey);
  } catch (e) {
    // Storage may be off; the picker then starts at "off" on every page.
  }
  select.value = intervals.some(([v]) => v === stored) ? stored : "0";
  let paused = false;
  let timer = 0;
  let busy = false;

  const interval = () => Number(select.value);
  const schedule = () => {
    window.clearTimeout(timer);
    timer = 0;
    pause.disabled = interval() === 0;
    if (interval() > 0 && !paused) {
      timer = window.setTimeout(refresh, interval());
    }
  };
  const stop = (message) => {
    select.value = "0";
    status.textContent = message;
    schedule();
  };

  // state records what the visitor did to main that a swap would undo.
  const state = () => {
    const saved = { focus: -1, scroll: [], changed: [] };
    const all = Array.from(main.querySelectorAll(fields));
    if (main.contains(document.activeElement)) {
      saved.focus = all.indexOf(document.activeElement);
      saved.focusId = document.activeElement.id;
    }
    main.querySelectorAll(".scroll").forEach((el) => saved.scroll.push([el.scrollLeft, el.scrollTop]));
    main.querySelectorAll("input, select, textarea").forEach((el, i) => {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked !== el.defaultChecked) {
          saved.changed.push([i, "checked", el.checked]);
        }
      } else if (el.tagName === "SELECT") {
        if (Array.from(el.options).some((o) => o.selected !== o.defaultSelected)) {
          saved.changed.push([i, "value", el.value]);
        }
      } else if (el.value !== el.defaultValue) {
        saved.changed.push([i, "value", el.value]);
      }
    });
    return saved;
  };
  const restore = (saved) => {
    const inputs = main.querySelectorAll("input, select, textarea");
    for (const [i, prop, value] of saved.changed) {
      if (inputs[i]) {
        inputs[i][prop] = value;
      }
    }
    main.querySelectorAll(".scroll").forEach((el, i) => {
      if (saved.scroll[i]) {
        [el.scrollLeft, el.scrollTop] = saved.scroll[i];
      }
    });
    const target = (saved.focusId && document.getElementById(saved.focusId)) || main.querySelectorAll(fields)[saved.focus];
    if (saved.focus >= 0 && target) {
      target.focus({ preventScroll: true });
    }
  };

  const refresh = async () => {
    if (busy || paused || interval() === 0) {
      return;
    }
    if (document.hidden) {
      schedule();
      return;
    }
    busy = true;
    try {
      const resp = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } });
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.querySelector("main[data-live]");
      if (!resp.ok || !fresh) {
        stop(resp.ok ? "Refresh stopped: log in again" : "Refresh stopped: " + resp.status + " " + resp.statusText);
        return;
      }
      // Typing in a field of main: try again at the next tick.
      const typing = main.contains(document.activeElement) && document.activeElement.matches("input:not([type=checkbox]):not([type=radio]), textarea, select");
      if (!typing && !paused && fresh.innerHTML !== main.innerHTML) {
        const saved = state();
        main.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
        restore(saved);
      }
      status.textContent = "updated " + new Date().toLocaleTimeString();
    } catch (e) {
      status.textContent = "refresh failed: " + e.message;
    } finally {
      busy = false;
    }
    schedule();
  };

  select.addEventListener("change", () => {
    try {
      window.localStorage.setItem(storageKey, select.value);
    } catch (e) {
      // Not remembered; it still applies to this page.
    }
    status.textContent = "";
    schedule();
  });
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume" : "Pause";
    status.textContent = paused ? "paused" : "";
    schedule();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !paused && interval() > 0) {
      refresh();
    }
  });
  schedule();
})();
