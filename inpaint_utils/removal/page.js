// The removal web page (page.py serves it): open a photo, paint what to remove, Remove, compare,
// download. Strokes are kept here in the photo's own pixels and sent to the server, which draws
// them at full resolution (removal/strokes.py, as for notebook 07's brush, whose drawing code this
// page imports). Plain code, no build.

import { drawStroke } from "./brush.js";

const $ = (id) => document.getElementById(id);
const view = $("view"), stage = $("stage"), photo = $("photo"), marks = $("marks"), status = $("status");
const state = { id: null, name: "", width: 0, height: 0, index: 0, strokes: [], tool: "brush", zoom: 1,
                busy: false, current: null };

function say(text, error = false) {
  status.textContent = text;
  status.classList.toggle("error", error);
}

async function call(url, options = {}) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

function sync() {
  for (const button of document.querySelectorAll("[data-tool]")) {
    button.classList.toggle("active", button.dataset.tool === state.tool);
  }
  const none = !state.id;
  for (const button of document.querySelectorAll("header button")) button.disabled = state.busy || none;
  $("remove").disabled = state.busy || !state.strokes.length;
  $("undo").disabled = state.busy || (!state.strokes.length && !state.index);
  $("compare").disabled = state.busy || !state.index;
  for (const what of ["result", "mask"]) {
    const link = $(`download-${what}`);
    link.classList.toggle("disabled", state.busy || !state.index);
    link.href = state.index ? `/api/${state.id}/download/${what}?v=${state.index}` : "#";
  }
  $("progress").hidden = !state.busy;
  $("zoom-value").textContent = state.id ? `${Math.round(state.zoom * 100)}%` : "";
}

function redraw() {
  const g = marks.getContext("2d");
  g.clearRect(0, 0, marks.width, marks.height);
  for (const stroke of state.strokes) drawStroke(g, stroke, "#f00");
  if (state.current) drawStroke(g, state.current, "#f00");
}

function setZoom(zoom, centre = null) {
  // centre: a photo point to keep in the middle of the view
  const point = centre || [(view.scrollLeft + view.clientWidth / 2) / state.zoom,
                           (view.scrollTop + view.clientHeight / 2) / state.zoom];
  state.zoom = Math.min(Math.max(zoom, 0.02), 16);
  stage.style.width = `${state.width * state.zoom}px`;
  stage.style.height = `${state.height * state.zoom}px`;
  view.scrollLeft = point[0] * state.zoom - view.clientWidth / 2;
  view.scrollTop = point[1] * state.zoom - view.clientHeight / 2;
  sync();
}

const fitZoom = () => Math.min(view.clientWidth / state.width, view.clientHeight / state.height, 1);

function show(index) {
  return new Promise((resolve) => {
    photo.onload = resolve;
    photo.src = `/api/${state.id}/image/${index}.png`;
  });
}

async function open(file) {
  if (!file || state.busy) return;
  state.busy = true;
  say(`Opening ${file.name}...`);
  sync();
  try {
    const form = new FormData();
    form.append("file", file);
    const opened = await call("/api/open", { method: "POST", body: form });
    Object.assign(state, { id: opened.id, name: opened.name, width: opened.width, height: opened.height, index: 0,
                           strokes: [] });
    marks.width = opened.width;
    marks.height = opened.height;
    await show(0);
    setZoom(fitZoom(), [opened.width / 2, opened.height / 2]);
    redraw();
    const notes = opened.notes.length ? ` Note: ${opened.notes.join("; ")}.` : "";
    say(`${opened.name}: ${opened.width}x${opened.height}. Paint over what to remove, then Remove.${notes}`);
  } catch (error) {
    say(`Not opened: ${error.message}`, true);
  } finally {
    state.busy = false;
    sync();
  }
}

async function remove() {
  if (!state.strokes.length || state.busy) return;
  state.busy = true;
  const started = performance.now();
  const tick = setInterval(() => say(`Removing... ${((performance.now() - started) / 1000).toFixed(0)} s`), 500);
  say("Removing...");
  sync();
  try {
    const done = await call(`/api/${state.id}/remove`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ strokes: state.strokes }) });
    state.index = done.index;
    state.strokes = [];
    await show(done.index);
    redraw();
    const [x0, y0, x1, y1] = done.box;
    setZoom(1, [(x0 + x1) / 2, (y0 + y1) / 2]);
    say(`Removed with ${done.method} in ${done.seconds} s: x ${x0}-${x1}, y ${y0}-${y1}, shown at 100%. ` +
        "Hold \"before\" to compare; paint more to remove more; download when done.");
  } catch (error) {
    say(`Not removed: ${error.message}`, true);
  } finally {
    clearInterval(tick);
    state.busy = false;
    sync();
  }
}

async function undo() {
  if (state.busy) return;
  if (state.strokes.length) {
    state.strokes.pop();
    redraw();
    sync();
    return;
  }
  if (!state.index) return;
  try {
    const back = await call(`/api/${state.id}/undo`, { method: "POST" });
    state.index = back.index;
    await show(back.index);
    say(back.index ? "The last Remove is taken back." : "Back to the photo as opened.");
  } catch (error) {
    say(`Not undone: ${error.message}`, true);
  }
  sync();
}

function at(event) { // the pointer in photo pixels, whatever the zoom
  const box = marks.getBoundingClientRect();
  return [(event.clientX - box.left) * state.width / box.width, (event.clientY - box.top) * state.height / box.height];
}

marks.addEventListener("pointerdown", (event) => {
  if (state.busy || !state.id || event.button !== 0) return;
  marks.setPointerCapture?.(event.pointerId);
  const p = at(event);
  const size = Number($("size").value) / state.zoom;
  state.current = { tool: state.tool, size, points: state.tool === "box" ? [p, p] : [p] };
  redraw();
  event.preventDefault();
});
marks.addEventListener("pointermove", (event) => {
  if (!state.current) return;
  const p = at(event);
  if (state.current.tool === "box") state.current.points[1] = p; else state.current.points.push(p);
  redraw();
});
const finish = () => {
  if (!state.current) return;
  const stroke = state.current;
  state.current = null;
  stroke.points = stroke.points.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
  state.strokes.push(stroke);
  redraw();
  sync();
};
marks.addEventListener("pointerup", finish);
marks.addEventListener("pointercancel", finish);

for (const button of document.querySelectorAll("[data-tool]")) {
  button.addEventListener("click", () => { state.tool = button.dataset.tool; sync(); });
}
$("file").addEventListener("change", (event) => open(event.target.files[0]));
$("remove").addEventListener("click", remove);
$("undo").addEventListener("click", undo);
$("clear").addEventListener("click", () => { state.strokes = []; redraw(); sync(); });
$("fit").addEventListener("click", () => setZoom(fitZoom(), [state.width / 2, state.height / 2]));
$("actual").addEventListener("click", () => setZoom(1));
$("zoom-in").addEventListener("click", () => setZoom(state.zoom * 1.5));
$("zoom-out").addEventListener("click", () => setZoom(state.zoom / 1.5));
view.addEventListener("wheel", (event) => {
  if (!event.ctrlKey || !state.id) return;
  event.preventDefault();
  setZoom(state.zoom * (event.deltaY < 0 ? 1.2 : 1 / 1.2));
}, { passive: false });
const before = (on) => { if (state.index) show(on ? state.index - 1 : state.index); };
$("compare").addEventListener("pointerdown", () => before(true));
for (const name of ["pointerup", "pointerleave"]) $("compare").addEventListener(name, () => before(false));
document.addEventListener("keydown", (event) => {
  if (event.target.tagName === "INPUT") return;
  const tool = { b: "brush", e: "eraser", r: "box" }[event.key];
  if (tool) { state.tool = tool; sync(); }
  if ((event.ctrlKey || event.metaKey) && event.key === "z") { event.preventDefault(); undo(); }
});
for (const name of ["dragenter", "dragover"]) {
  document.addEventListener(name, (event) => { event.preventDefault(); view.classList.add("dragging"); });
}
document.addEventListener("dragleave", () => view.classList.remove("dragging"));
document.addEventListener("drop", (event) => {
  event.preventDefault();
  view.classList.remove("dragging");
  open(event.dataTransfer.files[0]);
});
sync();
