(function () {
  "use strict";
  var M = JSON.parse(document.getElementById("messages").textContent);
  var data = null;
  var N = 0;
  var SHEETS = null;
  var PAGE = 240; // tiles added at a time: the DOM stays small whatever the number of images
  var CODES = { L: "like", D: "dislike", U: "unsure", "-": "" };
  var grid = document.getElementById("grid");
  var moreButton = document.getElementById("more");
  var order = [];
  var drawn = 0;
  var groupOf = null;
  var missing = {};

  // A message of the page's language with its {fields} filled.
  function tr(key, fields) {
    return (M[key] || key).replace(/\{(\w+)\}/g, function (all, name) {
      return fields && name in fields ? String(fields[name]) : all;
    });
  }
  // A path with a line-break opportunity after each / _ - . (never inside a word).
  function pathEl(tag, text) {
    var e = document.createElement(tag);
    e.className = "path";
    text.split(/(?<=[\/_\-.])/).forEach(function (part, k) {
      if (k) e.appendChild(document.createElement("wbr"));
      e.appendChild(document.createTextNode(part));
    });
    return e;
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // The data: gzipped JSON in base64, unpacked by the browser's own DecompressionStream.
  function unpack() {
    var text = atob(document.getElementById("data").textContent.trim());
    var bytes = new Uint8Array(text.length);
    for (var k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).json();
  }

  // One image's fields, read from the page's columns (see html.columns).
  function near(i, key) {
    var k = data[key + "k"], out = [];
    for (var slot = 0; slot < k; slot++) {
      var j = data[key][i * k + slot];
      if (j >= 0) out.push([data.train[j], data[key + "s"][i * k + slot] / 100]);
    }
    return out;
  }
  function row(i) {
    var x = data.x[i];
    return {
      p: data.p[i], s: data.s[i] / 10000, l: CODES[data.l[i]],
      t: CODES[data.t[i]], f: data.folders[data.f[i]], g: groupOf[i],
      x: x ? { rank: x[0], c: x[1] / 1000, flag: x[2] === 1, oof: x[3] / 1000 } : null,
      nl: near(i, "nl"), nd: near(i, "nd")
    };
  }

  // Thumbnails are cells of contact sheets (sheets.py): image i is cell i % per of sheet
  // i / per. A thumb element is painted with its sheet as background once that sheet is
  // decoded, and only when it comes near the screen, so opening the page loads no sheet at all.
  var sheetState = {}; // url -> "ready" | "failed" | [elements waiting]
  function sheetUrl(i) {
    return SHEETS.folder + "/" + SHEETS.names[Math.floor(i / SHEETS.per)];
  }
  function show(e, i) {
    var size = parseFloat(getComputedStyle(e).width) || SHEETS.px;
    var cell = i % SHEETS.per;
    e.style.backgroundImage = 'url("' + sheetUrl(i) + '")';
    e.style.backgroundSize = SHEETS.cols * size + "px auto";
    e.style.backgroundPosition =
      -(cell % SHEETS.cols) * size + "px " + -Math.floor(cell / SHEETS.cols) * size + "px";
    e.classList.add("shown");
  }
  function paint(e) {
    var i = +e.dataset.thumb;
    if (missing[i]) {
      e.classList.add("none");
      e.title = tr("no_thumbnail");
      return;
    }
    var url = sheetUrl(i);
    var state = sheetState[url];
    if (state === "ready") return show(e, i);
    if (state === "failed") return e.classList.add("none", "broken");
    if (state) return state.push(e);
    sheetState[url] = [e];
    var img = new Image();
    img.src = url;
    img.decode().then(function () { return "ready"; }, function () { return "failed"; })
      .then(function (result) {
        var waiting = sheetState[url];
        sheetState[url] = result;
        waiting.forEach(paint);
      });
  }
  var lazy = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        lazy.unobserve(entry.target);
        paint(entry.target);
      }
    });
  }, { rootMargin: "400px" }) : null;
  function thumb(i, cls, label) {
    var e = el("div", undefined, "thumb" + (cls ? " " + cls : ""));
    e.dataset.thumb = i;
    e.setAttribute("role", "img");
    e.setAttribute("aria-label", label || data.p[i]);
    return e;
  }
  function later(e) {
    if (lazy) lazy.observe(e); else paint(e);
  }

  function tile(i) {
    var it = row(i);
    var fig = el("figure", undefined, "tile " + it.l);
    fig.dataset.i = i;
    fig.tabIndex = 0;
    var pic = thumb(i);
    pic.id = "im" + i;
    fig.appendChild(pic);
    var cap = el("figcaption");
    cap.appendChild(el("b", it.s.toFixed(2)));
    cap.appendChild(document.createTextNode(" " + tr("label." + it.l)));
    if (it.x && it.x.flag) cap.appendChild(el("span", tr("badge.suspect"), "b sus"));
    if (it.g >= 0) {
      cap.appendChild(el("span", tr("badge.burst", { n: data.groups[it.g].length }), "b dup"));
    }
    cap.appendChild(el("br"));
    cap.appendChild(pathEl("span", it.p));
    fig.appendChild(cap);
    return fig;
  }

  function drawMore() {
    var end = Math.min(order.length, drawn + PAGE);
    var frag = document.createDocumentFragment();
    var added = [];
    for (var k = drawn; k < end; k++) {
      var t = tile(order[k]);
      added.push(t.firstChild);
      frag.appendChild(t);
    }
    grid.appendChild(frag);
    added.forEach(later);
    drawn = end;
    document.getElementById("shown").textContent =
      tr("shown", { shown: drawn, total: order.length });
    moreButton.textContent = tr("more", { n: Math.min(PAGE, order.length - drawn) });
    moreButton.classList.toggle("hidden", drawn >= order.length);
  }

  var FILTER_CODES = { like: "L", dislike: "D", unsure: "U" };
  function matches(i, filter) {
    if (filter === "all") return true;
    if (filter === "suspects") return Boolean(data.x[i] && data.x[i][2] === 1);
    if (filter === "bursts") return groupOf[i] >= 0;
    return data.l[i] === FILTER_CODES[filter];
  }
  function filterBy(filter) {
    order = [];
    for (var i = 0; i < N; i++) if (matches(i, filter)) order.push(i);
    grid.textContent = "";
    drawn = 0;
    drawMore();
    document.querySelectorAll(".filters button").forEach(function (b) {
      b.classList.toggle("on", b.dataset.filter === filter);
    });
  }

  function neighbours(panel, title, list) {
    panel.appendChild(el("h3", title));
    if (!list.length) panel.appendChild(el("div", tr("none")));
    list.forEach(function (pair) {
      var line = el("div", undefined, "near");
      var pic = thumb(pair[0]);
      line.appendChild(pic);
      var text = el("div");
      text.appendChild(el("div", tr("similarity", { value: pair[1].toFixed(2) })));
      text.appendChild(pathEl("div", data.p[pair[0]]));
      line.appendChild(text);
      line.addEventListener("click", function () { open(pair[0]); });
      panel.appendChild(line);
      paint(pic);
    });
  }
  function open(i) {
    var it = row(i);
    var panel = document.getElementById("panel");
    panel.textContent = "";
    var close = el("button", tr("close")); close.id = "close";
    close.addEventListener("click", function () { panel.classList.add("hidden"); });
    panel.appendChild(close);
    panel.classList.remove("hidden");
    var big = thumb(i, "big");
    panel.appendChild(big);
    paint(big);
    panel.appendChild(pathEl("div", it.p));
    var fields = { score: it.s.toFixed(2), proposal: tr("label." + it.l), folder: it.f };
    panel.appendChild(el("div", it.t
      ? tr("score.training", Object.assign(fields, { label: tr("label." + it.t) }))
      : tr("score.line", fields)));
    if (it.x) {
      panel.appendChild(el("div", tr("suspect", {
        rank: it.x.rank, pct: Math.round(it.x.c * 100), oof: it.x.oof.toFixed(2)
      })));
    }
    if (it.g >= 0) {
      panel.appendChild(el("div", tr("burst", { n: data.groups[it.g].length })));
    }
    neighbours(panel, tr("nearest.liked"), it.nl);
    neighbours(panel, tr("nearest.disliked"), it.nd);
  }

  function start(unpacked) {
    data = unpacked;
    N = data.n;
    SHEETS = data.sheets;
    SHEETS.missing.forEach(function (i) { missing[i] = true; });
    groupOf = new Int32Array(N).fill(-1);
    data.groups.forEach(function (g, n) { g.forEach(function (i) { groupOf[i] = n; }); });

    document.querySelectorAll("[data-thumb]").forEach(later);
    moreButton.addEventListener("click", drawMore);
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; }) && drawn < order.length) {
          drawMore();
        }
      }, { rootMargin: "1500px" }).observe(moreButton);
    }
    document.querySelectorAll(".filters button").forEach(function (b) {
      b.addEventListener("click", function () { filterBy(b.dataset.filter); });
    });
    grid.addEventListener("click", function (e) {
      var t = e.target.closest(".tile");
      if (t) open(+t.dataset.i);
    });
    grid.addEventListener("keydown", function (e) {
      var t = e.target.closest(".tile");
      if (t && e.key === "Enter") open(+t.dataset.i);
    });
    document.querySelectorAll("[data-open]").forEach(function (e) {
      e.addEventListener("click", function (ev) {
        ev.stopPropagation(); open(+e.getAttribute("data-open"));
      });
      e.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.stopPropagation(); open(+e.getAttribute("data-open")); }
      });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") document.getElementById("panel").classList.add("hidden");
    });
    filterBy("all");
    document.body.dataset.ready = "1";
  }

  if (typeof DecompressionStream === "undefined") {
    document.getElementById("shown").textContent = tr("old_browser");
  } else {
    unpack().then(start, function () {
      document.getElementById("shown").textContent = tr("old_browser");
    });
  }
})();
