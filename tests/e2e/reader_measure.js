/* What a reader sees, measured in a map's own page (tests/e2e/test_reader_view.py). */
(() => {
  const W = document.documentElement.clientWidth, H = document.documentElement.clientHeight;
  const box = e => { const r = e.getBoundingClientRect();
    return {n: e.className.baseVal === undefined ? e.className : e.className.baseVal,
            l: Math.max(0, r.left), t: Math.max(0, r.top), r: Math.min(W, r.right), b: Math.min(H, r.bottom)}; };
  const controls = [...document.querySelectorAll('.shipmap-panel, .leaflet-control')]
    .filter(e => e.getClientRects().length).map(box).filter(c => c.r > c.l && c.b > c.t);
  const parts = [...document.querySelectorAll('.shipmap-ui h1, .shipmap-ui button, .shipmap-ui summary, .shipmap-ui input, .leaflet-control a')]
    .filter(e => e.getClientRects().length && !e.closest('.shipmap-sheet-body')).map(box);
  const meet = (a, b) => a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1;
  let covered = 0, total = 0;
  for (let x = 2; x < W; x += 4) for (let y = 2; y < H; y += 4) {
    total++;
    if (controls.some(c => x >= c.l && x < c.r && y >= c.t && y < c.b)) covered++;
  }
  const overlaps = [];
  for (const group of [controls, parts])
    for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++)
      if (meet(group[i], group[j])) overlaps.push(group[i].n + ' / ' + group[j].n);
  const hidden = window.shipmap.legs.filter(l => {
    const path = l.layer._path; if (!path) return true;
    const len = path.getTotalLength(), m = path.getScreenCTM();
    for (let s = 0; s <= 400; s++) {
      const p = path.getPointAtLength(len * s / 400).matrixTransform(m);
      if (p.x >= 0 && p.y >= 0 && p.x < W && p.y < H && document.elementFromPoint(p.x, p.y) === path) return false;
    }
    return true;
  }).map(l => l.id);
  const map = window.shipmap.legs[0].layer._map, origin = map.getContainer().getBoundingClientRect();
  const markers = window.shipmap.places.map(p => { const c = map.latLngToContainerPoint(p.layer.getLatLng());
    const r = (p.layer.options.radius || 6) + 1, x = origin.left + c.x, y = origin.top + c.y;
    return {id: p.id, x, y, l: x - r, t: y - r, r: x + r, b: y + r}; });
  const open = window.shipmap.places.filter(p => p.layer.isTooltipOpen() && p.layer.getTooltip().options.permanent);
  const rects = open.map(p => box(p.layer.getTooltip().getElement()));
  const labels = open.map((p, i) => {
    const r = rects[i], m = markers.find(o => o.id === p.id);
    const dx = Math.max(r.l - m.x, 0, m.x - r.r), dy = Math.max(r.t - m.y, 0, m.y - r.b);
    const under = controls.filter(c => meet(r, c)).map(c => c.n)
      .concat(rects.filter((o, j) => j !== i && meet(r, o)).map((o, j) => 'label'))
      .concat(markers.filter(o => o.id !== p.id && meet(r, o)).map(o => 'marker ' + o.id));
    const inside = r.l >= 0 && r.t >= 0 && r.r <= W && r.b <= H;
    return {id: p.id, gap: Math.hypot(dx, dy) - p.layer.options.radius, under, inside};
  });
  return {free: 1 - covered / total, overlaps, hidden, labels};
})
