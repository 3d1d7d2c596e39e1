"""Messages of culling: bursts, keepers, frames set aside (`konomi cull`, `konomi xmp --cull`)."""

MESSAGES: dict[str, dict[str, str]] = {
    "progress.measuring": {"en": "measuring sharpness", "ja": "シャープさを測定中"},
    "cull.reason.sharpest": {"en": "sharpest", "ja": "いちばんシャープ"},
    "cull.reason.best_exposed": {"en": "best exposed", "ja": "露出がいちばん良い"},
    "cull.reason.liked_most": {
        "en": "liked most among the sharp ones",
        "ja": "シャープなものの中でいちばん好み",
    },
    "cull.reason.chosen": {"en": "your choice", "ja": "あなたが選んだもの"},
    "cull.burst": {
        "en": "Burst {number} ({n} frames): keep {keeper} ({reason})",
        "ja": "バースト {number}（{n} 枚）: {keeper} を残します（{reason}）",
    },
    "cull.rest": {"en": "    set aside: {path}", "ja": "    除外: {path}"},
    "cull.summary": {
        "en": "{bursts} bursts among {images} images: one frame kept from each, the other "
        "{rejects} proposed for rejection.",
        "ja": "{images} 枚の中にバーストが {bursts} 組あります。各バーストから 1 枚を残し、"
        "残りの {rejects} 枚を除外候補にしました。",
        "count": "bursts",
        "en:1": "1 burst among {images} images: one frame kept, the rest ({rejects}) proposed "
        "for rejection.",
        "ja:1": "{images} 枚の中にバーストが 1 組あります。1 枚を残し、残りの {rejects} 枚を"
        "除外候補にしました。",
    },
    "cull.none": {
        "en": "No bursts among {images} images: no frames taken within {gap} s of each other "
        "look alike (burst_gap and burst_similarity in konomi.toml).",
        "ja": "{images} 枚の中にバーストはありません。{gap} 秒以内に続けて撮られ、互いに似ている"
        "写真がありません（konomi.toml の burst_gap と burst_similarity）。",
        "count": "images",
        "en:0": "No images to look for bursts in.",
        "ja:0": "バーストを探す画像がありません。",
        "en:1": "No bursts: there is only 1 image.",
        "ja:1": "画像が 1 枚だけなので、バーストはありません。",
    },
    "cull.head": {
        "en": "Taste from head {head} chose among frames equally sharp and well exposed.",
        "ja": "シャープさと露出が同程度の写真の中からは、判定モデル {head} の好みで選びました。",
    },
    "cull.no_head": {
        "en": "No trained head yet: keepers were chosen on sharpness and exposure alone.",
        "ja": "まだ学習した判定モデルがないため、シャープさと露出だけで残す 1 枚を選びました。",
    },
    "cull.apply_hint": {
        "en": "Nothing was moved. {cmd} cull --apply moves the frames set aside into "
        "data/classified/rejected/ ({cmd} undo takes it back).",
        "ja": "何も移動していません。{cmd} cull --apply で除外する写真を "
        "data/classified/rejected/ に移動します（{cmd} undo で元に戻せます）。",
    },
    "cull.library_hint": {
        "en": "{n} frames set aside are library images, which are never moved: "
        "{cmd} xmp --cull marks them rejected in their XMP sidecar files.",
        "ja": "除外する写真のうち {n} 枚はライブラリの画像なので移動しません。"
        "{cmd} xmp --cull で XMP サイドカーファイルに「除外」として書き込めます。",
        "count": "n",
        "en:1": "1 frame set aside is a library image, which is never moved: "
        "{cmd} xmp --cull marks it rejected in its XMP sidecar file.",
    },
    "cull.moved": {
        "en": "Moved {n} frames into data/classified/rejected/ (operation {op}).",
        "ja": "{n} 枚を data/classified/rejected/ に移動しました（操作 {op}）。",
        "count": "n",
        "en:0": "Moved no frame (operation {op}).",
        "ja:0": "移動した写真はありません（操作 {op}）。",
        "en:1": "Moved 1 frame into data/classified/rejected/ (operation {op}).",
    },
    "cull.undo_hint": {
        "en": "  {cmd} undo puts them back where they were.",
        "ja": "  {cmd} undo で元の場所に戻せます。",
    },
    "cli.undo.kind.cull": {"en": "cull", "ja": "バーストの選別"},
    "xmp.culled": {
        "en": "  {n} frames of bursts marked rejected (xmp:Rating -1), only where you had not "
        "rated them.",
        "ja": "  バーストの写真 {n} 枚を「除外」（xmp:Rating -1）にしました。あなたがレーティングを"
        "付けた写真はそのままです。",
        "count": "n",
        "en:1": "  1 frame of a burst marked rejected (xmp:Rating -1), only where you had not "
        "rated it.",
    },
    "init.key.burst_gap": {
        "en": "Frames taken at most this many seconds apart form a burst (konomi cull).",
        "ja": "この秒数以内に続けて撮られた写真を 1 つのバーストとみなします（konomi cull）。",
    },
    "init.key.burst_similarity": {
        "en": "A burst is split where two frames in a row look less alike than this "
        "(cosine 0–1; 0 = capture time alone).",
        "ja": "続く 2 枚の似ている度合いがこれより低いところでバーストを分けます"
        "（コサイン類似度 0～1。0 なら撮影時刻だけで判断します）。",
    },
    # -- help ---------------------------------------------------------------------------------
    "cli.help.cull": {
        "en": "Group bursts by capture time and propose one frame to keep from each.\n\n"
        "Frames taken within burst_gap seconds of each other (EXIF time, else the file's) "
        "that look alike form a burst. The keeper is chosen on sharpness and exposure first, "
        "then on your taste; the others are proposed for rejection.\n\n"
        "Moves nothing unless --apply: then the rest go to data/classified/rejected/, and "
        "[cyan]{cmd} undo[/] takes it back. Library images are never moved. "
        "See docs/culling.md.\n\n"
        "Example: [cyan]{cmd} cull[/]",
        "ja": "撮影時刻でバーストをまとめ、それぞれから残す 1 枚を提案します。\n\n"
        "burst_gap 秒以内に続けて撮られ（EXIF の時刻。なければファイルの時刻）、"
        "互いに似ている写真を 1 つのバーストとみなします。残す 1 枚はまずシャープさと露出で、"
        "次にあなたの好みで選び、残りを除外候補にします。\n\n"
        "--apply を付けない限り何も移動しません。付けると残り"
        "を data/classified/rejected/ に移動し、[cyan]{cmd} undo[/] で元に戻せます。"
        "ライブラリの画像は移動しません。詳しくは docs/culling.ja.md を見てください。\n\n"
        "例: [cyan]{cmd} cull[/]",
    },
    "cli.help.cull.apply": {
        "en": "Move the frames set aside into data/classified/rejected/ (undoable).",
        "ja": "除外する写真を data/classified/rejected/ に移動します（元に戻せます）。",
    },
    "cli.help.cull.json": {
        "en": "Print JSON only: one object per burst, with keeper, rest and reason.",
        "ja": "JSON だけを出力します。バーストごとに keeper（残す 1 枚）、rest（除外）、"
        "reason（理由）を持つ一覧です。",
    },
    "cli.help.xmp.cull": {
        "en": "Also mark the frames of each burst that konomi cull sets aside as rejected "
        "(xmp:Rating -1), never over a rating you set.",
        "ja": "konomi cull が各バーストで除外候補にした写真も「除外」（xmp:Rating -1）に"
        "します。あなたが付けたレーティングは変えません。",
    },
    # -- the review page: a burst, its keeper, the keeper swap (key k) --------------------
    "page.caption.burst": {"en": "burst", "ja": "バースト"},
    "page.burst.keeper_badge": {"en": "keeper", "ja": "残す 1 枚"},
    "page.burst.frame": {
        "en": "Frame {position} of {size} · keep: {keeper} ({reason})",
        "ja": "{size} 枚中 {position} 枚目・残す 1 枚: {keeper}（{reason}）",
    },
    "page.burst.is_keeper": {
        "en": "This frame is the one to keep ({reason}); {cmd} cull proposes the others as "
        "rejects.",
        "ja": "この写真を残します（{reason}）。ほかの写真は {cmd} cull で除外候補になります。",
    },
    "page.burst.swap": {
        "en": "Press k to keep this frame instead.",
        "ja": "k キーを押すと、この写真を残す 1 枚にします。",
    },
    "page.burst.kept": {
        "en": "{name} is now the frame to keep; {cmd} cull proposes the other {n} as rejects.",
        "ja": "{name} を残す 1 枚にしました。ほかの {n} 枚は {cmd} cull で除外候補になります。",
    },
    "page.burst.kept_already": {
        "en": "{name} is already the frame to keep.",
        "ja": "{name} はすでに残す 1 枚です。",
    },
    "page.burst.none": {
        "en": "{name} is in no burst: there is no keeper to choose.",
        "ja": "{name} はバーストに含まれないため、残す 1 枚を選べません。",
    },
    "page.help.keeper": {
        "en": "Keep this frame of its burst — <code>{cmd} cull</code> sets the others aside "
        "(<code>{cmd} undo</code> takes the choice back)",
        "ja": "バーストの中でこの写真を残す 1 枚にします。<code>{cmd} cull</code> はほかの写真を"
        "除外します（<code>{cmd} undo</code> で選択を取り消せます）",
    },
    "page.server.keep_shape": {"en": "Send {shape}.", "ja": "{shape} の形で送ってください。"},
    "cli.undo.kind.keeper": {"en": "keeper choice", "ja": "残す 1 枚の選択"},
    # -- the report: the bursts of a shoot, each a strip with its keeper -------------------
    "report.cull.title": {"en": "Bursts of the shoot", "ja": "撮影のバースト"},
    "report.cull.note": {
        "en": "Bursts (frames taken within {gap} s of each other): {n}. The frame ringed in "
        "green is the one {cmd} cull keeps; {cmd} cull --apply sets the others aside "
        "(undoable).",
        "ja": "バースト（{gap} 秒以内に続けて撮った写真）が {n} 組あります。緑の枠の写真を "
        "{cmd} cull で残し、ほかの写真は {cmd} cull --apply で除外します（元に戻せます）。",
    },
    "report.cull.row": {
        "en": "Burst {n} · {size} frames · keep {name} ({reason})",
        "ja": "バースト {n}・{size} 枚・残す 1 枚: {name}（{reason}）",
    },
    "report.cull.keeper": {"en": "keeper", "ja": "残す 1 枚"},
    "report.cull.rest": {"en": "reject", "ja": "除外"},
    "report.cull.more": {
        "en": "… and {n} more bursts: {cmd} cull lists every one.",
        "ja": "…ほかに {n} 組あります。{cmd} cull ですべて一覧できます。",
    },
}
