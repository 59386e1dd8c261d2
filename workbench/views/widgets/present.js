// Presentation mode of a dashboard: controls hidden, charts full width, larger type, a footer
// with year, scheme and source, ← → (or PageUp / PageDown / space) between sections like slides,
// L (or the bar's button) for the other language on the same section, Escape to leave, and an
// optional auto-advance for a big screen in a lobby.
//
// The page's address may ask for it: ?present=1 (and &advance=30 for 30 s a section). The
// address is read here, in the browser, because a kernel run ahead of time never sees it.

function appRoot(el) {
  return el.closest(".wb-app") || document.querySelector(".wb-app");
}

// The sections of a dashboard: the visible top-level parts of its box.
function sectionsOf(root) {
  if (!root) return [];
  return Array.from(root.children).filter((child) => {
    if (child.classList.contains("wb-present-controls")) return false;
    const box = child.getBoundingClientRect();
    return box.height > 24 && getComputedStyle(child).display !== "none";
  });
}

function typing(target) {
  const tag = (target && target.tagName) || "";
  return /^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (target && target.isContentEditable);
}

export default {
  render({ model, el }) {
    el.classList.add("wb-present-bar");
    const button = document.createElement("button");
    button.className = "jupyter-button wb-present-toggle";
    button.type = "button";
    el.append(button);
    // While presenting, the controls float at the top of the screen. They live in the body, as the
    // footer does: inside the page's panels "position: fixed" scrolls away with the sections.
    const floating = document.createElement("div");
    floating.className = "wb-present-floating";
    const language = document.createElement("button");
    language.className = "jupyter-button wb-present-lang";
    language.type = "button";
    const leave = document.createElement("button");
    leave.className = "jupyter-button wb-present-leave";
    leave.type = "button";
    const hint = document.createElement("span");
    hint.className = "wb-present-hint";
    floating.append(hint, language, leave);
    document.body.appendChild(floating);
    const footer = document.createElement("div");
    footer.className = "wb-present-footer";
    const place = document.createElement("span");
    place.className = "wb-present-place";
    const text = document.createElement("span");
    footer.append(text, place);
    document.body.appendChild(footer);
    let timer = null;

    const go = (step) => {
      const root = appRoot(el);
      const parts = sectionsOf(root);
      if (!parts.length) return;
      let k = model.get("section") + step;
      if (k >= parts.length) k = 0;
      if (k < 0) k = parts.length - 1;
      model.set("section", k);
      model.set("sections", parts.length);
      model.save_changes();
      parts[k].scrollIntoView({ block: "start", behavior: "auto" });
      parts.forEach((p, i) => p.classList.toggle("wb-present-current", i === k));
      place.textContent = `${k + 1} / ${parts.length}`;
    };

    const schedule = () => {
      if (timer) clearInterval(timer);
      timer = null;
      const seconds = model.get("interval");
      if (model.get("active") && seconds > 0) timer = setInterval(() => go(1), seconds * 1000);
    };

    const labels = () => {
      const on = model.get("active");
      button.textContent = model.get("label_on");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      leave.textContent = model.get("label_off");
      hint.textContent = on ? model.get("hint") : "";
      language.textContent = model.get("label_lang");
      text.textContent = model.get("footer");
    };

    // Back to the section shown once the page has re-laid out (new labels, new widths): the place
    // stays where the presenter put it.
    let settling = null;
    const stay = (delay) => {
      clearTimeout(settling);
      settling = setTimeout(() => { if (model.get("active")) go(0); }, delay);
    };

    const show = () => {
      const on = model.get("active");
      document.body.classList.toggle("wb-present", on);
      labels();
      // charts take their new width
      setTimeout(() => window.dispatchEvent(new Event("resize")), 50);
      if (on) stay(120);
      schedule();
    };

    const switchLanguage = () => {
      model.set("lang", model.get("lang") === "zh" ? "en" : "zh");
      model.save_changes();
    };

    const onKey = (event) => {
      if (!model.get("active") || typing(event.target)) return;
      if (["ArrowRight", "PageDown", " "].includes(event.key)) { go(1); event.preventDefault(); }
      else if (["ArrowLeft", "PageUp"].includes(event.key)) { go(-1); event.preventDefault(); }
      else if (event.key === "Escape") { model.set("active", false); model.save_changes(); }
      else if (event.key === "l" || event.key === "L") { switchLanguage(); event.preventDefault(); }
    };

    button.addEventListener("click", () => {
      model.set("active", !model.get("active"));
      model.set("section", 0);
      model.save_changes();
    });
    language.addEventListener("click", switchLanguage);
    leave.addEventListener("click", () => { model.set("active", false); model.save_changes(); });
    document.addEventListener("keydown", onKey);
    model.on("change:active", show);
    model.on("change:interval", schedule);
    model.on("change:footer change:label_on change:label_off change:hint change:label_lang", labels);
    // a new language re-renders the page's text: keep the section in view once that has settled
    model.on("change:lang", () => stay(600));

    const query = new URLSearchParams(window.location.search);
    const advance = parseInt(query.get("advance") || "0", 10);
    if (advance > 0 && advance <= 3600) model.set("interval", advance);
    if (query.get("present") === "1") model.set("active", true);
    model.save_changes();
    show();

    return () => {
      document.removeEventListener("keydown", onKey);
      if (timer) clearInterval(timer);
      clearTimeout(settling);
      footer.remove();
      floating.remove();
      document.body.classList.remove("wb-present");
    };
  },
};
