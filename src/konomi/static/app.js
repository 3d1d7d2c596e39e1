// konomi review — one image at a time, one key per decision.
// The server owns the queue and every decision; this page shows its state and sends keys.
'use strict';

(() => {
  // The link carried the token once; the server has set it as a cookie, so drop it from the
  // address bar (and from the history) right away.
  if (new URLSearchParams(location.search).has('token')) {
    history.replaceState(null, '', location.pathname);
  }

  const $ = (id) => document.getElementById(id);
  const AHEAD = 4; // thumbnails shown under "up next"
  let state = null;
  let busy = false;
  let shownId = null;
  let pollTimer = null;
  let toastTimer = null;
  const previews = new Map(); // item id -> Promise<object URL | null>

  // -- talking to the server -------------------------------------------------------------
  async function api(path, body) {
    const options = { cache: 'no-store', credentials: 'same-origin' };
    if (body !== undefined) {
      options.method = 'POST';
      options.headers = { 'Content-Type': 'application/json' };
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      throw new Error('The review server does not answer (was it stopped?). Start it again: konomi review');
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!data) {
      if (response.status === 401 || response.status === 403) {
        throw new Error('This session has ended. Open the link that konomi review printed.');
      }
      throw new Error(`The server answered ${response.status}.`);
    }
    return data;
  }

  function preview(item) {
    let entry = previews.get(item.id);
    if (!entry) {
      entry = fetch(item.preview, { cache: 'no-store', credentials: 'same-origin' })
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
  function fmt(x) {
    return x === null || x === undefined ? '–' : x.toFixed(2);
  }

  function render() {
    if (!state) return;
    const { done, left, items, thresholds } = state;
    const total = done + left;
    $('progress-fill').style.width = total ? `${(100 * done) / total}%` : '0%';
    const suggested = state.suggested ? ` · ${state.suggested} suggested this round` : '';
    $('progress-text').textContent = `${done} done · ${left} left${suggested}`;
    $('head').textContent = state.head ? `head ${state.head}` : 'no head yet';
    const badge = $('new-labels');
    badge.textContent = `+${state.new_labels}`;
    badge.classList.toggle('hidden', !state.new_labels);
    badge.title = `${state.new_labels} new label(s) since this head was trained`;
    $('note').textContent = state.note || '';
    $('note').classList.toggle('hidden', !state.note);
    $('tick-dislike').style.left = `${100 * thresholds.dislike}%`;
    $('tick-like').style.left = `${100 * thresholds.like}%`;
    $('legend-dislike').textContent = `dislike ≤ ${thresholds.dislike.toFixed(2)}`;
    $('legend-like').textContent = `like ≥ ${thresholds.like.toFixed(2)}`;
    renderRetrain();

    const alike = items.length ? items[0].alike_items || [] : [];
    forgetPreviews(new Set([...items, ...alike].map((it) => it.id)));
    items.forEach(preview); // start loading everything the page may show next

    const current = items[0];
    document.body.classList.toggle('done', !current);
    $('empty').classList.toggle('hidden', Boolean(current));
    $('photo').classList.toggle('hidden', !current);
    for (const id of ['btn-like', 'btn-dislike', 'btn-skip']) $(id).disabled = !current;
    if (!current) {
      shownId = null;
      const c = state.counts;
      $('empty-text').textContent =
        `This session: ${c.liked} liked, ${c.disliked} disliked, ${c.skipped} skipped. ` +
        'Retrain to learn from your answers; skipped images come back in the next round.';
      for (const id of ['score', 'proposal', 'name', 'folder']) $(id).textContent = '';
      $('score').textContent = '–';
      $('needle').classList.add('hidden');
      $('thumbs').replaceChildren();
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
    proposal.textContent = item.proposal || 'no model yet';
    proposal.className = `proposal ${item.proposal || ''}`;
    $('name').textContent = item.name;
    $('name').title = item.path;
    $('folder').textContent = item.folder;
    $('alike').classList.toggle('hidden', !item.alike);
    $('alike-text').textContent = item.alike
      ? `${item.alike} look-alike${item.alike > 1 ? 's' : ''} wait too (a burst): ` +
        `Shift+L likes all ${item.alike + 1}, Shift+D dislikes all ${item.alike + 1}.`
      : '';
    renderThumbs(item.alike_items || [], 'alike-thumbs');

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
        toast(`No preview for ${item.name}.`, true);
      }
      photo.classList.remove('loading');
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
      $('retrain-text').textContent =
        `Retraining · ${r.stage}` + (known ? ` ${r.done}/${r.total}` : '…');
    }
  }

  function toast(text, error = false) {
    const node = $('toast');
    node.textContent = text;
    node.className = `toast${error ? ' error' : ''}`;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => node.classList.add('hidden'), error ? 7000 : 2600);
  }

  const FLASH = { like: 'Liked ♥', dislike: '✕ Disliked', skip: 'Skipped', undo: '↶ Undone' };
  function flash(kind) {
    const node = $('flash');
    node.textContent = FLASH[kind];
    node.className = `flash ${kind}`;
    void node.offsetWidth; // restart the animation
  }

  function press(id) {
    const button = $(id);
    button.classList.add('pressed');
    setTimeout(() => button.classList.remove('pressed'), 140);
  }

  // -- actions ---------------------------------------------------------------------------
  async function refresh() {
    try {
      state = await api('/api/state');
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
    try {
      const data = await api(path, body);
      if (data.state) state = data.state;
      if (data.ok) {
        if (kind) flash(kind);
        toast(data.message);
      } else {
        toast(data.error + (data.hint ? ` ${data.hint}` : ''), true);
      }
      render();
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

  function undo() {
    press('btn-undo');
    enqueue(() => send('/api/undo', {}, 'undo'));
  }

  async function retrain() {
    if (state && state.retrain.running) return;
    await send('/api/retrain', {}, null);
    poll();
  }

  function poll() {
    clearTimeout(pollTimer);
    if (!state || !state.retrain.running) return;
    pollTimer = setTimeout(async () => {
      const wasRunning = state.retrain.running;
      await refresh();
      if (wasRunning && !state.retrain.running) {
        const r = state.retrain;
        toast(r.error || r.message, Boolean(r.error));
        shownId = null; // the order may have changed
        render();
      }
      poll();
    }, 400);
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

  document.addEventListener('keydown', (event) => {
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
  enqueue(() => refresh().then(poll));
})();
