// konomi review — one image at a time, one key per decision.
// The server owns the queue and every decision; this page shows its state and sends keys.
'use strict';

(() => {
  // The link carries this session's token once: read it, drop it from the address bar (and the
  // history) right away, and keep it in this tab's memory only. Every API call sends it in a
  // header; no cookie carries it (cookies are shared with every other port on this machine).
  const TOKEN = new URLSearchParams(location.search).get('token') || '';
  if (location.search) history.replaceState(null, '', location.pathname);
  const AUTH = { 'X-Konomi-Token': TOKEN };

  const $ = (id) => document.getElementById(id);
  const AHEAD = 4; // thumbnails shown under "up next"
  const POLL_MS = 500; // how often the page asks while a retrain or the scan runs
  let state = null;
  let busy = false;
  let shownId = null;
  let pollTimer = null;
  let toastTimer = null;
  let tasteShown = false;
  const previews = new Map(); // item id -> Promise<object URL | null>

  // -- words -------------------------------------------------------------------------------
  // Every text comes from the server's catalog (GET /api/messages), in konomi.toml's language
  // or KONOMI_LANG's when one is set, else in the browser's. Until it arrives (or if it never
  // does) the page keeps the English of index.html, and these two say why nothing works.
  let lang = 'en';
  let M = {
    'error.no_server':
      'The review server does not answer (was it stopped?). Start it again: konomi review',
    'error.session_ended': 'This session has ended. Open the link that konomi review printed.',
  };
  function t(key, fields = {}) {
    const text = M[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (all, name) => (name in fields ? String(fields[name]) : all));
  }

  function translatePage() {
    document.documentElement.lang = lang;
    for (const node of document.querySelectorAll('[data-i18n]')) {
      node.textContent = t(node.dataset.i18n);
    }
    for (const node of document.querySelectorAll('[data-i18n-html]')) {
      node.innerHTML = t(node.dataset.i18nHtml); // the catalog's own markup: <kbd>, <code>, <em>
    }
    for (const node of document.querySelectorAll('[data-i18n-title]')) {
      node.title = t(node.dataset.i18nTitle);
    }
    for (const node of document.querySelectorAll('[data-i18n-aria]')) {
      node.setAttribute('aria-label', t(node.dataset.i18nAria));
    }
  }

  async function loadMessages() {
    try {
      const data = await api('/api/messages');
      const browser = (navigator.language || '').toLowerCase().startsWith('ja') ? 'ja' : 'en';
      lang = data.language || browser;
      M = data.messages[lang] || data.messages.en;
      translatePage();
    } catch (err) {
      toast(err.message, true);
    }
  }

  // -- talking to the server -------------------------------------------------------------
  async function api(path, body) {
    // The server answers in the page's language (its refusals, its toasts); the token rides
    // in a header, never a cookie.
    const options = {
      cache: 'no-store',
      credentials: 'omit',
      headers: { ...AUTH, 'Accept-Language': lang },
    };
    if (body !== undefined) {
      options.method = 'POST';
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      throw new Error(t('error.no_server'));
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!data) {
      if (response.status === 401 || response.status === 403) {
        throw new Error(t('error.session_ended'));
      }
      throw new Error(t('error.status', { status: response.status }));
    }
    return data;
  }

  function preview(item) {
    let entry = previews.get(item.id);
    if (!entry) {
      entry = fetch(item.preview, { cache: 'no-store', credentials: 'omit', headers: AUTH })
        .then((r) => (r.ok ? r.blob() : null))
        .then((blob) => (blob ? URL.createObjectURL(blob) : null))
        .catch(() => null);
      previews.set(item.id, entry);
    }
    return entry;
  }

  function forgetPreviews(keep) {
    for (const [id, entry] of previews) {
      if (!keep.has(id)) {
        previews.delete(id);
        entry.then((url) => url && setTimeout(() => URL.revokeObjectURL(url), 2000));
      }
    }
  }

  // -- drawing ---------------------------------------------------------------------------
  // A file name with a line-break opportunity after each / _ - . : it wraps there, never
  // in the middle of a word.
  function wrapAtSeparators(node, text) {
    node.textContent = '';
    String(text).split(/(?<=[\/_\-.])/).forEach((part, k) => {
      if (k) node.appendChild(document.createElement('wbr'));
      node.appendChild(document.createTextNode(part));
    });
  }

  function fmt(x) {
    return x === null || x === undefined ? '–' : x.toFixed(2);
  }

  function render() {
    if (!state) return;
    const { done, left, items, thresholds } = state;
    const total = done + left;
    $('progress-fill').style.width = total ? `${(100 * done) / total}%` : '0%';
    const suggested = state.suggested ? t('suggested', { n: state.suggested }) : '';
    $('progress-text').textContent = t('progress', { done, left }) + suggested;
    // No head id on the first screen: the quality line's detail names it (tooltip, help).
    $('head').textContent = '';
    const track = $('progress-track');
    if (track) track.setAttribute('aria-valuenow', String(total ? Math.round((100 * done) / total) : 0));
    const badge = $('new-labels');
    badge.textContent = `+${state.new_labels}`;
    badge.classList.toggle('hidden', !state.new_labels);
    badge.title = t('new_labels', { n: state.new_labels });
    $('note').textContent = state.note || '';
    $('note').classList.toggle('hidden', !state.note);
    $('tick-dislike').style.left = `${100 * thresholds.dislike}%`;
    $('tick-like').style.left = `${100 * thresholds.like}%`;
    $('legend-dislike').textContent = t('legend_dislike', { value: thresholds.dislike.toFixed(2) });
    $('legend-like').textContent = t('legend_like', { value: thresholds.like.toFixed(2) });
    renderRetrain();
    renderScan();
    renderWords();

    const alike = items.length ? items[0].alike_items || [] : [];
    const frames = items.length && items[0].cull ? items[0].cull.frames : [];
    forgetPreviews(new Set([...items, ...alike, ...frames].map((it) => it.id)));
    items.forEach(preview); // start loading everything the page may show next

    const current = items[0];
    document.body.classList.toggle('done', !current);
    $('empty').classList.toggle('hidden', Boolean(current));
    $('photo').classList.toggle('hidden', !current);
    for (const id of ['btn-like', 'btn-dislike', 'btn-skip']) $(id).disabled = !current;
    if (!current) {
      shownId = null;
      const c = state.counts;
      const scanning = Boolean(state.scan && state.scan.running);
      $('empty-title').textContent = t(scanning ? 'scan.empty_title' : 'empty_title');
      $('empty-text').textContent = scanning
        ? t('scan.empty_text')
        : t('round_done', { liked: c.liked, disliked: c.disliked, skipped: c.skipped });
      $('retrain-empty').classList.toggle('hidden', scanning);
      $('empty-mark').classList.toggle('hidden', scanning); // not done: still looking
      for (const id of ['score', 'proposal', 'name', 'folder']) $(id).textContent = '';
      $('score').textContent = '–';
      $('needle').classList.add('hidden');
      $('thumbs').replaceChildren();
      showBurst(null);
      return;
    }
    showItem(current);
    renderThumbs(items.slice(1, 1 + AHEAD));
  }

  function showItem(item) {
    const score = $('score');
    score.textContent = fmt(item.score);
    score.className = `score ${item.proposal || ''}`;
    const needle = $('needle');
    needle.classList.toggle('hidden', item.score === null);
    if (item.score !== null) needle.style.left = `${100 * item.score}%`;
    const proposal = $('proposal');
    proposal.textContent = t(`proposal.${item.proposal || 'none'}`);
    proposal.className = `proposal ${item.proposal || ''}`;
    wrapAtSeparators($('name'), item.name);
    $('name').title = item.path;
    wrapAtSeparators($('folder'), item.folder);
    $('alike').classList.toggle('hidden', !item.alike);
    $('alike-text').textContent = !item.alike
      ? ''
      : item.alike === 1
        ? t('alike_one')
        : t('alike_many', { n: item.alike, all: item.alike + 1 });
    renderThumbs(item.alike_items || [], 'alike-thumbs');
    showBurst(item);

    if (shownId === item.id) return;
    shownId = item.id;
    const photo = $('photo');
    photo.classList.add('loading');
    photo.alt = item.name;
    preview(item).then((url) => {
      if (shownId !== item.id) return;
      if (url) {
        photo.src = url;
      } else {
        photo.removeAttribute('src');
        toast(t('no_preview', { name: item.name }), true);
      }
      photo.classList.remove('loading');
    });
  }

  // The image's culling burst (`konomi cull`): its frames in capture order, the keeper marked.
  function showBurst(item) {
    const burst = item && item.cull;
    $('burst').classList.toggle('hidden', !burst);
    $('keeper-badge').classList.toggle('hidden', !(burst && burst.keeper));
    if (!burst) {
      $('burst-thumbs').replaceChildren();
      return;
    }
    $('burst-text').textContent = burst.keeper
      ? t('burst.is_keeper', { reason: burst.reason_text })
      : t('burst.frame', {
          position: burst.position,
          size: burst.size,
          keeper: burst.keeper_name,
          reason: burst.reason_text,
        });
    $('burst-hint').textContent = burst.keeper ? '' : t('burst.swap');
    renderThumbs(burst.frames, 'burst-thumbs');
    const nodes = $('burst-thumbs').children;
    burst.frames.forEach((frame, i) => {
      nodes[i].classList.toggle('keeper', frame.keeper);
      nodes[i].classList.toggle('current', frame.id === item.id);
      if (frame.keeper) nodes[i].title = `${t('burst.keeper_badge')} · ${nodes[i].title}`;
    });
  }

  function renderThumbs(items, into = 'thumbs') {
    const nodes = items.map((item) => {
      const img = document.createElement('img');
      img.alt = item.name;
      img.title = `${item.name} · ${fmt(item.score)}`;
      preview(item).then((url) => {
        if (url) img.src = url;
      });
      return img;
    });
    $(into).replaceChildren(...nodes);
  }

  function renderRetrain() {
    const r = state.retrain;
    const bar = $('retrain-bar');
    const fill = $('retrain-fill');
    $('retrain').disabled = r.running;
    $('retrain-empty').disabled = r.running;
    bar.classList.toggle('hidden', !r.running);
    if (r.running) {
      const known = r.total !== null && r.total > 0;
      fill.classList.toggle('indeterminate', !known);
      fill.style.width = known ? `${(100 * r.done) / r.total}%` : '';
      $('retrain-text').textContent = known
        ? t('retraining_count', { stage: r.stage, done: r.done, total: r.total })
        : t('retraining', { stage: r.stage });
    }
  }

  // The full scan of a large library, running while the page already answers: how far it is.
  function renderScan() {
    const s = state.scan;
    const running = Boolean(s && s.running);
    $('scan-bar').classList.toggle('hidden', !running);
    if (!running) return;
    const counted = s.photos !== null; // while the folders are walked, no share is known yet
    $('scan-fill').classList.toggle('indeterminate', !counted);
    $('scan-fill').style.width = counted ? `${s.percent}%` : '';
    const line = counted
      ? t('scan.checking', { n: s.photos.toLocaleString(lang), percent: s.percent })
      : t('scan.finding');
    const gap = lang === 'ja' ? '' : ' '; // Japanese sentences follow each other unspaced
    const meanwhile = state.items.length ? gap + t('scan.meanwhile') : '';
    $('scan-text').textContent = line + meanwhile;
  }

  // The model's quality so far, and the words this session uses (search box, taste boxes).
  function renderWords() {
    const q = state.quality;
    if (q) {
      $('quality').classList.toggle('hidden', false);
      $('quality').classList.toggle('trusted', Boolean(q.trusted));
      $('quality-text').textContent = q.text || '';
      $('quality-verdict').textContent = q.verdict || '';
      $('quality').title = q.detail || '';
      $('quality').setAttribute('aria-description', q.detail || '');
      $('help-quality').textContent = q.detail || '';
    }
    const ui = state.text_ui;
    if (ui) {
      $('search').placeholder = ui.search;
      $('like-text').placeholder = ui.like;
      $('dislike-text').placeholder = ui.dislike;
      $('taste-apply').textContent = ui.apply;
    }
    if (!tasteShown && state.taste) {
      tasteShown = true; // konomi.toml's like_text / dislike_text, editable for this session
      $('like-text').value = state.taste.like.join(', ');
      $('dislike-text').value = state.taste.dislike.join(', ');
      if (state.taste.like.length || state.taste.dislike.length) $('taste').open = true;
    }
    const search = $('search');
    if (document.activeElement !== search && state.search !== undefined) search.value = state.search;
  }

  async function searchFor(text) {
    await send(`/api/search?q=${encodeURIComponent(text)}`, undefined, null);
    shownId = null; // the order changed
    render();
  }

  async function useWords() {
    await send('/api/taste', { like: $('like-text').value, dislike: $('dislike-text').value }, null);
    shownId = null;
    render();
  }

  function toast(text, error = false) {
    const node = $('toast');
    node.textContent = text;
    node.className = `toast${error ? ' error' : ''}`;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => node.classList.add('hidden'), error ? 7000 : 2600);
  }

  function flash(kind) {
    const node = $('flash');
    node.textContent = t(`flash.${kind}`);
    node.className = `flash ${kind}`;
    void node.offsetWidth; // restart the animation
  }

  function press(id) {
    const button = $(id);
    button.classList.add('pressed');
    setTimeout(() => button.classList.remove('pressed'), 140);
  }

  // -- actions ---------------------------------------------------------------------------
  // Answers can arrive out of order: a poll's /api/state asked before a decision may come back
  // after the decision's own answer. Each request is numbered when it is sent, and a state is
  // taken only from an answer newer than the one the page shows, so a stale state never brings
  // a decided image back.
  let asked = 0;
  let shownAnswer = 0;
  function newer(number) {
    if (number < shownAnswer) return false;
    shownAnswer = number;
    return true;
  }

  async function refresh() {
    const number = ++asked;
    try {
      const fresh = await api('/api/state');
      if (!newer(number)) return;
      state = fresh;
      render();
    } catch (err) {
      toast(err.message, true);
    }
  }

  // Keys pressed while the server is still answering wait their turn (a few at most), so fast
  // typing is never lost and each decision applies to the image shown when its turn comes.
  const waiting = [];
  function enqueue(action) {
    if (waiting.length >= 4) return;
    waiting.push(action);
    if (!busy) drain();
  }

  async function drain() {
    busy = true;
    while (waiting.length) {
      await waiting.shift()();
    }
    busy = false;
  }

  async function send(path, body, kind) {
    const number = ++asked;
    try {
      const data = await api(path, body);
      if (data.state && newer(number)) state = data.state;
      if (data.ok) {
        if (kind) flash(kind);
        toast(data.message);
      } else {
        toast(data.error + (data.hint ? ` ${data.hint}` : ''), true);
      }
      render();
      if (working()) poll(); // the page retrains itself every few labels; a scan may run
    } catch (err) {
      toast(err.message, true);
    }
  }

  // `burst`: the decision also covers the image's waiting look-alikes (one undo reverts all).
  function decide(decision, burst = false) {
    press({ like: 'btn-like', dislike: 'btn-dislike', skip: 'btn-skip' }[decision]);
    enqueue(() => {
      const current = state && state.items[0];
      if (!current) return null;
      const all = burst && current.alike > 0;
      return send('/api/decide', { id: current.id, decision, burst: all }, decision);
    });
  }

  // The current image becomes the keeper of its burst (journaled; `konomi cull` follows it).
  function keep() {
    enqueue(() => {
      const current = state && state.items[0];
      if (!current || !current.cull) return null;
      return send('/api/keeper', { id: current.id }, null);
    });
  }

  function undo() {
    press('btn-undo');
    enqueue(() => send('/api/undo', {}, 'undo'));
  }

  async function retrain() {
    if (state && state.retrain.running) return;
    await send('/api/retrain', {}, null);
    poll();
  }

  // Something runs on the server whose end changes the queue: a retrain, or the full scan.
  function working() {
    return Boolean(state && (state.retrain.running || (state.scan && state.scan.running)));
  }

  function poll() {
    clearTimeout(pollTimer);
    if (!working()) return;
    pollTimer = setTimeout(async () => {
      const wasRunning = state.retrain.running;
      const scans = state.scan ? state.scan.finished : 0;
      await refresh();
      if (wasRunning && !state.retrain.running) {
        const r = state.retrain;
        toast(r.error || r.message, Boolean(r.error));
        shownId = null; // the order may have changed
        render();
      }
      if (state.scan && state.scan.finished !== scans) {
        const s = state.scan; // the whole library is in the queue now, in its order
        toast(s.error ? t('scan.failed', { why: s.error }) : t('scan.done'), Boolean(s.error));
        shownId = null;
        render();
      }
      poll();
    }, POLL_MS);
  }

  function help(open) {
    $('help').classList.toggle('hidden', !open);
    if (open) $('help-close').focus();
  }

  // -- wiring ----------------------------------------------------------------------------
  const click = (id, fn) =>
    $(id).addEventListener('click', (event) => {
      event.currentTarget.blur(); // Space/Enter must not repeat the last click
      fn();
    });
  click('btn-like', () => decide('like'));
  click('btn-dislike', () => decide('dislike'));
  click('btn-skip', () => decide('skip'));
  click('btn-undo', undo);
  click('retrain', retrain);
  click('retrain-empty', retrain);
  click('help-open', () => help(true));
  click('help-close', () => help(false));
  $('help').addEventListener('click', (event) => {
    if (event.target === $('help')) help(false);
  });

  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    $('search').blur(); // keys decide again
    enqueue(() => searchFor($('search').value));
  });
  $('search').addEventListener('search', () => {
    if (!$('search').value) enqueue(() => searchFor('')); // the clear (×) of the box
  });
  $('taste-form').addEventListener('submit', (event) => {
    event.preventDefault();
    document.activeElement.blur();
    enqueue(useWords);
  });

  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement) {
      if (event.key === 'Escape') event.target.blur(); // typing words is not deciding
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const helpOpen = !$('help').classList.contains('hidden');
    if (helpOpen) {
      if (event.key === 'Escape' || event.key === '?') {
        event.preventDefault();
        help(false);
      }
      return;
    }
    const actions = {
      l: () => decide('like'),
      L: () => decide('like'),
      ArrowRight: () => decide('like'),
      d: () => decide('dislike'),
      D: () => decide('dislike'),
      ArrowLeft: () => decide('dislike'),
      s: () => decide('skip'),
      S: () => decide('skip'),
      ArrowDown: () => decide('skip'),
      u: undo,
      U: undo,
      Backspace: undo,
      r: retrain,
      R: retrain,
      k: keep,
      K: keep,
      '?': () => help(true),
    };
    const burstKeys = { L: 'like', ArrowRight: 'like', D: 'dislike', ArrowLeft: 'dislike' };
    const action = event.shiftKey && burstKeys[event.key]
      ? () => decide(burstKeys[event.key], true)
      : actions[event.key];
    if (!action) return;
    event.preventDefault();
    if (event.repeat) return; // holding a key must not decide a whole row of images
    action();
  });

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !busy) refresh(); // another tab may have decided meanwhile
  });

  // The first state is fetched through the queue too: keys pressed before it arrives wait for it.
  enqueue(() => loadMessages().then(refresh).then(poll));
})();
