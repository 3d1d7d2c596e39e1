"""Messages of the review page (`page.*`) and of the HTML report (`report.*`).

`page.*` texts are sent to the review page as they are and filled there (`{name}` fields);
`report.js.*` texts are embedded in the report for its script; the rest of `report.*` is filled
in Python. Texts marked as HTML (`page.help.*`) may hold <kbd>, <code> and <em> only.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # -- the review page (sent to the page, filled there) ----------------------------------------
    "page.title": {"en": "konomi · review", "ja": "konomi · 判定"},
    "page.brand_title": {"en": "konomi (好み): your taste", "ja": "konomi（好み）: あなたの好み"},
    "page.brand_review": {"en": "review", "ja": "判定"},
    "page.loading": {"en": "loading…", "ja": "読み込み中…"},
    "page.retrain": {"en": "Retrain", "ja": "再学習"},
    "page.retrain_title": {
        "en": "Train on every label so far, then refresh the scores",
        "ja": "これまでのラベルすべてで学習し直し、スコアを更新します",
    },
    "page.help_title": {"en": "Keyboard shortcuts (?)", "ja": "キーボード操作（?）"},
    "page.help_label": {"en": "Keyboard shortcuts", "ja": "キーボード操作"},
    "page.empty_title": {"en": "Nothing left to review", "ja": "判定する画像はもうありません"},
    "page.retrain_now": {"en": "⟳ Retrain now", "ja": "⟳ 今すぐ再学習"},
    "page.caption.score": {"en": "score", "ja": "スコア"},
    "page.caption.proposal": {"en": "the model proposes", "ja": "判定モデルの提案"},
    "page.caption.file": {"en": "file", "ja": "ファイル"},
    "page.caption.upnext": {"en": "up next", "ja": "次の画像"},
    "page.btn.dislike": {"en": "Dislike", "ja": "好きでない"},
    "page.btn.skip": {"en": "Skip", "ja": "スキップ"},
    "page.btn.like": {"en": "Like", "ja": "好き"},
    "page.btn.undo": {"en": "Undo", "ja": "元に戻す"},
    "page.help.heading": {"en": "Keyboard", "ja": "キーボード操作"},
    "page.help.like": {
        "en": "Like — moves the file to <code>data/train/like/</code>",
        "ja": "好き — ファイルを <code>data/train/like/</code> へ移します",
    },
    "page.help.dislike": {
        "en": "Dislike — moves it to <code>data/train/dislike/</code>",
        "ja": "好きでない — ファイルを <code>data/train/dislike/</code> へ移します",
    },
    "page.help.burst": {
        "en": "Like / dislike it <em>and its look-alikes</em> (a burst of near-identical shots) "
        "at once",
        "ja": "その画像と<em>よく似た画像</em>（ほぼ同じ連写）をまとめて「好き」または"
        "「好きでない」にします",
    },
    "page.help.skip": {
        "en": "Skip — leaves it where it is",
        "ja": "スキップ — ファイルはそのままにします",
    },
    "page.help.undo": {
        "en": "Undo the last decision (<code>{cmd} undo</code> does too)",
        "ja": "直前の判定を取り消します（<code>{cmd} undo</code> でも取り消せます）",
    },
    "page.help.retrain": {
        "en": "Retrain now and refresh the scores",
        "ja": "今すぐ学習し直して、スコアを更新します",
    },
    "page.help.help": {
        "en": "This help; <kbd>Esc</kbd> closes it",
        "ja": "このヘルプを表示します。<kbd>Esc</kbd> で閉じます",
    },
    "page.help.order": {
        "en": "Images come most informative first: the ones where your answer teaches the model "
        "the most. Every move is journaled and can be undone.",
        "ja": "判定すると判定モデルがいちばん多く学べる画像から順に表示します。"
        "ファイルの移動はすべて記録され、元に戻せます。",
    },
    "page.help.close": {"en": "Got it", "ja": "閉じる"},
    "page.error.no_server": {
        "en": "The review server does not answer (was it stopped?). Start it again: {cmd} review",
        "ja": "判定用のサーバーが応答しません（停止しましたか？）。もう一度起動してください: "
        "{cmd} review",
    },
    "page.error.session_ended": {
        "en": "This session has ended. Open the link that {cmd} review printed.",
        "ja": "このセッションは終了しました。{cmd} review が表示したリンクを開いてください。",
    },
    "page.error.status": {
        "en": "The server answered {status}.",
        "ja": "サーバーがステータス {status} を返しました。",
    },
    "page.progress": {
        "en": "{done} done · {left} left",
        "ja": "{done} 枚判定済み・残り {left} 枚",
    },
    "page.suggested": {
        "en": " · {n} suggested this round",
        "ja": "・今回のおすすめ {n} 枚",
    },
    "page.head": {"en": "head {head}", "ja": "判定モデル {head}"},
    "page.no_head": {"en": "no head yet", "ja": "まだ学習していません"},
    "page.new_labels": {
        "en": "new labels since this head was trained: {n}",
        "ja": "この判定モデルの学習後に付けたラベルが {n} 件あります",
    },
    "page.legend_dislike": {"en": "dislike ≤ {value}", "ja": "好きでない ≤ {value}"},
    "page.legend_like": {"en": "like ≥ {value}", "ja": "好き ≥ {value}"},
    "page.round_done": {
        "en": "This session: {liked} liked, {disliked} disliked, {skipped} skipped. Retrain to "
        "learn from your answers; skipped images come back in the next round.",
        "ja": "このセッションの判定: 好き {liked} 枚、好きでない {disliked} 枚、スキップ "
        "{skipped} 枚。再学習すると、判定が判定モデルに反映されます。"
        "スキップした画像は次の回にまた表示されます。",
    },
    "page.proposal.like": {"en": "like", "ja": "好き"},
    "page.proposal.dislike": {"en": "dislike", "ja": "好きでない"},
    "page.proposal.unsure": {"en": "unsure", "ja": "保留"},
    "page.proposal.none": {"en": "no model yet", "ja": "まだ判定モデルがありません"},
    "page.alike_one": {
        # The English is kept word for word as the page has always said it (a test reads it).
        "en": "1 look-alike wait too (a burst): Shift+L likes all 2, Shift+D dislikes all 2.",
        "ja": "よく似た画像（連写）がもう 1 枚あります。Shift+L で 2 枚とも「好き」、"
        "Shift+D で 2 枚とも「好きでない」にします。",
    },
    "page.alike_many": {
        "en": "{n} look-alikes wait too (a burst): Shift+L likes all {all}, Shift+D dislikes "
        "all {all}.",
        "ja": "よく似た画像（連写）がほかに {n} 枚あります。Shift+L で {all} 枚すべてを"
        "「好き」、Shift+D で {all} 枚すべてを「好きでない」にします。",
    },
    "page.no_preview": {
        "en": "No preview for {name}.",
        "ja": "{name} のプレビューを表示できません。",
    },
    "page.retraining": {"en": "Retraining · {stage}…", "ja": "再学習中・{stage}…"},
    "page.retraining_count": {
        "en": "Retraining · {stage} {done}/{total}",
        "ja": "再学習中・{stage} {done}/{total}",
    },
    # -- the full scan of a large library, while the page already answers ----------------------
    "page.scan.finding": {
        "en": "Looking for the photos in your folders…",
        "ja": "フォルダーの写真を探しています…",
    },
    "page.scan.checking": {
        "en": "Checking {n} photos — {percent} %.",
        "ja": "{n} 枚の写真を確認しています — {percent} %。",
    },
    "page.scan.meanwhile": {
        "en": "You can judge these first ones meanwhile.",
        "ja": "その間、先に表示した写真を判定できます。",
    },
    "page.scan.empty_title": {"en": "Checking your photos…", "ja": "写真を確認しています…"},
    "page.scan.empty_text": {
        "en": "The photos to judge appear here as soon as konomi has checked them.",
        "ja": "確認が終わると、判定する写真がここに表示されます。",
    },
    "page.scan.done": {
        "en": "All photos checked: the queue now holds the whole library, in its order.",
        "ja": "すべての写真を確認しました。ライブラリ全体を判定の順に並べました。",
    },
    "page.scan.failed": {
        "en": "Checking the photos stopped: {why}. The images shown so far can still be judged.",
        "ja": "写真の確認が止まりました（{why}）。表示中の画像は引き続き判定できます。",
    },
    "page.flash.like": {"en": "Liked ♥", "ja": "好き ♥"},
    "page.flash.dislike": {"en": "✕ Disliked", "ja": "✕ 好きでない"},
    "page.flash.skip": {"en": "Skipped", "ja": "スキップ"},
    "page.flash.undo": {"en": "↶ Undone", "ja": "↶ 取り消しました"},
    # -- the review server's own answers (in the page's language) --------------------------------
    # -- the guard's refusals (plain text, in the language of the browser that asked) -----------
    "page.taste_summary": {"en": "Your taste in words", "ja": "好みを言葉で伝える"},
    # -- screen-reader labels of the review page (aria-label) ------------------------------------
    "page.aria.search": {"en": "Search images by words", "ja": "言葉で画像を検索"},
    "page.aria.like_text": {"en": "Phrases you like", "ja": "好きなものを表す言葉"},
    "page.aria.dislike_text": {"en": "Phrases you dislike", "ja": "好きでないものを表す言葉"},
    "page.aria.progress": {"en": "Progress this round", "ja": "今回の判定の進捗"},
    "page.aria.gauge": {
        "en": "Score of this image against the two thresholds",
        "ja": "この画像のスコアと 2 つのしきい値",
    },
    "page.aria.panel": {"en": "About this image", "ja": "この画像について"},
    "page.aria.actions": {"en": "Decide", "ja": "判定"},
    "page.aria.upnext": {"en": "Up next", "ja": "次の画像"},
    "page.launch.opening": {"en": "Opening {link}…", "ja": "{link} を開いています…"},
    "page.guard.host": {
        "en": "Refused: this server answers only to 127.0.0.1 and localhost.",
        "ja": "受け付けられません。このサーバーは 127.0.0.1 と localhost "
        "からの接続だけを受け付けます。",
    },
    "page.guard.origin": {
        "en": "Refused: this request comes from another page.",
        "ja": "受け付けられません。このリクエストは別のページから送られています。",
    },
    "page.guard.no_token": {
        "en": "This page needs the link that `{cmd} review` printed (it carries a token).",
        "ja": "このページは `{cmd} review` が表示したリンクから開いてください"
        "（リンクにトークンが含まれています）。",
    },
    "page.guard.bad_token": {
        "en": "Wrong or old token. Open the link that `{cmd} review` printed this time "
        "(each start makes a new one).",
        "ja": "トークンが違うか、古くなっています。今回 `{cmd} review` が表示したリンクを開いて"
        "ください（起動するたびに新しくなります）。",
    },
    "page.guard.not_the_page": {
        "en": "Refused: a change must come from the review page itself.",
        "ja": "受け付けられません。変更は判定ページから送ってください。",
    },
    "page.guard.cross_site": {
        "en": "Refused: cross-site request.",
        "ja": "受け付けられません。別のサイトからのリクエストです。",
    },
    "page.guard.json": {
        "en": "Refused: send JSON.",
        "ja": "受け付けられません。JSON で送ってください。",
    },
    "page.server.no_such_image": {"en": "No such image.", "ja": "その画像はありません。"},
    "page.server.body_too_large": {
        "en": "The request body is too large.",
        "ja": "リクエストの本文が大きすぎます。",
    },
    "page.server.taste_shape": {
        "en": "Send {shape}.",
        "ja": "{shape} の形で送ってください。",
    },
    "page.server.stopping": {
        "en": "The review server is stopping.",
        "ja": "判定用のサーバーを止めています。",
    },
    "page.server.cannot_listen": {
        "en": "Cannot listen on {host}:{port} ({why}).",
        "ja": "{host}:{port} で接続を待ち受けられません（{why}）。",
    },
    "page.server.cannot_listen_hint": {
        "en": "Pick another port with --port N, or leave it out to get a free one.",
        "ja": "--port N で別のポートを選ぶか、指定を省いて空いているポートを使ってください。",
    },
    "page.server.body_json": {
        "en": "The request body must be a JSON object.",
        "ja": "リクエストの本文は JSON オブジェクトにしてください。",
    },
    "page.server.decide_shape": {"en": "Send {shape}.", "ja": "{shape} の形で送ってください。"},
    "page.server.retraining": {"en": "Retraining…", "ja": "再学習しています…"},
    "page.server.already": {"en": "Already retraining.", "ja": "すでに再学習中です。"},
    "page.server.quality.learning": {
        "en": "Learning — {n} more judgements for a first estimate.",
        "ja": "学習中です。あと {n} 枚判定すると、最初の見積もりが出ます。",
        "count": "n",
        "en:1": "Learning — 1 more judgement for a first estimate.",
    },
    "page.server.quality.fair": {
        "en": "Getting there: right about {k} in 10 so far — {n} more judgements to be sure.",
        "ja": "上達中です。今のところ 10 回に {k} 回ほど正解しています。あと {n} 枚判定すると"
        "確かになります。",
        "count": "n",
        "en:1": "Getting there: right about {k} in 10 so far — 1 more judgement to be sure.",
    },
    "page.server.quality.fair_more": {
        "en": "Getting there: right about {k} in 10 so far; more judgements will make it surer.",
        "ja": "上達中です。今のところ 10 回に {k} 回ほど正解しています。判定を続けるほど"
        "確かになります。",
    },
    "page.server.quality.head": {"en": "Model {head}.", "ja": "判定モデル {head}。"},
    "page.server.quality.good": {
        "en": "Good: right about {k} in 10.",
        "ja": "良好です。10 回に {k} 回ほど正解しています。",
    },
    "page.server.no_head_yet": {
        "en": "No trained model yet. Label a few images, then retrain.",
        "ja": "まだ学習した判定モデルがありません。いくつかの画像にラベルを付けてから、"
        "再学習してください。",
    },
    "page.server.no_head": {
        "en": "{message} Label a few images, then retrain.",
        "ja": "{message} いくつかの画像にラベルを付けてから、再学習してください。",
    },
    "page.server.unknown_decision": {
        "en": "Unknown decision {decision}.",
        "ja": "{decision} という判定はありません。",
    },
    "page.server.unknown_decision_hint": {
        "en": "Use like, dislike or skip.",
        "ja": "like、dislike、skip のいずれかを使ってください。",
    },
    "page.server.not_in_review": {
        "en": "That image is not part of this review.",
        "ja": "その画像は今回の判定の対象ではありません。",
    },
    "page.server.not_in_review_hint": {
        "en": "Reload the page to get the queue.",
        "ja": "ページを再読み込みして、判定待ちの一覧を取り直してください。",
    },
    "page.server.already_like": {
        "en": "{name} was already liked (in another tab?).",
        "ja": "{name} はすでに「好き」と判定されています（別のタブで判定しましたか？）。",
    },
    "page.server.already_dislike": {
        "en": "{name} was already disliked (in another tab?).",
        "ja": "{name} はすでに「好きでない」と判定されています（別のタブで判定しましたか？）。",
    },
    "page.server.already_skip": {
        "en": "{name} was already skipped (in another tab?).",
        "ja": "{name} はすでにスキップされています（別のタブで判定しましたか？）。",
    },
    "page.server.already_gone": {
        "en": "{name} was already taken out (in another tab?).",
        "ja": "{name} はすでに一覧から外れています（別のタブで判定しましたか？）。",
    },
    "page.server.already_hint": {
        "en": "Nothing was moved twice; the page now shows the next image.",
        "ja": "二重に移動したファイルはありません。ページには次の画像を表示しています。",
    },
    "page.server.skipped": {"en": "Skipped {name}.", "ja": "{name} をスキップしました。"},
    "page.server.not_moved": {
        "en": "{name} was not moved: {reason}.",
        "ja": "{name} は移動していません: {reason}。",
    },
    "page.server.not_moved_hint": {
        "en": "It is out of the queue now; retrain (or restart the review) to scan again.",
        "ja": "この画像は一覧から外しました。もう一度探すには、再学習するか判定をやり直して"
        "ください。",
    },
    "page.server.moved_like": {
        "en": "Liked {name} → {folder}/",
        "ja": "{name} を「好き」にしました → {folder}/",
    },
    "page.server.moved_dislike": {
        "en": "Disliked {name} → {folder}/",
        "ja": "{name} を「好きでない」にしました → {folder}/",
    },
    "page.server.moved_burst_like": {
        "en": "Liked {name} and its look-alikes ({n}) → {folder}/",
        "ja": "{name} とよく似た画像 {n} 枚を「好き」にしました → {folder}/",
    },
    "page.server.moved_burst_dislike": {
        "en": "Disliked {name} and its look-alikes ({n}) → {folder}/",
        "ja": "{name} とよく似た画像 {n} 枚を「好きでない」にしました → {folder}/",
    },
    "page.server.some_not_moved": {
        "en": "({n} not moved: changed or gone)",
        "ja": "（{n} 枚は変更または削除されていたため移動していません）",
    },
    "page.server.back_to": {"en": "Back to {name}.", "ja": "{name} に戻りました。"},
    "page.server.nothing_to_undo": {
        "en": "Nothing to undo.",
        "ja": "取り消せる判定はありません。",
    },
    "page.server.cannot_undo": {
        "en": "Could not undo that decision: {why}.",
        "ja": "その判定を取り消せませんでした: {why}。",
    },
    "page.server.nothing_left": {
        "en": "nothing left to move back",
        "ja": "元に戻すファイルが残っていません",
    },
    "page.server.undone": {
        "en": "Undone: {names} is back in {folder}/.",
        "ja": "{names} を {folder}/ に戻しました。",
    },
    "page.server.trained": {
        "en": "Trained again on {n_like} liked and {n_dislike} disliked; scores refreshed.",
        "ja": "好き {n_like} 枚・好きでない {n_dislike} 枚で再学習し、スコアを更新しました。",
    },
    "page.server.retrain_failed": {
        "en": "Retraining failed ({problem}).",
        "ja": "再学習に失敗しました（{problem}）。",
    },
    # -- the HTML report, filled in Python -------------------------------------------------------
    "report.title": {"en": "konomi report", "ja": "konomi レポート"},
    "report.generated": {
        "en": "Generated {when}. This page and its {folder} folder load nothing from anywhere "
        "else.",
        "ja": "{when} に作成。このページと {folder} フォルダーは、"
        "ほかの場所から何も読み込みません。",
    },
    "report.summary.head": {
        "en": "{n} images scored by head {head} (trained {created} on {n_like} like / "
        "{n_dislike} dislike with {model}).",
        "ja": "{n} 枚の画像を判定モデル {head} で採点しました（{created} に {model} で、好き "
        "{n_like} 枚・好きでない {n_dislike} 枚から学習）。",
    },
    "report.summary.cv": {
        "en": "Cross-validated AUC {auc}, Brier {brier}.",
        "ja": "交差検証での AUC は {auc}、Brier スコアは {brier} です。",
    },
    "report.summary.cv_unmeasurable": {
        "en": "With {like} like / {dislike} dislike labels, how good the head is cannot be "
        "measured yet.",
        "ja": "好き {like} 枚・好きでない {dislike} 枚では、判定モデルの精度はまだ測れません。",
    },
    "report.summary.cv_rough": {
        "en": "Cross-validated AUC {auc} (95 % interval {lo}–{hi}: rough with so few labels), "
        "Brier {brier}.",
        "ja": "交差検証での AUC は {auc}（95 % 区間 {lo}〜{hi}。ラベルが少ないうちは目安です）、"
        "Brier スコアは {brier} です。",
    },
    "report.summary.thresholds": {
        "en": "Thresholds: like ≥ {like}, dislike ≤ {dislike}.",
        "ja": "しきい値: {like} 以上で「好き」、{dislike} 以下で「好きでない」。",
    },
    "report.summary.thresholds_target": {
        "en": "Thresholds: like ≥ {like}, dislike ≤ {dislike} (chosen for {target} precision).",
        "ja": "しきい値: {like} 以上で「好き」、{dislike} 以下で「好きでない」"
        "（適合率 {target} を目標に選択）。",
    },
    "report.summary.expected": {
        "en": "Expected from cross-validation: like proposals right {like}, dislike proposals "
        "right {dislike}; {unsure} unsure.",
        "ja": "交差検証から見込まれる正しさ: 「好き」の提案は {like}、「好きでない」の提案は "
        "{dislike} が正解で、{unsure} は保留になります。",
    },
    "report.no_suspects": {
        "en": "No suspect labels in the report: {reason}",
        "ja": "レポートには疑わしいラベルを載せていません: {reason}",
    },
    "report.suspects.note": {
        "en": "{n} of {total} training images look mislabelled (cross-validation of head {head}).",
        "ja": "学習用の画像 {total} 枚のうち {n} 枚のラベルが誤っているようです（判定モデル "
        "{head} の交差検証による）。",
        "count": "n",
        "en:0": "None of the {total} training images looks mislabelled (cross-validation of "
        "head {head}).",
        "en:1": "1 of {total} training images looks mislabelled (cross-validation of head {head}).",
        "ja:0": "学習用の画像 {total} 枚に、ラベルの誤りの疑いはありません（判定モデル {head} "
        "の交差検証による）。",
    },
    "report.suspects.note_fresh": {
        "en": "{n} of {total} training images look mislabelled (fresh cross-validation: "
        "data/train changed since the last train).",
        "ja": "学習用の画像 {total} 枚のうち {n} "
        "枚のラベルが誤っているようです（前回の学習のあと data/train が変わったため、"
        "交差検証をやり直しました）。",
        "count": "n",
        "en:0": "None of the {total} training images looks mislabelled (fresh "
        "cross-validation: data/train changed since the last train).",
        "en:1": "1 of {total} training images looks mislabelled (fresh cross-validation: "
        "data/train changed since the last train).",
        "ja:0": "学習用の画像 {total} 枚に、ラベルの誤りの疑いはありません（前回の学習のあと "
        "data/train が変わったため、交差検証をやり直しました）。",
    },
    "report.suspects.title": {"en": "Suspect labels", "ja": "疑わしいラベル"},
    "report.suspects.explain": {
        "en": '"wrong?" is the estimated chance that the label is wrong; ● marks the likely '
        "mislabelled. Still like it? Leave it. If not, move it to the other folder of "
        "data/train/.",
        "ja": "「誤り？」はラベルが誤っている見込み、● は誤りの可能性が高いものです。"
        "今のラベルのままでよければ、そのままにしてください。違っていたら data/train/ "
        "のもう一方のフォルダーへ移してください。",
    },
    "report.suspects.wrong": {"en": "wrong?", "ja": "誤り？"},
    "report.suspects.label": {"en": "label", "ja": "ラベル"},
    "report.suspects.score": {"en": "score", "ja": "スコア"},
    "report.suspects.path": {"en": "path", "ja": "パス"},
    "report.label.like": {"en": "like", "ja": "好き"},
    "report.label.dislike": {"en": "dislike", "ja": "好きでない"},
    "report.bursts.title": {"en": "Near-duplicates", "ja": "ほぼ同じ画像（連写）"},
    "report.bursts.note": {
        "en": "Bursts of near-duplicates (cosine similarity ≥ {threshold}): {n}. One decision "
        "can cover each burst.",
        "ja": "ほぼ同じ画像のまとまり（連写）が {n} 組あります（コサイン類似度 {threshold} "
        "以上）。まとまりごとに一度の判定で済ませられます。",
    },
    "report.bursts.row": {"en": "burst {n} ({size})", "ja": "連写 {n}（{size} 枚）"},
    "report.bursts.more": {
        "en": "… and {n} more bursts: the “bursts” filter below shows every one.",
        "ja": "…ほかに {n} 組あります。下の「連写」フィルターですべて表示できます。",
    },
    "report.none": {"en": "none", "ja": "なし"},
    "report.images.title": {"en": "All images, by score", "ja": "すべての画像（スコア順）"},
    "report.filter.all": {"en": "all", "ja": "すべて"},
    "report.filter.like": {"en": "like", "ja": "好き"},
    "report.filter.dislike": {"en": "dislike", "ja": "好きでない"},
    "report.filter.unsure": {"en": "unsure", "ja": "保留"},
    "report.filter.suspects": {"en": "suspects", "ja": "疑わしいラベル"},
    "report.filter.bursts": {"en": "bursts", "ja": "連写"},
    "report.alt.histogram": {"en": "score histogram", "ja": "スコアのヒストグラム"},
    "report.alt.reliability": {"en": "reliability curve", "ja": "信頼性曲線"},
    "report.alt.learning": {
        "en": "learning curve across saved heads",
        "ja": "保存済みの判定モデルごとの学習曲線",
    },
    # -- text inside the plots (English when no Japanese font is installed) ----------------------
    "report.plot.train_like": {"en": "training: like", "ja": "学習用: 好き"},
    "report.plot.train_dislike": {"en": "training: dislike", "ja": "学習用: 好きでない"},
    "report.plot.not_training": {"en": "not in training", "ja": "学習に使っていない画像"},
    "report.plot.score_axis": {
        "en": "score (probability you like it)",
        "ja": "スコア（好きである確率）",
    },
    "report.plot.images_axis": {"en": "images", "ja": "画像の枚数"},
    "report.plot.histogram_title": {
        "en": "Score histogram (dashed: thresholds)",
        "ja": "スコアの分布（破線はしきい値）",
    },
    "report.plot.perfect": {"en": "perfect", "ja": "理想"},
    "report.plot.oof": {
        "en": "training images (out-of-fold)",
        "ja": "学習画像（交差検証の予測）",
    },
    "report.plot.score_short": {"en": "score", "ja": "スコア"},
    "report.plot.share_liked": {"en": "share really liked", "ja": "実際に好きだった割合"},
    "report.plot.reliability_title": {
        "en": "Reliability (calibration)",
        "ja": "信頼性（スコアの較正）",
    },
    "report.plot.auc": {"en": "AUC (higher is better)", "ja": "AUC（高いほど良い）"},
    "report.plot.brier": {"en": "Brier (lower is better)", "ja": "Brier（低いほど良い）"},
    "report.plot.current": {"en": "current", "ja": "使用中"},
    "report.plot.heads_axis": {
        "en": "saved head (and labels it was trained on)",
        "ja": "保存済みの判定モデル（と学習に使ったラベル数）",
    },
    "report.plot.learning_title": {
        "en": "Learning curve across saved heads",
        "ja": "保存済みの判定モデルごとの学習曲線",
    },
    # -- the report's script (filled in the browser) ---------------------------------------------
    # -- the report's first screen and its words (filled in Python) ------------------------------
    "report.when": {
        "en": "{day} {month} {year}, {time}",
        "ja": "{year}年{month}{day}日 {time}",
    },
    "report.months": {  # the twelve months as `report.when` writes them, space-separated
        "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "ja": "1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月",
    },
    "report.overview.scored": {
        "en": "Photos scored: {n}. The model proposes {like} as liked and {dislike} as disliked, "
        "and leaves {unsure} for you to decide.",
        "ja": "{n} 枚を採点しました。「好き」の提案が {like} 枚、「好きでない」の提案が "
        "{dislike} 枚で、{unsure} 枚はあなたの判断を待っています。",
        "count": "unsure",
        "en:0": "Photos scored: {n}. The model proposes {like} as liked and {dislike} as "
        "disliked, and leaves none for you to decide.",
        "ja:0": "{n} 枚を採点しました。「好き」の提案が {like} 枚、「好きでない」の提案が "
        "{dislike} 枚で、あなたの判断を待っている写真はありません。",
    },
    "report.overview.right": {
        "en": "The model is right about {k} times in 10 on your labels: {right} of {n}, each "
        "photo judged by a model that had not seen it.",
        "ja": "あなたのラベルに対して、判定モデルはおよそ 10 回に {k} 回正しく判定しています"
        "（{n} 枚中 {right} 枚。どの写真も、その写真を見ていない判定モデルで確かめています）。",
    },
    "report.overview.right_rough": {
        "en": "The model is right about {k} times in 10 on your labels ({right} of {n}): a "
        "rough figure with so few labels, which firms up as you label more.",
        "ja": "あなたのラベルに対して、判定モデルはおよそ 10 回に {k} 回正しく判定しています"
        "（{n} 枚中 {right} 枚）。ラベルが少ないうちは目安で、増えるほど確かになります。",
    },
    "report.overview.too_few": {
        "en": "Too few labels yet ({like} liked, {dislike} disliked) to say how often the model "
        "is right.",
        "ja": "ラベルがまだ少ないため（好き {like} 枚・好きでない {dislike} 枚）、"
        "判定モデルがどのくらい正しいかはまだ言えません。",
    },
    "report.overview.thresholds": {
        "en": "Photos scoring {like} or more are proposed as liked, {dislike} or less as "
        "disliked; the rest wait for you.",
        "ja": "スコアが {like} 以上の写真は「好き」、{dislike} 以下は「好きでない」と提案し、"
        "その間の写真はあなたの判断を待ちます。",
    },
    "report.sampled": {
        "en": "This page shows {shown} of the {total} photos: every training photo and suspect, "
        "and an even sample of the rest in score order. reports/scores.csv lists them all.",
        "ja": "このページには {total} 枚のうち {shown} 枚を載せています。学習用の写真と疑わしい"
        "ラベルの写真はすべて載せ、残りはスコア順に均等に選んだ一部です。すべての写真は "
        "reports/scores.csv にあります。",
    },
    "report.first.top": {"en": "The top of your taste", "ja": "あなたの好みの上位"},
    "report.first.top_note": {
        "en": "The photos the model likes best for you.",
        "ja": "判定モデルがあなたの好みに最も合うと見た写真です。",
    },
    "report.first.look": {"en": "Worth a look", "ja": "見ておきたい写真"},
    "report.first.look_note": {
        "en": "Not labelled yet, and the model is least sure about them: a judgement here "
        "teaches it the most ({cmd} review).",
        "ja": "まだラベルがなく、判定モデルが最も迷っている写真です。ここで判定すると、"
        "判定モデルが最もよく学習します（{cmd} review）。",
    },
    "report.first.look_none": {
        "en": "Every photo here is labelled.",
        "ja": "ここにある写真はすべてラベル付きです。",
    },
    "report.first.suspects": {
        "en": "Labels that look wrong",
        "ja": "ラベルが誤っているかもしれない写真",
    },
    "report.first.suspects_count": {
        "en": "{n} of your {total} labels look wrong. Where a label is right after all, leave "
        "the photo; where it is not, move the photo to the other folder of data/train/.",
        "ja": "ラベルを付けた {total} 枚のうち {n} 枚は、ラベルが誤っているかもしれません。"
        "ラベルが正しければそのままにし、誤っていれば data/train/ のもう一方のフォルダーへ"
        "移してください。",
        "count": "n",
        "en:1": "1 of your {total} labels looks wrong. If it is right after all, leave the "
        "photo; if not, move the photo to the other folder of data/train/.",
    },
    "report.first.suspects_none": {
        "en": "None of your labels looks wrong.",
        "ja": "ラベルの誤りの疑いはありません。",
    },
    "report.first.wrong": {"en": "wrong? {pct}", "ja": "誤り？ {pct}"},
    "report.stats.title": {"en": "How the model is doing", "ja": "判定モデルの精度"},
    "report.caption.histogram": {
        "en": "How your photos are spread over the score; the dashed lines are where proposals "
        "change.",
        "ja": "写真がスコアのどこに集まっているか。破線は提案が切り替わる位置です。",
    },
    "report.caption.reliability": {
        "en": "Does a score of 0.7 mean you liked 7 in 10 of those photos? Each point is the "
        "share liked among your labels at that score, with the range it could truly be in "
        "(95 %) and, above it, how many photos it rests on: few photos, a wide range.",
        "ja": "スコアが 0.7 の写真は、本当に 10 枚中 7 枚が「好き」だったでしょうか。"
        "点はそのスコア帯で「好き」だった割合、縦線は本当の値がありうる範囲（95 %）、"
        "上の数字はもとにした写真の枚数です。枚数が少ないほど範囲は広くなります。",
    },
    "report.caption.learning": {
        "en": "How the model improved with each training: higher AUC and lower Brier are better.",
        "ja": "学習のたびに判定モデルがどう良くなったか。AUC は高いほど、Brier は低いほど"
        "良い値です。",
    },
    "report.tech.summary": {"en": "Technical figures", "ja": "技術的な数値"},
    "suspects.rule": {
        "en": '● marks a liked photo once "wrong?" reaches {like}, a disliked one once it '
        "reaches {dislike}: each label's bar is how sure the model is, on average, of the "
        "photos you gave the other label.",
        "ja": "●は、「好き」の写真なら「誤り？」が {like}、「好きでない」の写真なら {dislike} "
        "に達したものに付きます。それぞれの基準は、もう一方のラベルを付けた写真に対する"
        "判定モデルの確信度の平均です。",
    },
    "report.js.label.like": {"en": "like", "ja": "好き"},
    "report.js.label.dislike": {"en": "dislike", "ja": "好きでない"},
    "report.js.label.unsure": {"en": "unsure", "ja": "保留"},
    "report.js.badge.suspect": {"en": "suspect", "ja": "疑わしいラベル"},
    "report.js.badge.burst": {"en": "burst of {n}", "ja": "連写 {n} 枚"},
    "report.js.shown": {
        "en": "Showing {shown} of {total}; more appear as you scroll.",
        "ja": "{total} 枚のうち {shown} 枚を表示中です。スクロールすると続きが表示されます。",
    },
    "report.js.more": {"en": "Show {n} more", "ja": "さらに {n} 枚を表示"},
    "report.js.none": {"en": "none", "ja": "なし"},
    "report.js.similarity": {"en": "similarity {value}", "ja": "類似度 {value}"},
    "report.js.close": {"en": "close ✕", "ja": "閉じる ✕"},
    "report.js.score.line": {
        "en": "score {score} → {proposal} · {folder}",
        "ja": "スコア {score} → {proposal}・{folder}",
    },
    "report.js.score.training": {
        "en": "score {score} → {proposal} (in training as {label}) · {folder}",
        "ja": "スコア {score} → {proposal}（学習では「{label}」）・{folder}",
    },
    "report.js.suspect": {
        "en": "suspect #{rank}: {pct}% chance its label is wrong (out-of-fold score {oof})",
        "ja": "疑わしいラベル #{rank}: ラベルが誤っている見込みは {pct}% "
        "です（交差検証でのスコア {oof}）",
    },
    "report.js.burst": {
        "en": "one of a burst of {n} near-duplicates",
        "ja": "ほぼ同じ画像 {n} 枚の連写のうちの 1 枚です",
    },
    "report.js.nearest.liked": {
        "en": "Nearest liked training images",
        "ja": "いちばん近い「好き」の学習画像",
    },
    "report.js.nearest.disliked": {
        "en": "Nearest disliked training images",
        "ja": "いちばん近い「好きでない」の学習画像",
    },
    "report.js.old_browser": {
        "en": "This browser cannot unpack the report's data. Open it in a current Chrome, Edge, "
        "Firefox or Safari.",
        "ja": "このブラウザーではレポートのデータを展開できません。"
        "最新の Chrome、Edge、Firefox、Safari で開いてください。",
    },
    "report.js.no_thumbnail": {
        "en": "no thumbnail: the image could not be decoded",
        "ja": "サムネイルなし（画像を読み込めませんでした）",
    },
}
