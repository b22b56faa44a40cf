// Checks that run inside the page (page.evaluate): colour contrast of text
// and of diagram labels, heading structure, and the state of diagrams.
// Each returns plain data; the tests decide what fails. page.evaluate sends
// a function's source text alone into the page, so each function carries
// its own small colour helpers instead of importing shared ones.

/** WCAG 2 contrast of every visible text sample in `main` (and the chrome). */
export function textContrast() {
  const parse = (s) => {
    const m = /rgba?\(([^)]+)\)/.exec(s);
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const lum = (c) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const background = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.push(e);
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const e of chain.reverse()) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) bg = over(c, bg);
    }
    return bg;
  };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const ownText = (el) =>
    Array.from(el.childNodes)
      .filter((n) => n.nodeType === 3)
      .map((n) => n.textContent)
      .join('')
      .trim();
  const visible = (el) => {
    if (el.closest('.boring') && el.closest('.hide-boring')) return false;
    if (!el.getClientRects().length) return false;
    const cs = getComputedStyle(el);
    return cs.visibility === 'visible' && Number(cs.opacity) > 0;
  };

  const SAMPLES = [
    ['body text', 'main p, main li, main td, main th, main dd, main dt, main summary, main blockquote, main figcaption'],
    ['link', 'main a'],
    ['heading', 'main h1, main h2, main h3, main h4, main h5, main h6'],
    ['inline code', 'main :not(pre) > code'],
    ['code', 'main pre > code'],
    ['code token', 'main pre > code span'],
    ['example caption', 'main .example-source'],
    ['sidebar link', '#mdbook-sidebar a'],
    ['book title', '#mdbook-menu-bar .menu-title'],
  ];
  const results = [];
  const seen = new Set();
  for (const [kind, selector] of SAMPLES) {
    let n = 0;
    for (const el of document.querySelectorAll(selector)) {
      const text = ownText(el);
      // Diagram labels are checked by diagramReport, against what lies beneath.
      if (!text || el.closest('svg') || !visible(el)) continue;
      const cs = getComputedStyle(el);
      const bg = background(el);
      const fgRaw = parse(cs.color);
      if (!fgRaw) continue;
      const fg = over(fgRaw, bg);
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      const large = size >= 24 || (bold && size >= 18.66);
      const key = `${kind}|${el.className}|${hex(fg)}|${hex(bg)}|${large}`;
      if (seen.has(key)) continue;
      seen.add(key);
      results.push({
        kind,
        className: typeof el.className === 'string' ? el.className : '',
        tag: el.tagName.toLowerCase(),
        text: text.slice(0, 40),
        fg: hex(fg),
        bg: hex(bg),
        ratio: Math.round(ratio(fg, bg) * 100) / 100,
        need: large ? 3 : 4.5,
      });
      if (++n >= 60) break;
    }
  }
  return results;
}

/**
 * For every diagram: whether it was drawn, its accessible name and
 * description as the SVG declares them, and the contrast of each label
 * against what is painted beneath it.
 */
export function diagramReport() {
  const parse = (s) => {
    if (!s || s === 'none' || s.startsWith('url(')) return null;
    const m = /rgba?\(([^)]+)\)/.exec(s);
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const lum = (c) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const pageBackground = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.push(e);
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const e of chain.reverse()) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) bg = over(c, bg);
    }
    return bg;
  };
  // Opacity of an element inside the SVG, with its ancestors'.
  const opacityOf = (el, svg) => {
    let o = 1;
    for (let e = el; e && e !== svg.parentElement; e = e.parentElement) {
      o *= Number(getComputedStyle(e).opacity);
    }
    return o;
  };
  const SHAPES = 'rect, circle, ellipse, polygon, path, polyline';

  return Array.from(document.querySelectorAll('figure.diagram')).map((pre, index) => {
    const svg = pre.querySelector(':scope > svg');
    const out = {
      index,
      drawn: !!svg,
      kind: svg?.getAttribute('aria-roledescription') ?? null,
      svgTitle: null,
      svgDesc: null,
      labelledBy: null,
      describedBy: null,
      role: svg?.getAttribute('role') ?? null,
      labels: [],
      // The smallest text as drawn (font size times the SVG's scale), and
      // how wide the box is against what it holds.
      smallestText: null,
      smallestLabel: null,
      boxWidth: pre.getBoundingClientRect().width,
      scrollsSideways: pre.scrollWidth > pre.clientWidth + 1,
    };
    if (!svg) return out;
    const byId = (ids) =>
      (ids ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => svg.querySelector(`[id="${CSS.escape(id)}"]`)?.textContent.trim() ?? `(missing #${id})`)
        .join(' ') || null;
    out.labelledBy = byId(svg.getAttribute('aria-labelledby'));
    out.describedBy = byId(svg.getAttribute('aria-describedby'));
    out.svgTitle = svg.querySelector(':scope > title')?.textContent.trim() ?? null;
    out.svgDesc = svg.querySelector(':scope > desc')?.textContent.trim() ?? null;

    const base = pageBackground(pre);
    const painters = Array.from(svg.querySelectorAll(`${SHAPES}, foreignObject *`));
    // The elements that hold the text itself (a <tspan> has its own fill;
    // its <text> may carry the fill of the box around it).
    const hasOwnText = (e) => Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    const texts = [
      ...Array.from(svg.querySelectorAll('text, tspan')).filter((t) => !t.closest('foreignObject') && hasOwnText(t)),
      ...Array.from(svg.querySelectorAll('foreignObject *')).filter(hasOwnText),
    ];
    for (const t of texts) {
      const text = Array.from(t.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
      if (!text) continue;
      const box = t.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const cs = getComputedStyle(t);
      if (cs.visibility !== 'visible' || cs.display === 'none') continue;
      const scale = t instanceof SVGGraphicsElement ? Math.hypot(t.getScreenCTM()?.a ?? 1, t.getScreenCTM()?.b ?? 0) : 1;
      const drawnPx = parseFloat(cs.fontSize) * scale;
      if (out.smallestText === null || drawnPx < out.smallestText) {
        out.smallestText = Math.round(drawnPx * 10) / 10;
        out.smallestLabel = text.slice(0, 40);
      }
      const isSvgText = t instanceof SVGElement;
      const fgRaw = parse(isSvgText ? cs.fill : cs.color);
      if (!fgRaw) continue;
      const fgAlpha = (isSvgText ? Number(cs.fillOpacity) : 1) * opacityOf(t, svg);
      const cx = box.left + box.width / 2;
      const cy = box.top + box.height / 2;
      let bg = base;
      for (const p of painters) {
        if (p === t || t.contains(p)) continue;
        // Only what is painted before the text (or holds it) lies beneath it.
        const before = p.compareDocumentPosition(t) & (Node.DOCUMENT_POSITION_FOLLOWING | Node.DOCUMENT_POSITION_CONTAINED_BY);
        if (!before) continue;
        const pcs = getComputedStyle(p);
        if (pcs.display === 'none' || pcs.visibility !== 'visible') continue;
        let color;
        if (p instanceof SVGGeometryElement) {
          color = parse(pcs.fill);
          if (!color) continue;
          const ctm = p.getScreenCTM();
          if (!ctm) continue;
          const pt = new DOMPoint(cx, cy).matrixTransform(ctm.inverse());
          if (!p.isPointInFill(pt)) continue;
          color = { ...color, a: color.a * Number(pcs.fillOpacity) * opacityOf(p, svg) };
        } else if (!(p instanceof SVGElement)) {
          color = parse(pcs.backgroundColor);
          if (!color || color.a === 0) continue;
          const r = p.getBoundingClientRect();
          if (cx < r.left || cx > r.right || cy < r.top || cy > r.bottom) continue;
          color = { ...color, a: color.a * opacityOf(p, svg) };
        } else {
          continue;
        }
        if (color.a > 0) bg = over(color, bg);
      }
      const fg = over({ ...fgRaw, a: fgRaw.a * fgAlpha }, bg);
      out.labels.push({
        text: text.slice(0, 40),
        fg: hex(fg),
        bg: hex(bg),
        ratio: Math.round(ratio(fg, bg) * 100) / 100,
      });
    }
    return out;
  });
}

/** Headings in reading order, as a screen reader lists them. */
export function headings() {
  const all = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]'));
  return all
    .filter((h) => {
      const role = h.getAttribute('role');
      if (role && role !== 'heading') return false;
      if (!h.getClientRects().length) return false;
      return getComputedStyle(h).visibility === 'visible' && !h.closest('[aria-hidden="true"]');
    })
    .map((h) => ({
      level: h.getAttribute('aria-level') ? Number(h.getAttribute('aria-level')) : Number(h.tagName.slice(1)),
      text: h.textContent.trim().slice(0, 60),
      inMain: !!h.closest('main'),
    }));
}
