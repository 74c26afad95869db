// Spindle dashboard. Job data reaches the DOM only as text (textContent,
// text nodes, setAttribute on data-* and fixed attributes), never as
// markup; the server's Content-Security-Policy forbids inline script as a
// second line of defence.
'use strict';
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const finalStates = new Set(['succeeded', 'dead', 'canceled', 'expired']);
  let states = ['scheduled', 'queued', 'running', 'succeeded', 'dead', 'canceled', 'expired'];
  let can = {};

  // el builds an element; string children become text nodes.
  function el(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  }
  const jobHref = (id) => '#/job/' + encodeURIComponent(id);
  const badge = (s) => el('span', { class: 'badge', 'data-s': s, text: s });

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }
  function fmtAgo(iso) {
    if (!iso) return '';
    const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    const a = Math.abs(s);
    const v = a < 60 ? `${a}s` : a < 3600 ? `${Math.round(a / 60)}m` : a < 86400 ? `${Math.round(a / 3600)}h` : `${Math.round(a / 86400)}d`;
    return s >= 0 ? `${v} ago` : `in ${v}`;
  }
  function fmtBytes(n) {
    if (n < 1024) return `${n} bytes`;
    if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / (1 << 20)).toFixed(1)} MiB`;
  }
  function fmtNum(v) {
    if (v == null) return '–';
    return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  async function api(path, post) {
    const init = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (post) {
      init.method = 'POST';
      init.headers['X-CSRF-Token'] = csrf;
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = new URLSearchParams(post);
    }
    const res = await fetch(path, init);
    if (res.status === 401) { location.reload(); throw new Error('log in again'); }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
    return body;
  }

  let toastTimer = 0;
  function toast(msg, bad) {
    const t = $('toast');
    t.textContent = msg;
    t.className = bad ? 'bad' : '';
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  // confirmAction asks in a <dialog>, never window.confirm.
  function confirmAction(msg, label) {
    const d = $('confirm');
    $('confirm-text').textContent = msg;
    $('confirm-ok').textContent = label;
    d.returnValue = '';
    return new Promise((resolve) => {
      d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
      d.showModal();
    });
  }
  async function act(msg, label, path, body, after) {
    if (!(await confirmAction(msg, label))) return;
    try {
      const r = await api(path, body || {});
      toast(r.message || 'Done.');
      if (after) after();
    } catch (e) {
      toast(e.message, true);
    }
  }

  // ---- routing
  let view = '';
  let params = new URLSearchParams();
  let jobID = '';
  function route() {
    const h = location.hash.replace(/^#/, '') || '/';
    const q = h.indexOf('?');
    const path = q < 0 ? h : h.slice(0, q);
    params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
    const parts = path.split('/').filter(Boolean);
    view = parts[0] || 'overview';
    if (!['overview', 'jobs', 'job', 'schedules', 'workers'].includes(view)) view = 'overview';
    jobID = view === 'job' ? decodeURIComponent(parts.slice(1).join('/')) : '';
    for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== 'view-' + view;
    for (const a of document.querySelectorAll('[data-nav]')) {
      a.classList.toggle('on', a.dataset.nav === view || (view === 'job' && a.dataset.nav === 'jobs'));
    }
    if (view === 'jobs') loadJobs(true);
    if (view === 'job') loadJob();
    if (view === 'workers') loadWorkers();
    if (view === 'schedules') loadSchedules();
    if (view === 'overview' && latest) renderOverview();
    if (view === 'overview') loadRevocations();
  }

  // ---- live samples
  // history holds the charts' points, oldest first: {at, span, succeeded,
  // failed, p50, p95}, span being the seconds a point stands for.
  let history = [];
  const keepSeconds = 3600;
  let latest = null;
  let lastTick = 0;
  function connect() {
    const es = new EventSource('api/events');
    const live = $('live');
    es.addEventListener('open', () => { live.textContent = 'live'; live.classList.add('on'); });
    es.addEventListener('error', () => { live.textContent = 'reconnecting'; live.classList.remove('on'); });
    es.addEventListener('history', (e) => {
      history = JSON.parse(e.data);
      drawCharts();
    });
    es.addEventListener('sample', (e) => {
      const p = JSON.parse(e.data);
      if (!p.error) addPoint(p);
      onSample(p);
    });
  }
  function addPoint(p) {
    const at = Date.parse(p.at);
    // A sampler clock set back starts the history again, as the server's does.
    if (history.length && at <= Date.parse(history[history.length - 1].at)) history = [];
    history.push({ at: p.at, span: p.span, succeeded: p.succeeded, failed: p.failed, p50: p.p50, p95: p.p95 });
    let i = 0;
    while (i < history.length && at - Date.parse(history[i].at) > keepSeconds * 1000) i++;
    if (i) history = history.slice(i);
  }
  function onSample(p) {
    if (p.error) { toast(p.error, true); return; }
    latest = p;
    fillQueueFilter();
    if (view === 'overview') renderOverview();
    const now = Date.now();
    if (now - lastTick < 900) return;
    lastTick = now;
    if (view === 'jobs' && !jobsExtended) loadJobs(false);
    if (view === 'job' && currentJob && !finalStates.has(currentJob.state)) loadJob();
    if (view === 'workers') loadWorkers();
    if (view === 'schedules' && now - lastSchedules > 5000) loadSchedules();
    if (view === 'overview' && now - lastRevocations > 5000) loadRevocations();
  }

  // ---- overview
  let lastQueues = '';
  function renderOverview() {
    const qs = latest.queues || [];
    const totals = {};
    for (const s of states) totals[s] = 0;
    for (const q of qs) for (const s of states) totals[s] += q.counts[s] || 0;
    drawCharts();
    const key = JSON.stringify([totals, qs]);
    if (key === lastQueues) return; // unchanged: keep the elements a pointer may be on
    lastQueues = key;
    const tbox = $('totals');
    tbox.replaceChildren(...states.map((s) => el('a', { class: 'total', 'data-s': s, 'data-total': s, href: '#/jobs?state=' + s },
      el('div', { class: 'n', text: String(totals[s]) }), el('div', { class: 'l', text: s }))));
    const head = $('queues-head');
    head.replaceChildren(el('th', { text: 'Queue' }), ...states.map((s) => el('th', { class: 'num', text: s })), el('th', {}));
    const body = $('queues').tBodies[0];
    body.replaceChildren(...qs.map((q) => {
      const cells = states.map((s) => {
        const n = q.counts[s] || 0;
        return el('td', { class: n ? 'num' : 'num zero', 'data-state': s },
          el('a', { href: '#/jobs?' + new URLSearchParams({ queue: q.name, state: s }), text: String(n) }));
      });
      const toggle = q.paused
        ? el('button', { type: 'button', class: 'primary', text: 'Resume', 'data-act': 'resume',
          onclick: () => act(`Resume queue "${q.name}"? Workers start claiming its jobs again.`, 'Resume', queuePath(q.name, 'resume')) })
        : el('button', { type: 'button', text: 'Pause', 'data-act': 'pause',
          onclick: () => act(`Pause queue "${q.name}"? Running jobs finish; no new job of it starts.`, 'Pause', queuePath(q.name, 'pause')) });
      return el('tr', { 'data-queue': q.name },
        el('td', {}, el('a', { href: '#/jobs?' + new URLSearchParams({ queue: q.name }), text: q.name }), q.paused ? ' ' : null,
          q.paused ? el('span', { class: 'badge paused', text: 'paused' }) : null),
        ...cells, el('td', { class: 'num' }, toggle));
    }));
    $('queues-empty').hidden = qs.length > 0;
  }
  const queuePath = (name, what) => `api/queues/${encodeURIComponent(name)}/${what}`;

  // ---- revocations by name
  let lastRevocations = 0;
  let lastRevKey = '';
  async function loadRevocations() {
    lastRevocations = Date.now();
    let p;
    try { p = await api('api/revocations'); } catch (e) { toast(e.message, true); return; }
    const key = JSON.stringify(p);
    if (key === lastRevKey) return;
    lastRevKey = key;
    $('revocations').tBodies[0].replaceChildren(...p.revocations.map((r) => el('tr', { 'data-name': r.name },
      el('td', { class: 'mono', text: r.name }),
      el('td', { title: fmtTime(r.until), text: r.once ? 'for the next job' : r.until ? `until ${fmtTime(r.until)} (${fmtAgo(r.until)})` : 'until restored' }),
      el('td', { class: 'clip', title: r.reason.text, text: r.reason.text }),
      el('td', { class: 'num' }, el('button', { type: 'button', class: 'primary', text: 'Restore', 'data-act': 'restore',
        onclick: () => act(`Restore "${r.name}"? Workers run its new jobs again.`, 'Restore', 'api/revocations/restore', { name: r.name }, loadRevocations) })))));
    $('revocations-card').hidden = p.revocations.length === 0;
  }

  // ---- charts: the x axis is time (the latest point is "now"), so a
  // pause in sampling shows as a gap; run time is on a log scale, so a
  // sub-millisecond p50 stays readable under a p95 of seconds.
  let range = 300;
  function drawCharts() {
    const end = history.length ? Date.parse(history[history.length - 1].at) : Date.now();
    const start = end - range * 1000;
    const pts = history.filter((p) => Date.parse(p.at) >= start);
    drawChart($('chart-rate'), pts, [{ cls: 's-succeeded', key: 'succeeded' }, { cls: 's-dead', key: 'failed' }], start, end, false);
    drawChart($('chart-latency'), pts, [{ cls: 's-p50', key: 'p50' }, { cls: 's-p95', key: 'p95' }], start, end, true);
    const first = pts.length ? Date.parse(pts[0].at) : end;
    $('chart-span').textContent = pts.length
      ? `${pts.length} points over the last ${fmtSpan((end - first) / 1000)}, to ${fmtTime(new Date(end).toISOString())}`
      : 'No samples yet.';
  }
  function fmtSpan(s) {
    s = Math.round(s);
    return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  }
  function fmtMs(v) {
    if (v < 1) return `${+(v * 1000).toPrecision(3)}µs`;
    if (v < 1000) return `${+v.toPrecision(3)}ms`;
    return `${+(v / 1000).toPrecision(3)}s`;
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const e = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= v) return m * e;
    return 10 * e;
  }
  function svg(tag, attrs, txt) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (txt != null) e.textContent = txt;
    return e;
  }
  // gapAfter says whether no sample stands for the time between a and b.
  const gapAfter = (a, b) => Date.parse(b.at) - Date.parse(a.at) > 2000 * Math.max(a.span || 1, b.span || 1) + 1000;
  // drawChart plots pts between start and end; a null value or a gap in
  // time breaks the line.
  function drawChart(box, pts, series, start, end, log) {
    const W = 600, H = 180, L = 50, R = 8, T = 8, B = 20;
    const x = (t) => L + (W - L - R) * (t - start) / Math.max(end - start, 1);
    const vals = [];
    for (const s of series) for (const p of pts) if (p[s.key] != null) vals.push(p[s.key]);
    const kids = [];
    let y;
    if (log) {
      const pos = vals.filter((v) => v > 0);
      let lo = pos.length ? Math.pow(10, Math.floor(Math.log10(Math.min(...pos)))) : 0.1;
      let hi = pos.length ? Math.pow(10, Math.ceil(Math.log10(Math.max(...pos)))) : 1000;
      if (hi / lo < 100) hi = lo * 100;
      const a = Math.log10(lo), span = Math.log10(hi) - a;
      y = (v) => T + (H - T - B) * (1 - (Math.log10(Math.max(v, lo)) - a) / span);
      for (let d = lo; d <= hi * 1.001; d *= 10) {
        kids.push(svg('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(d), y2: y(d) }));
        kids.push(svg('text', { class: 'axis', x: L - 6, y: y(d) + 4, 'text-anchor': 'end' }, fmtMs(d)));
      }
    } else {
      const max = niceMax(Math.max(0, ...vals));
      y = (v) => T + (H - T - B) * (1 - v / max);
      for (let g = 0; g <= 4; g++) {
        const v = max * g / 4;
        kids.push(svg('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
        kids.push(svg('text', { class: 'axis', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmtNum(v)));
      }
    }
    // Time ticks: every minute over 5 min, every 10 over an hour.
    const step = range <= 300 ? 60 : 600;
    for (let k = 1; k * step < range; k++) {
      const tx = x(end - k * step * 1000);
      kids.push(svg('line', { class: 'grid-line vertical', x1: tx, x2: tx, y1: T, y2: H - B }));
      kids.push(svg('text', { class: 'axis', x: tx, y: H - 4, 'text-anchor': 'middle' }, `-${k * step / 60}m`));
    }
    kids.push(svg('text', { class: 'axis', x: W - R, y: H - 4, 'text-anchor': 'end' }, 'now'));
    // Gaps: time no sample stands for, shaded.
    for (let i = 1; i < pts.length; i++) {
      if (!gapAfter(pts[i - 1], pts[i])) continue;
      const x1 = x(Date.parse(pts[i - 1].at)), x2 = x(Date.parse(pts[i].at) - 1000 * (pts[i].span || 1));
      if (x2 > x1) kids.push(svg('rect', { class: 'gap', x: x1, y: T, width: x2 - x1, height: H - T - B }, null));
    }
    for (const s of series) {
      let line = [];
      const flush = () => {
        if (line.length === 1) line.push(line[0]);
        if (line.length) kids.push(svg('polyline', { class: s.cls, points: line.join(' ') }));
        line = [];
      };
      pts.forEach((p, i) => {
        const v = p[s.key];
        if (v == null || (i > 0 && gapAfter(pts[i - 1], p))) flush();
        if (v != null) line.push(`${x(Date.parse(p.at)).toFixed(1)},${y(v).toFixed(1)}`);
      });
      flush();
    }
    box.replaceChildren(...kids);
  }

  // ---- jobs
  let jobsNext = '';
  let jobsExtended = false;
  let lastJobs = '';
  function fillQueueFilter() {
    const sel = $('f-queue');
    const names = (latest && latest.queues || []).map((q) => q.name);
    const want = params.get('queue') || '';
    if (want && !names.includes(want)) names.push(want);
    const have = Array.from(sel.options).slice(1).map((o) => o.value);
    if (have.join('\n') !== names.join('\n')) {
      sel.replaceChildren(el('option', { value: '', text: 'all' }), ...names.map((n) => el('option', { value: n, text: n })));
    }
    if (view === 'jobs') sel.value = want;
  }
  // The list's filters and order live in the URL's hash, so a view can be
  // shared and the back button returns to the previous one.
  function jobFilters() {
    const f = {};
    for (const k of ['queue', 'state', 'name']) if (params.get(k)) f[k] = params.get(k);
    if (params.get('order') === 'oldest') f.order = 'oldest';
    return f;
  }
  const jobsHash = (f) => '#/jobs?' + new URLSearchParams(f);
  const retryable = new Set(['dead', 'canceled', 'expired']);
  // describe is " of NAME in queue Q", as far as the filter goes.
  const describe = (f) => (f.name ? ` of ${f.name}` : '') + (f.queue ? ` in queue ${f.queue}` : '');
  async function loadJobs(reset) {
    const f = jobFilters();
    if (reset) {
      fillQueueFilter();
      $('f-state').value = f.state || '';
      $('f-name').value = f.name || '';
      jobsExtended = false;
      lastJobs = '';
      const purge = $('purge');
      purge.hidden = !f.state || f.state === 'running';
      purge.textContent = f.state ? `Purge ${f.state}` : 'Purge';
      const rn = $('revoke-name');
      rn.hidden = !f.name;
      rn.textContent = f.name ? `Revoke all ${f.name}` : 'Revoke all';
      const ra = $('retry-all');
      ra.hidden = !retryable.has(f.state);
      ra.textContent = `Retry all ${f.state || ''}`.trim();
      const order = $('order');
      order.textContent = f.order === 'oldest' ? 'Oldest first' : 'Newest first';
      order.dataset.order = f.order || 'newest';
    }
    let page;
    try {
      page = await api('api/jobs?' + new URLSearchParams(f));
    } catch (e) { toast(e.message, true); return; }
    const key = JSON.stringify(page);
    if (key === lastJobs && !reset) return;
    lastJobs = key;
    const body = $('jobs').tBodies[0];
    body.replaceChildren(...page.jobs.map(jobRow));
    jobsNext = page.next || '';
    $('more').hidden = !jobsNext;
    $('jobs-empty').hidden = page.jobs.length > 0;
  }
  function jobRow(j) {
    return el('tr', { 'data-id': j.id, 'data-s': j.state },
      el('td', { class: 'id' }, el('a', { class: 'job-link', href: jobHref(j.id), text: j.id })),
      el('td', { text: j.name }),
      el('td', { text: j.queue }),
      el('td', {}, badge(j.state)),
      el('td', { class: 'num', text: `${j.attempt}/${j.maxAttempts}` }),
      el('td', { title: fmtTime(j.enqueuedAt), text: fmtAgo(j.enqueuedAt) }),
      el('td', { class: 'clip args', title: j.args.text, text: j.args.text + (j.args.truncated ? '…' : '') }),
      el('td', { class: 'clip err', title: j.lastError ? j.lastError.text : '', text: j.lastError ? j.lastError.text : '' }));
  }
  async function moreJobs() {
    const f = jobFilters();
    f.after = jobsNext; // continues in the list's order
    try {
      const page = await api('api/jobs?' + new URLSearchParams(f));
      $('jobs').tBodies[0].append(...page.jobs.map(jobRow));
      jobsNext = page.next || '';
      $('more').hidden = !jobsNext;
      jobsExtended = true;
    } catch (e) { toast(e.message, true); }
  }

  // ---- one job
  let currentJob = null;
  function showText(pre, note, t) {
    pre.textContent = t.text + (t.truncated ? '\n…' : '');
    note.hidden = !t.truncated;
    note.textContent = t.truncated ? `Showing the first ${fmtBytes(t.text.length)} of ${fmtBytes(t.size)}.` : '';
  }
  async function loadJob() {
    const id = jobID;
    let j;
    try {
      j = await api('api/jobs/' + encodeURIComponent(id));
    } catch (e) {
      if (id !== jobID) return;
      currentJob = null;
      $('job-name').textContent = 'Job not found';
      $('job-state').hidden = true;
      $('job-id').textContent = id;
      $('job-props').replaceChildren();
      for (const b of ['act-retry', 'act-run-now', 'act-revoke', 'act-delete']) $(b).hidden = true;
      toast(e.message, true);
      return;
    }
    if (id !== jobID) return;
    currentJob = j;
    $('job-name').textContent = j.name;
    const st = $('job-state');
    st.hidden = false;
    st.textContent = j.state;
    st.dataset.s = j.state;
    $('job-id').textContent = j.id;
    const props = [
      ['Queue', j.queue], ['Waiting for', j.waitingFor || ''], ['Priority', String(j.priority)], ['Attempts', `${j.attempt} of ${j.maxAttempts}`],
      ['Enqueued', fmtTime(j.enqueuedAt)], ['Run at', fmtTime(j.runAt)], ['Started', fmtTime(j.startedAt)],
      ['Finished', fmtTime(j.finishedAt)], ['Worker', j.worker || ''], ['Lock', j.lock || ''],
      ['Kept until', fmtTime(j.retainUntil)], ['Unique key', j.uniqueKey || ''],
    ].filter(([, v]) => v);
    $('job-props').replaceChildren(...props.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
    showText($('job-args'), $('job-args-note'), j.args);
    $('job-result-card').hidden = !j.result;
    if (j.result) showText($('job-result'), $('job-result-note'), j.result);
    // A job that succeeded on a retry keeps its old error in the attempts.
    $('job-error-card').hidden = !j.lastError || j.state === 'succeeded';
    if (j.lastError) showText($('job-error'), $('job-error-note'), j.lastError);
    $('job-attempts-card').hidden = !j.attempts.length;
    $('job-attempts').replaceChildren(...j.attempts.map((a) => el('tr', {},
      el('td', { text: String(a.attempt) }),
      el('td', { title: fmtAgo(a.at), text: fmtTime(a.at) }),
      el('td', {}, el('pre', { text: a.error.text + (a.error.truncated ? '\n…' : '') })))));
    loadWorkflow(id);
    $('job-relatives-card').hidden = !j.relatives.length;
    $('job-relatives').replaceChildren(...j.relatives.map((r) => el('li', {}, `${r.role}: `, el('a', { class: 'mono', href: jobHref(r.id), text: r.id }))));
    $('act-retry').hidden = !finalStates.has(j.state);
    $('act-run-now').hidden = j.state !== 'scheduled';
    $('act-revoke').hidden = !j.canRevoke;
    $('act-delete').hidden = j.state === 'running';
  }

  // ---- a job's workflow: its steps by stage, each with its state
  let lastWorkflow = '';
  let workflowRead = { id: '', at: 0 };
  async function loadWorkflow(id) {
    // A workflow is up to 200 reads: refreshed every 5 s, not every sample.
    const now = Date.now();
    if (workflowRead.id === id && now - workflowRead.at < 5000) return;
    workflowRead = { id, at: now };
    let w;
    try {
      w = await api(`api/jobs/${encodeURIComponent(id)}/workflow`);
    } catch (e) {
      if (id === jobID) $('job-workflow-card').hidden = true;
      return;
    }
    if (id !== jobID) return;
    const key = id + JSON.stringify(w);
    if (key === lastWorkflow) return;
    lastWorkflow = key;
    const card = $('job-workflow-card');
    card.hidden = w.steps.length < 2;
    if (card.hidden) return;
    const stages = [];
    for (const st of w.steps) (stages[st.stage] = stages[st.stage] || []).push(st);
    const counts = {};
    for (const st of w.steps) counts[st.state] = (counts[st.state] || 0) + 1;
    $('job-workflow-note').textContent = `${w.steps.length} steps: ` +
      Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') + (w.truncated ? ' (the first steps found; more exist)' : '');
    $('job-workflow').replaceChildren(...stages.filter(Boolean).map((steps, i) => el('div', { class: 'stage', 'data-stage': String(i) },
      el('div', { class: 'stage-head', text: i === 0 ? 'First' : `Then (waits for ${stageWaits(steps)})` }),
      ...steps.map((st) => el('a', { class: st.id === jobID ? 'step current' : 'step', href: jobHref(st.id), 'data-id': st.id, 'data-s': st.state },
        el('span', { class: 'step-name', text: st.name || '(not in the store)' }), ' ', badge(st.state),
        el('span', { class: 'step-id mono', text: st.id }))))));
  }
  function stageWaits(steps) {
    const n = new Set(steps.flatMap((st) => st.dependsOn)).size;
    return n === 1 ? '1 step' : `${n} steps`;
  }

  // ---- schedules
  let lastSchedules = 0;
  // fmtZoned shows an instant in zone (the schedule's), or in the
  // browser's when the browser does not know the zone.
  function fmtZoned(iso, zone) {
    try {
      const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone === 'Local' ? undefined : zone, year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
      const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
      return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
    } catch (e) {
      return fmtTime(iso);
    }
  }
  async function loadSchedules() {
    lastSchedules = Date.now();
    let p;
    try { p = await api('api/schedules'); } catch (e) { toast(e.message, true); return; }
    $('schedules').tBodies[0].replaceChildren(...p.schedules.map((s) => el('tr', { 'data-name': s.name, 'data-spec': s.spec },
      el('td', {}, el('a', { href: jobsHash({ name: s.name }), text: s.name })),
      el('td', { class: 'mono', text: s.spec }),
      el('td', { text: s.zone }),
      el('td', { class: 'next', 'data-next': s.next || '', title: s.next ? `${fmtTime(s.next)} in this browser's time` : '' },
        s.next ? `${fmtZoned(s.next, s.zone)} (${fmtAgo(s.next)})` : 'never (or the spec does not parse here)'),
      el('td', { class: 'last' }, s.last ? el('a', { href: jobHref(s.last.id), title: `tick ${fmtTime(s.last.tick)}` },
        badge(s.last.state), ' ', fmtAgo(s.last.tick)) : 'none in the store'),
      el('td', { class: 'made' }, ...s.jobs.map((j) => el('a', { href: jobHref(j.id), 'data-id': j.id, title: `${j.id}: tick ${fmtTime(j.tick)}` }, badge(j.state)))),
      el('td', { class: 'workers', text: s.workers.join(', ') }))));
    $('schedules-note').textContent = p.schedules.length
      ? `Schedules live in the workers, which announce them at every heartbeat. Next run is computed from the spec in its zone and shown in it; the jobs a schedule made are found among the newest ${p.scan} jobs of its name.`
      : 'No running worker fires a schedule (WorkerOptions.Schedules).';
  }

  // ---- workers
  async function loadWorkers() {
    let p;
    try { p = await api('api/workers'); } catch (e) { toast(e.message, true); return; }
    $('workers').tBodies[0].replaceChildren(...p.workers.map((w) => el('tr', { 'data-worker': w.id, 'data-busy': w.running > 0 ? 'yes' : 'no' },
      el('td', { class: 'id', text: w.id }),
      el('td', { text: w.host }),
      el('td', { class: 'num', text: String(w.pid) }),
      el('td', { text: w.queues.map((q) => (q.weight > 1 ? `${q.name}×${q.weight}` : q.name)).join(', ') }),
      el('td', { class: 'num', text: String(w.concurrency) }),
      el('td', { class: 'num running', text: String(w.running) }),
      el('td', { class: 'num held', text: String(w.held) }),
      el('td', { title: fmtTime(w.heartbeat), text: fmtAgo(w.heartbeat) }),
      el('td', { title: fmtTime(w.started), text: fmtAgo(w.started) }))));
    const unlisted = p.unlisted ? ` ${p.unlisted} of them are leased by no worker listed (one that stopped, whose leases have not expired yet).` : '';
    $('workers-note').textContent = (p.workers.length
      ? 'Each worker announces itself at every heartbeat; one that stops heartbeating drops out when its lease lapses. '
      : 'No worker is running on this store. ') +
      `Running now counts jobs in state running per worker, read from the store as the overview's running count is: ${p.running} in all.${unlisted} ` +
      'Held is what a worker announced at its last heartbeat: the jobs it holds, running or claimed ahead and waiting for a slot.';
  }

  // ---- wiring
  function wire() {
    $('search').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = $('search-id').value.trim();
      if (id) location.hash = jobHref(id);
    });
    $('filters').addEventListener('submit', (e) => {
      e.preventDefault();
      const f = {};
      for (const k of ['queue', 'state', 'name']) {
        const v = $('f-' + k).value.trim();
        if (v) f[k] = v;
      }
      if (jobFilters().order) f.order = 'oldest';
      location.hash = jobsHash(f);
    });
    $('order').addEventListener('click', () => {
      const f = jobFilters();
      if (f.order) delete f.order;
      else f.order = 'oldest';
      location.hash = jobsHash(f);
    });
    $('retry-all').addEventListener('click', async () => {
      const f = jobFilters();
      delete f.order;
      let c;
      try { c = await api('api/count?' + new URLSearchParams(f)); } catch (e) { toast(e.message, true); return; }
      if (!c.count) { toast(`No ${f.state} jobs${describe(f)} to retry.`); return; }
      const n = c.more ? `the first ${c.count} of more` : String(c.count);
      act(`Retry ${n} ${f.state} job${c.count === 1 ? '' : 's'}${describe(f)}?`, 'Retry all', 'api/retry', f, () => loadJobs(true));
    });
    for (const b of document.querySelectorAll('[data-range]')) {
      b.addEventListener('click', () => {
        range = Number(b.dataset.range);
        for (const o of document.querySelectorAll('[data-range]')) o.classList.toggle('on', o === b);
        drawCharts();
      });
    }
    $('more').addEventListener('click', moreJobs);
    $('purge').addEventListener('click', () => {
      const f = jobFilters();
      const where = f.queue ? `queue "${f.queue}"` : 'every queue';
      act(`Delete every ${f.state} job in ${where}? This cannot be undone.`, 'Purge', 'api/purge',
        { state: f.state, queue: f.queue || '' }, () => loadJobs(true));
    });
    $('revoke-name').addEventListener('click', () => {
      const name = jobFilters().name;
      act(`Revoke every job of "${name}"? Workers cancel its jobs instead of running them until you restore it (on the overview); running ones go on.`,
        'Revoke all', 'api/revocations', { name }, () => loadJobs(true));
    });
    const jobPath = (what) => `api/jobs/${encodeURIComponent(jobID)}/${what}`;
    $('act-retry').addEventListener('click', () => act(`Retry job ${jobID}? It is queued again with a fresh attempt budget.`, 'Retry', jobPath('retry'), {}, loadJob));
    $('act-run-now').addEventListener('click', () => act(`Run job ${jobID} now? It stops waiting for its delay or backoff and keeps its attempts.`, 'Run now', jobPath('run-now'), {}, loadJob));
    $('act-revoke').addEventListener('click', () => act(`Revoke job ${jobID}? A running attempt has its context cancelled.`, 'Revoke', jobPath('revoke'), {}, loadJob));
    $('act-delete').addEventListener('click', () => act(`Delete job ${jobID}? Its arguments, result and history are gone for good.`, 'Delete', jobPath('delete'), {},
      () => { location.hash = '#/jobs'; }));
    $('f-state').replaceChildren(el('option', { value: '', text: 'all' }), ...states.map((s) => el('option', { value: s, text: s })));
    window.addEventListener('hashchange', route);
  }

  async function start() {
    wire();
    try {
      const o = await api('api/overview');
      if (o.states) states = o.states;
      can = o.can || {};
      latest = { queues: o.queues };
    } catch (e) { toast(e.message, true); }
    document.body.dataset.revoke = can.revoke ? 'yes' : 'no';
    route();
    connect();
  }
  start();
})();
