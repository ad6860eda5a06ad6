// micrograd_cn step-through player: one SVG, the steps are states of it (no external files).
function microgradRoot(script, id) {
  // The script sits inside its own player; JupyterLab may run it before the output is in the page.
  const own = script && script.closest ? script.closest(".mgp") : null;
  return own && own.id === id ? own : document.getElementById(id);
}
function microgradPlayer(root, D, standalone) {
  "use strict";
  const q = (selector) => root.querySelector(selector);
  const svg = q(".mgp-graph svg"), slider = q(".mgp-slider"), panel = q(".mgp-panel");
  const playButton = q(".mgp-play"), N = D.steps.length, n = D.n;
  const nodeOf = new Map(), edges = {}, original = new Map();
  svg.querySelectorAll("g.node").forEach((g) => {
    const m = /^n(\d+)(op)?$/.exec(g.querySelector("title").textContent);
    if (m) nodeOf.set(g, Number(m[1]));
  });
  svg.querySelectorAll("g.edge").forEach((g) => {
    const key = g.querySelector("title").textContent;
    (edges[key] = edges[key] || []).push(g);
    g.querySelectorAll("path, polygon").forEach((el) => original.set(el,
      ["stroke", "fill", "stroke-width"].map((a) => el.getAttribute(a))));
  });
  // During backward the edge in use points the way the gradient flows: an arrowhead at the
  // tail end (drawn once, shown instead of Graphviz's head arrow while the edge is red).
  const backArrow = new Map();
  Object.values(edges).flat().forEach((g) => {
    const path = g.querySelector("path");
    const nums = path ? (path.getAttribute("d").match(/-?\d*\.?\d+(?:e-?\d+)?/gi) || []).map(Number) : [];
    if (nums.length < 4) return;
    const [x0, y0] = nums;
    let dx = 0, dy = 0;
    for (let k = 2; k + 1 < nums.length && Math.hypot(dx, dy) < 1e-6; k += 2) {
      dx = x0 - nums[k]; dy = y0 - nums[k + 1];  // towards the tail, along the curve's start
    }
    const len = Math.hypot(dx, dy);
    if (len < 1e-6) return;
    const ux = dx / len, uy = dy / len, L = 10, W = 3.6;
    const bx = x0 - ux * L, by = y0 - uy * L;
    const arrow = document.createElementNS(svg.namespaceURI, "polygon");
    arrow.setAttribute("class", "mgp-back");
    arrow.setAttribute("points", [[x0, y0], [bx - uy * W, by + ux * W], [bx + uy * W, by - ux * W],
      [x0, y0]].map((p) => p.map((v) => v.toFixed(2)).join(",")).join(" "));
    arrow.setAttribute("display", "none");
    g.appendChild(arrow);
    backArrow.set(g, arrow);
  });
  const boxes = D.nodes.map((_, i) => {
    const g = [...nodeOf].find(([el, j]) => j === i && !/op$/.test(el.querySelector("title").textContent))[0];
    const texts = g.querySelectorAll("text");
    return { bg: g.querySelector("polygon"), data: texts[1], grad: texts[2] };
  });
  const labelTexts = D.labels.map(([tail, head]) => {
    const gs = edges[tail + "->" + head] || [];
    return gs.length ? [...gs[0].querySelectorAll("text")] : [];
  });
  const labelIndex = new Map(D.labels.map(([t, h], k) => [t + "->" + h, k]));
  let current = 0, timer = null, opened = null;

  function paint(g, color, backward) {
    const flip = backward && backArrow.has(g);
    g.querySelectorAll("path, polygon").forEach((el) => {
      el.setAttribute("stroke", color);
      if (el.tagName === "polygon") el.setAttribute("fill", color);
      el.setAttribute("stroke-width", "2.4");
      if (el.tagName === "polygon" && flip) {
        el.setAttribute("display", el.classList.contains("mgp-back") ? "inline" : "none");
      }
    });
  }
  function show(k) {
    current = Math.max(0, Math.min(N - 1, k));
    const step = D.steps[current], forward = current < n;
    const known = new Set();
    for (let b = n; !forward && b <= current; b++) known.add(D.steps[b].node);
    D.nodes.forEach((node, i) => {
      const box = boxes[i];
      box.data.textContent = forward && i > current ? "data ?" : node.data;
      box.grad.textContent = known.has(i) ? node.grad : "grad ?";
      box.bg.setAttribute("fill", i === step.node ? D.highlight : "white");
    });
    original.forEach((attrs, el) => {
      ["stroke", "fill", "stroke-width"].forEach((a, j) => {
        if (attrs[j] === null) el.removeAttribute(a); else el.setAttribute(a, attrs[j]);
      });
      el.removeAttribute("display");
    });
    backArrow.forEach((arrow) => arrow.setAttribute("display", "none"));
    labelTexts.forEach((texts) => texts.forEach((t) => { t.style.visibility = "hidden"; }));
    step.edges.forEach(([tail, head]) => {
      const key = tail + "->" + head;
      (edges[key] || []).forEach((g) => paint(g, forward ? D.forward : D.backward, !forward));
      if (!forward && labelIndex.has(key)) {
        labelTexts[labelIndex.get(key)].forEach((t) => { t.style.visibility = "visible"; });
      }
    });
    q(".mgp-caption").textContent = step.caption;
    q(".mgp-why").textContent = step.why;
    q(".mgp-counter").textContent = (current + 1) + " / " + N;
    slider.value = String(current + 1);
  }
  function line(parent, tag, text, bold) {
    const el = document.createElement(tag);
    if (bold) { const b = document.createElement("b"); b.textContent = bold; el.appendChild(b); }
    el.appendChild(document.createTextNode(text));
    parent.appendChild(el);
    return el;
  }
  function openPanel(i) {
    const node = D.nodes[i];
    opened = i;
    panel.replaceChildren();
    const close = line(panel, "button", "×");
    close.className = "mgp-close";
    close.title = "关闭 close";
    close.onclick = (e) => { e.stopPropagation(); panel.hidden = true; opened = null; };
    line(panel, "h4", "节点 node " + node.name);
    line(panel, "p", node.formula, "前向 forward: ");
    line(panel, "p", node.sum, "反向 backward: ");
    if (node.terms.length) {
      line(panel, "p", "", node.terms.length > 1
        ? "每个使用它的子节点贡献一项, 相加 (+=) · one term per child, summed:"
        : "来自唯一的子节点 · from its one child:");
      const list = line(panel, "ul", "");
      node.terms.forEach((t) => line(list, "li", t));
    } else {
      line(panel, "p", "根节点: 梯度从 1 开始 · the root: its gradient starts at 1");
    }
    if (node.why) line(panel, "p", node.why, "为什么 why: ");
    panel.hidden = false;
  }
  function stop() {
    clearInterval(timer); timer = null; playButton.textContent = "播放 Play";
  }
  function play() {
    if (timer) { stop(); return; }
    if (current >= N - 1) show(0);
    playButton.textContent = "暂停 Pause";
    timer = setInterval(() => { if (current >= N - 1) stop(); else show(current + 1); }, 1100);
  }
  q(".mgp-prev").onclick = () => { stop(); show(current - 1); };
  q(".mgp-next").onclick = () => { stop(); show(current + 1); };
  playButton.onclick = play;
  slider.oninput = () => { stop(); show(Number(slider.value) - 1); };
  nodeOf.forEach((i, g) => g.addEventListener("click", () => openPanel(i)));
  function onKey(e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ArrowRight") { stop(); show(current + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { stop(); show(current - 1); e.preventDefault(); }
  }
  (standalone ? document : root).addEventListener("keydown", onKey);
  root.microgradPlayer = { show, play, stop, openPanel, get step() { return current + 1; } };
  show(0);
}
