// Notebook 07's brush (inpaint_utils/brush.py): paint what to remove on a preview of the photo.
// Strokes go to Python as points in preview pixels; Python draws them at the photo's full size.
// Plain canvas code, loaded by anywidget as an ES module: no build step.

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

// One stroke on a 2D context, as Python draws it again (removal/strokes.py): a round-capped line of
// its size, an eraser clearing, a box filled. The removal web page (page.js) draws with it too.
export function drawStroke(g, stroke, colour = "#fff") {
  const pts = stroke.points;
  g.save();
  g.fillStyle = g.strokeStyle = colour;
  if (stroke.tool === "box") {
    const [[x0, y0], [x1, y1]] = [pts[0], pts[pts.length - 1]];
    g.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
  } else {
    g.globalCompositeOperation = stroke.tool === "eraser" ? "destination-out" : "source-over";
    g.lineWidth = stroke.size;
    g.lineCap = g.lineJoin = "round";
    g.beginPath();
    g.arc(pts[0][0], pts[0][1], stroke.size / 2, 0, 2 * Math.PI);
    g.fill();
    if (pts.length > 1) {
      g.beginPath();
      g.moveTo(pts[0][0], pts[0][1]);
      for (const [x, y] of pts.slice(1)) g.lineTo(x, y);
      g.stroke();
    }
  }
  g.restore();
}

function render({ model, el }) {
  el.classList.add("iu-brush");
  const bar = element("div", { class: "iu-brush-bar" });
  const tools = {};
  for (const [tool, label, hint] of [["brush", "Brush", "paint what to remove"], ["eraser", "Eraser", "unpaint"],
                                      ["box", "Box", "drag a rectangle to remove"]]) {
    tools[tool] = element("button", { class: "iu-brush-tool", "data-tool": tool, title: hint }, label);
    tools[tool].addEventListener("click", () => { model.set("tool", tool); model.save_changes(); });
    bar.appendChild(tools[tool]);
  }
  const sizeLabel = element("label", { class: "iu-brush-size" }, "Size ");
  const size = element("input", { type: "range", min: "2", max: "200", step: "1" });
  const sizeValue = element("span");
  sizeLabel.append(size, sizeValue);
  size.addEventListener("input", () => { model.set("brush_size", Number(size.value)); model.save_changes(); });
  const undo = element("button", { class: "iu-brush-undo", title: "take back the last stroke" }, "Undo");
  const clear = element("button", { class: "iu-brush-clear", title: "take back every stroke" }, "Clear");
  const remove = element("button", { class: "iu-brush-remove", title: "remove what is painted" }, "Remove");
  bar.append(sizeLabel, undo, clear, remove);

  const saveBar = element("div", { class: "iu-brush-bar" });
  const folderLabel = element("label", {}, "Folder ");
  const folder = element("input", { type: "text", class: "iu-brush-folder", size: "28" });
  folderLabel.appendChild(folder);
  const overwriteLabel = element("label", { title: "replace files an earlier Save wrote (never the photo)" });
  const overwrite = element("input", { type: "checkbox", class: "iu-brush-overwrite" });
  overwriteLabel.append(overwrite, document.createTextNode(" Overwrite"));
  const save = element("button", { class: "iu-brush-save", title: "write the result and its mask to the folder" },
                       "Save");
  saveBar.append(folderLabel, overwriteLabel, save);
  folder.addEventListener("change", () => { model.set("folder", folder.value); model.save_changes(); });
  overwrite.addEventListener("change", () => { model.set("overwrite", overwrite.checked); model.save_changes(); });

  const stage = element("div", { class: "iu-brush-stage" });
  const canvas = element("canvas", { class: "iu-brush-canvas" });
  stage.appendChild(canvas);
  const status = element("div", { class: "iu-brush-status" });
  const results = element("div", { class: "iu-brush-results" });
  el.append(bar, stage, saveBar, status, results);

  const ctx = canvas.getContext("2d");
  const marks = document.createElement("canvas"); // the strokes, opaque white where painted
  const tint = document.createElement("canvas"); // the same in translucent red, drawn over the photo
  const photo = new Image();
  let current = null; // the stroke being drawn

  function redraw() {
    const w = model.get("width"), h = model.get("height");
    for (const c of [canvas, marks, tint]) if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    const m = marks.getContext("2d");
    m.clearRect(0, 0, w, h);
    for (const stroke of model.get("strokes")) drawStroke(m, stroke);
    if (current) drawStroke(m, current);
    const t = tint.getContext("2d");
    t.clearRect(0, 0, w, h);
    t.globalCompositeOperation = "source-over";
    t.drawImage(marks, 0, 0);
    t.globalCompositeOperation = "source-in";
    t.fillStyle = "rgba(255, 0, 0, 0.55)";
    t.fillRect(0, 0, w, h);
    ctx.clearRect(0, 0, w, h);
    if (photo.complete && photo.naturalWidth) ctx.drawImage(photo, 0, 0, w, h);
    ctx.drawImage(tint, 0, 0);
  }

  function at(event) { // pointer position in preview pixels, whatever size the canvas is shown at
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (model.get("busy")) return;
    canvas.setPointerCapture?.(event.pointerId);
    const p = at(event);
    current = { tool: model.get("tool"), size: model.get("brush_size"), points: [p, ...(model.get("tool") === "box" ? [p] : [])] };
    redraw();
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    const p = at(event);
    if (current.tool === "box") current.points[1] = p; else current.points.push(p);
    redraw();
  });
  const finish = () => {
    if (!current) return;
    const stroke = current;
    current = null;
    stroke.points = stroke.points.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]);
    model.set("strokes", [...model.get("strokes"), stroke]);
    model.save_changes();
    redraw();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  undo.addEventListener("click", () => { model.set("strokes", model.get("strokes").slice(0, -1)); model.save_changes(); });
  clear.addEventListener("click", () => { model.set("strokes", []); model.save_changes(); });
  remove.addEventListener("click", () => { model.set("remove_clicks", model.get("remove_clicks") + 1); model.save_changes(); });
  save.addEventListener("click", () => {
    model.set("folder", folder.value);
    model.set("overwrite", overwrite.checked);
    model.set("save_clicks", model.get("save_clicks") + 1);
    model.save_changes();
  });

  function showResults() {
    results.replaceChildren();
    if (!model.get("result_image")) return;
    const pair = element("div", { class: "iu-brush-pair" });
    for (const [title, source, cls] of [["After", model.get("result_image"), "iu-brush-after"]]) {
      const figure = element("figure");
      figure.append(element("img", { src: source, class: cls, alt: title }), element("figcaption", {}, title));
      pair.appendChild(figure);
    }
    const crops = element("div", { class: "iu-brush-pair" });
    for (const [title, source, cls] of [["Before, at 100%", model.get("crop_before"), "iu-brush-crop-before"],
                                        ["After, at 100%", model.get("crop_after"), "iu-brush-crop-after"]]) {
      const figure = element("figure");
      figure.append(element("img", { src: source, class: `iu-brush-crop ${cls}`, alt: title }),
                    element("figcaption", {}, title));
      crops.appendChild(figure);
    }
    results.append(crops, pair);
  }

  function sync() {
    for (const [tool, button] of Object.entries(tools)) button.classList.toggle("iu-brush-active", model.get("tool") === tool);
    size.value = model.get("brush_size");
    sizeValue.textContent = ` ${model.get("brush_size")} px`;
    if (document.activeElement !== folder) folder.value = model.get("folder");
    overwrite.checked = model.get("overwrite");
    status.textContent = model.get("status");
    const busy = model.get("busy");
    for (const button of el.querySelectorAll("button")) button.disabled = busy;
    el.classList.toggle("iu-brush-busy", busy);
  }

  photo.onload = redraw;
  photo.src = model.get("image");
  const handlers = [
    ["change:image", () => { photo.src = model.get("image"); }],
    ["change:strokes", redraw],
    ["change:width", redraw],
    ["change:height", redraw],
    ["change:result_image", showResults],
    ["change:crop_after", showResults],
    ["change:tool change:brush_size change:folder change:overwrite change:status change:busy", sync],
  ];
  for (const [events, handler] of handlers) model.on(events, handler);
  sync();
  redraw();
  showResults();
  return () => { for (const [events, handler] of handlers) model.off(events, handler); };
}

export default { render };
