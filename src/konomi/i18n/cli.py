"""Messages of the command line (`konomi.cli`): what each command prints, in English and
Japanese. Whole sentences with `{fields}`; nothing here is glued from fragments."""

MESSAGES: dict[str, dict[str, str]] = {
    # -- shared ----------------------------------------------------------------------------
    "cli.more": {"en": "… and {n} more", "ja": "…ほか {n} 件"},
    "cli.waiting": {
        "en": "Waiting for another konomi command ({holder}) to finish…",
        "ja": "別の konomi コマンド（{holder}）の終了を待っています…",
    },
    "cli.interrupted": {
        "en": "Interrupted. Nothing is left half-done: the next command repairs the journal.",
        "ja": "中断しました。途中で止まった移動はありません"
        "（次のコマンドがジャーナルを修復します）。",
    },
    "cli.unexpected": {
        "en": "unexpected {kind}: {what}",
        "ja": "予期しないエラー（{kind}）: {what}",
    },
    "cli.unexpected.hint": {
        "en": "A bug in konomi: run again with --debug for the details and please report it. "
        "No image is lost: the next command finishes or rolls back any half-done move.",
        "ja": "konomi の不具合です。--debug を付けて実行し直すと詳細が表示されます。"
        "お手数ですが報告をお願いします。画像は失われていません。途中の移動は、"
        "次のコマンドが完了させるか元に戻します。",
    },
    "cli.int8.used": {
        "en": "Using int8: it scores your labelled images like fp32 (checked once per set of "
        "labels).",
        "ja": "int8 のエンコーダーを使います。ラベル付きの画像で fp32 "
        "と同じ採点結果になることを確認済みです（ラベルが変わるたびに確認し直します）。",
    },
    "cli.skipped.left": {
        "en": "{n} files left where they are:",
        "ja": "{n} 個のファイルは移動せず、元の場所に残しました:",
        "count": "n",
        "en:1": "1 file left where it is:",
    },
    "cli.skipped.unread": {
        "en": "{n} files could not be read:",
        "ja": "{n} 個のファイルを読み込めませんでした:",
        "count": "n",
        "en:1": "1 file could not be read:",
    },
    "cli.repaired": {
        "en": "Repaired an interrupted run: moves finished {finished}, rolled back {rolled_back}.",
        "ja": "中断された処理を修復しました"
        "（移動の完了 {finished} 件、取り消し {rolled_back} 件）。",
    },
    # -- check-env ---------------------------------------------------------------------------
    # -- check-env's rows: what was checked, what was found, what to do --------------------------
    "check.python_fix": {
        "en": "Install Python 3.10 or newer.",
        "ja": "Python 3.10 以降を入れてください。",
    },
    "check.package": {"en": "package {name}", "ja": "パッケージ {name}"},
    "check.package_fix": {
        "en": "Run: {reinstall}",
        "ja": "{reinstall} を実行してください。",
    },
    "check.missing": {"en": "missing", "ja": "ありません"},
    "check.providers": {"en": "ONNX Runtime providers", "ja": "ONNX Runtime のプロバイダー"},
    "check.model": {"en": "model {model}", "ja": "エンコーダー {model}"},
    "check.model_files": {"en": "model files", "ja": "エンコーダーのファイル"},
    "check.model_loads": {"en": "model loads", "ja": "エンコーダーの読み込み"},
    "check.model_loads_yes": {
        "en": "input {size}x{size} px, embedding {dim}-d, on {provider}",
        "ja": "入力 {size}x{size} px、埋め込み {dim} 次元、{provider} で実行",
    },
    "check.folder_fix": {
        "en": "Create the workspace's folders: {cmd} init {root}",
        "ja": "作業フォルダーを作ってください: {cmd} init {root}",
    },
    "check.train_fix.like": {
        "en": "Put liked images in {folder} (about 200).",
        "ja": "{folder} に好きな画像を入れてください（200 枚ほど）。",
    },
    "check.train_fix.dislike": {
        "en": "Put disliked images in {folder} (about 200).",
        "ja": "{folder} に好きでない画像を入れてください（200 枚ほど）。",
    },
    "check.images": {"en": "{n} images", "ja": "画像 {n} 枚", "count": "n", "en:1": "1 image"},
    "check.images_to_sort": {
        "en": "{n} images (new images to sort)",
        "ja": "画像 {n} 枚（これから振り分ける新しい画像）",
        "count": "n",
        "en:1": "1 image (new images to sort)",
    },
    "cli.check.col.check": {"en": "check", "ja": "項目"},
    "cli.check.col.status": {"en": "status", "ja": "状態"},
    "cli.check.col.fix": {"en": "what to do", "ja": "対処"},
    "cli.check.failed": {
        "en": "{n} required checks failed. See 'what to do' above.",
        "ja": "必須の確認項目のうち {n} 件が通りませんでした。上の「対処」を見てください。",
        "count": "n",
        "en:1": "1 required check failed. See 'what to do' above.",
    },
    "cli.check.passed": {
        "en": "All required checks passed.",
        "ja": "必須の確認項目はすべて問題ありません。",
    },
    # -- embed -------------------------------------------------------------------------------
    "cli.embed.speed": {"en": " ({rate:.1f} images/s)", "ja": "（毎秒 {rate:.1f} 枚）"},
    "cli.embed.done": {
        "en": "Embedded {new} new, {cached} cached, {unreadable} unreadable in {seconds:.1f} s"
        "{speed}",
        "ja": "埋め込みを計算しました: 新規 {new} 枚、キャッシュ済み {cached} 枚、読めない画像 "
        "{unreadable} 枚（{seconds:.1f} 秒{speed}）",
    },
    "cli.embed.nothing": {
        "en": "No images under {data}/. konomi reads data/train/like, data/train/dislike, "
        "data/unlabeled and data/classified: put new photos in data/unlabeled/ ({cmd} init "
        "creates the folders; or pass the workspace folder with --root).",
        "ja": "{data}/ に画像がありません。konomi が読むのは data/train/like、data/train/dislike、"
        "data/unlabeled、data/classified です。新しい写真は data/unlabeled/ に入れてください"
        "（フォルダーは {cmd} init で作れます。別の作業フォルダーなら --root で指定します）。",
    },
    # -- train -------------------------------------------------------------------------------
    "cli.train.both": {
        "en": "--target-precision chooses the thresholds itself.",
        "ja": "--target-precision はしきい値を自動で決めます。",
    },
    "cli.train.both.hint": {
        "en": "Pass either --target-precision or --like/--dislike-threshold, not both.",
        "ja": "--target-precision と --like/--dislike-threshold は、"
        "どちらか一方だけを指定してください。",
    },
    "cli.train.done": {
        "en": "Trained head [bold]{id}[/] on {like} like / {dislike} dislike ({new} newly "
        "embedded).",
        "ja": "好き {like} 枚・好きでない {dislike} 枚から判定モデル [bold]{id}[/] を学習しました"
        "（新たに埋め込んだ画像 {new} 枚）。",
    },
    "cli.train.kept": {
        "en": "Labels and settings unchanged since head [bold]{id}[/] ({like} like / {dislike} "
        "dislike): kept it, no new head trained.",
        "ja": "判定モデル [bold]{id}[/] の学習時からラベルも設定も変わっていないため"
        "（好き {like} 枚・好きでない {dislike} 枚）、新しく学習せずにそのまま使います。",
    },
    "cli.train.loo": {"en": "leave-one-out", "ja": "1 枚ずつ除いた交差検証"},
    "cli.train.kfold": {"en": "{k}-fold cross-validation", "ja": "{k} 分割交差検証"},
    "cli.train.figures": {
        "en": "{how}: AUC {auc:.3f}, accuracy {acc:.1%}, Brier {brier:.3f} (0 is perfect, 0.25 "
        "is a coin toss)",
        "ja": "{how}での評価: AUC {auc:.3f}、正解率 {acc:.1%}、Brier {brier:.3f}（0 が完璧、"
        "0.25 は毎回 50% と答えた場合と同じ）",
    },
    "cli.train.figures.rough": {
        "en": "{how}: AUC {auc:.2f} ({level:.0%} interval {auc_lo:.2f}–{auc_hi:.2f}), accuracy "
        "{acc:.0%} ({acc_lo:.0%}–{acc_hi:.0%}), Brier {brier:.3f}",
        "ja": "{how}での評価: AUC {auc:.2f}（{level:.0%} 区間 {auc_lo:.2f}〜{auc_hi:.2f}）、"
        "正解率 {acc:.0%}（{acc_lo:.0%}〜{acc_hi:.0%}）、Brier {brier:.3f}",
    },
    "cli.train.rough.why": {
        "en": "With {like} like / {dislike} dislike these figures are rough: the interval shows "
        "how far they could move with other labels of the same number. About 30 of each narrows "
        "it.",
        "ja": "好き {like} 枚・好きでない {dislike} 枚ではまだ目安にすぎません。"
        "区間は、同じ枚数の別のラベルならこの数値がどこまでぶれうるかを示します。"
        "それぞれ 30 枚ほどあれば幅が狭まります。",
    },
    "cli.train.unmeasurable": {
        "en": "Quality cannot be measured yet with {like} like / {dislike} dislike: at least "
        "{n} of each are needed for AUC and accuracy to mean anything (about 30 of each for "
        "figures you can trust).",
        "ja": "好き {like} 枚・好きでない {dislike} 枚では、まだ精度を測れません。"
        "AUC や正解率に意味が出るのはそれぞれ {n} 枚以上から、信頼できる数値にはそれぞれ 30 枚ほど"
        "必要です。",
    },
    "cli.train.thresholds": {
        "en": "Thresholds: like ≥ {like:.2f}, dislike ≤ {dislike:.2f}",
        "ja": "しきい値: {like:.2f} 以上なら「好き」、{dislike:.2f} 以下なら「好きでない」",
    },
    "cli.train.expected": {
        "en": "Expected from cross-validation: like proposals right {like}, dislike proposals "
        "right {dislike}; {unsure:.0%} of images unsure.",
        "ja": "交差検証からの見込み: 「好き」の提案の正解率 {like}、「好きでない」の提案の正解率 "
        "{dislike}。{unsure:.0%} の画像は「保留」になります。",
    },
    "cli.train.unreached.like": {
        "en": "No like threshold reaches {target:.0%} precision on these labels: nothing will be "
        "proposed as like. Add labels or lower the target.",
        "ja": "今のラベルでは、どのしきい値でも「好き」の提案の正解率が {target:.0%} に届きません。"
        "「好き」は何も提案されません。ラベルを増やすか、目標を下げてください。",
    },
    "cli.train.unreached.dislike": {
        "en": "No dislike threshold reaches {target:.0%} precision on these labels: nothing will "
        "be proposed as dislike. Add labels or lower the target.",
        "ja": "今のラベルでは、どのしきい値でも「好きでない」の提案の正解率が {target:.0%} に"
        "届きません。「好きでない」は何も提案されません。ラベルを増やすか、目標を下げてください。",
    },
    "cli.note.little": {
        "en": "note: very little data: {like} like / {dislike} dislike. Scores will be rough; "
        "about 200 of each is a good start.",
        "ja": "注意: データがとても少ない状態です（好き {like} 枚・好きでない {dislike} 枚）。"
        "スコアは大まかなものになります。まずはそれぞれ 200 枚ほどを目安にしてください。",
    },
    "cli.note.unbalanced.like": {
        "en": "note: very unbalanced: {ratio:.1f}x more like images. Add some disliked ones so "
        "the model sees both sides.",
        "ja": "注意: 「好き」の画像が {ratio:.1f} 倍多く、偏っています。"
        "両方の傾向を学べるよう、「好きでない」画像も加えてください。",
    },
    "cli.note.unbalanced.dislike": {
        "en": "note: very unbalanced: {ratio:.1f}x more dislike images. Add some liked ones so "
        "the model sees both sides.",
        "ja": "注意: 「好きでない」の画像が {ratio:.1f} 倍多く、偏っています。"
        "両方の傾向を学べるよう、「好き」の画像も加えてください。",
    },
    "cli.train.suspects": {
        "en": "{n} training images look mislabelled: run [cyan]{cmd} suspects[/]",
        "ja": "学習用の画像のうち {n} 枚はラベルが間違っているようです。"
        "[cyan]{cmd} suspects[/] で確認してください。",
        "count": "n",
        "en:1": "1 training image looks mislabelled: run [cyan]{cmd} suspects[/]",
        "en:0": "No training image looks mislabelled.",
        "ja:0": "学習用の画像には、ラベルの誤りの疑いはありません。",
    },
    # -- classify ----------------------------------------------------------------------------
    "cli.plan.group": {
        "en": "→ {folder}/ ({n}):",
        "ja": "→ {folder}/（{n} 枚）:",
    },
    "cli.classify.nothing": {
        "en": "Nothing to sort: no images in {folder}/.",
        "ja": "振り分ける画像がありません（{folder}/ は空です）。",
    },
    "cli.classify.dry": {
        "en": "Dry run: nothing moved. {n} images would be sorted.",
        "ja": "試し実行（--dry-run）なので何も移動していません。"
        "実行すると {n} 枚が振り分けられます。",
        "count": "n",
        "en:1": "Dry run: nothing moved. 1 image would be sorted.",
        "en:0": "Dry run: nothing moved, and there is nothing to sort.",
        "ja:0": "試し実行（--dry-run）なので何も移動していません。振り分ける画像もありません。",
    },
    "cli.classify.sorted": {
        "en": "Sorted {n} images with head {id}:",
        "ja": "判定モデル {id} で {n} 枚を振り分けました:",
        "count": "n",
        "en:1": "Sorted 1 image with head {id}:",
    },
    "cli.classify.counts": {
        "en": "like {like} (≥ {like_t:.2f}) · unsure {unsure} · dislike {dislike} "
        "(≤ {dislike_t:.2f})",
        "ja": "好き {like} 枚（{like_t:.2f} 以上）・保留 {unsure} 枚・好きでない {dislike} 枚"
        "（{dislike_t:.2f} 以下）",
    },
    "cli.classify.embedded": {
        "en": "embedded {n} new images at {rate:.1f} images/s",
        "ja": "新しい画像 {n} 枚の埋め込みを計算しました（毎秒 {rate:.1f} 枚）",
        "count": "n",
        "en:1": "embedded 1 new image at {rate:.1f} images/s",
    },
    "cli.classify.next": {
        "en": "Next: look through data/classified/like and data/classified/dislike and move every "
        "image you judged into data/train/ — mistakes to the other label, the ones you agree "
        "with too (each is a label) — or run [cyan]{cmd} review[/], which does both; then "
        "train again.",
        "ja": "次は data/classified/like と data/classified/dislike を見て、判断した画像を"
        "すべて data/train/ に移してください。間違いは反対のラベルへ、納得したものもそのまま"
        "（どちらも 1 枚のラベルになります）。[cyan]{cmd} review[/] ならその両方をまとめて"
        "できます。そのあと、もう一度学習させてください。",
    },
    # -- score -------------------------------------------------------------------------------
    "cli.score.done": {
        "en": "Wrote {out}: {n} images scored by head {id} — like {like}, unsure {unsure}, "
        "dislike {dislike}",
        "ja": "{out} に書き出しました: 判定モデル {id} で {n} 枚を採点"
        "（好き {like}・保留 {unsure}・好きでない {dislike}）",
        "count": "n",
        "en:1": "Wrote {out}: 1 image scored by head {id} — like {like}, unsure {unsure}, "
        "dislike {dislike}",
    },
    "cli.score.top": {"en": "top:    {names}", "ja": "上位: {names}"},
    "cli.score.bottom": {"en": "bottom: {names}", "ja": "下位: {names}"},
    # -- undo --------------------------------------------------------------------------------
    "cli.undo.nothing": {"en": "Nothing to undo.", "ja": "元に戻す操作はありません。"},
    "cli.undo.kind.classify": {"en": "classify", "ja": "振り分け"},
    "cli.undo.kind.review": {"en": "review", "ja": "判定ページでの判定"},
    "cli.undo.done": {
        "en": "Undid {kind} (operation {op}): {n} files moved back:",
        "ja": "{kind}（操作 {op}）を取り消し、{n} 個のファイルを元の場所に戻しました:",
        "count": "n",
        "en:1": "Undid {kind} (operation {op}): 1 file moved back:",
    },
    # -- round -------------------------------------------------------------------------------
    "cli.round.suggest": {
        "en": "Suggested this round: look at {n} of the {waiting} waiting, most informative "
        "first — [cyan]{cmd} review[/] (confirmations count as labels too), then run "
        "[cyan]{cmd} round[/] again.",
        "ja": "今回のおすすめ: 判定待ちの {waiting} 枚のうち {n} 枚を、判定すると学習効果の"
        "大きい画像から順に見てください。[cyan]{cmd} review[/] で判定し（提案どおりと確認した"
        "画像もラベルになります）、終わったらもう一度 [cyan]{cmd} round[/] を実行してください。",
    },
    "cli.round.nothing": {
        "en": "Nothing waits for review: put new images in data/unlabeled/.",
        "ja": "判定待ちの画像はありません。新しい画像を data/unlabeled/ に入れてください。",
    },
    "cli.round.done": {
        "en": "Round done in {seconds:.1f} s.",
        "ja": "ループを 1 周しました（{seconds:.1f} 秒）。",
    },
    # -- suspects, explain, models, report ----------------------------------------------------
    "cli.skipped.one": {"en": "skipped {path}: {why}", "ja": "{path} を読み飛ばしました: {why}"},
    "cli.label.like": {"en": "like", "ja": "好き"},
    "cli.label.dislike": {"en": "dislike", "ja": "好きでない"},
    "cli.proposal.like": {"en": "like", "ja": "好き"},
    "cli.proposal.dislike": {"en": "dislike", "ja": "好きでない"},
    "cli.proposal.unsure": {"en": "unsure", "ja": "保留"},
    "cli.suspects.head": {
        "en": "From head {id}'s cross-validation: {n} training images, [bold]{flagged}[/] look "
        "mislabelled.",
        "ja": "判定モデル {id} の交差検証より: 学習用の画像 {n} 枚のうち、[bold]{flagged}[/] 枚は"
        "ラベルが間違っているようです。",
        "count": "flagged",
        "en:0": "From head {id}'s cross-validation: {n} training images, none looks mislabelled.",
        "ja:0": "判定モデル {id} の交差検証より: 学習用の画像 {n} 枚に、"
        "ラベルの誤りの疑いはありません。",
    },
    "cli.suspects.fresh": {
        "en": "From a fresh cross-validation of data/train (it changed since the last train): "
        "{n} training images, [bold]{flagged}[/] look mislabelled.",
        "ja": "data/train は前回の学習から変わったため、交差検証をやり直しました: 学習用の画像 "
        "{n} 枚のうち、[bold]{flagged}[/] 枚はラベルが間違っているようです。",
        "count": "flagged",
        "en:0": "From a fresh cross-validation of data/train (it changed since the last "
        "train): {n} training images, none looks mislabelled.",
        "ja:0": "data/train は前回の学習から変わったため、交差検証をやり直しました: "
        "学習用の画像 {n} 枚に、ラベルの誤りの疑いはありません。",
    },
    "cli.suspects.col.rank": {"en": "#", "ja": "#"},
    "cli.suspects.col.wrong": {"en": "wrong?", "ja": "誤り？"},
    "cli.suspects.col.label": {"en": "label", "ja": "ラベル"},
    "cli.suspects.col.score": {"en": "score", "ja": "スコア"},
    "cli.suspects.col.path": {"en": "path", "ja": "パス"},
    "cli.suspects.legend": {
        "en": "wrong? = estimated chance the label is wrong; score = how much the rest of your "
        "labels say you like it; ● = likely mislabelled.",
        "ja": "誤り？ = ラベルが間違っている見込み、スコア = "
        "ほかのラベルから見てどれだけ好みか、● = ラベルが間違っている可能性が高いもの。",
    },
    "cli.suspects.next": {
        "en": "Still like it? Leave it. If not, move it to the other folder of data/train/ (or "
        "use [cyan]{cmd} review[/]), then train again.",
        "ja": "それでも好きなら、そのままにしてください。そうでなければ data/train/ の反対側の"
        "フォルダーに移し（[cyan]{cmd} review[/] でもできます）、もう一度学習させてください。",
    },
    "cli.explain.score": {
        "en": "[bold]{path}[/]: score {score:.2f} → {proposal} (head {id})",
        "ja": "[bold]{path}[/]: スコア {score:.2f} → {proposal}（判定モデル {id}）",
    },
    "cli.explain.labelled": {
        "en": "[bold]{path}[/]: score {score:.2f} → {proposal} (head {id}, labelled {label})",
        "ja": "[bold]{path}[/]: スコア {score:.2f} → {proposal}（判定モデル {id}、"
        "ラベルは「{label}」）",
    },
    "cli.explain.liked": {"en": "nearest liked:   ", "ja": "似ている「好き」:      "},
    "cli.explain.disliked": {"en": "nearest disliked:", "ja": "似ている「好きでない」:"},
    "cli.explain.none": {"en": "none", "ja": "なし"},
    "cli.explain.failed": {
        "en": "{n} images could not be explained: they cannot be read (see above).",
        "ja": "{n} 枚の画像は読み込めないため、説明できませんでした（上の一覧を参照）。",
        "count": "n",
        "en:1": "1 image could not be explained: it cannot be read (see above).",
    },
    "cli.models.none": {
        "en": "No saved heads yet. Train one: [cyan]{cmd} train[/]",
        "ja": "保存された判定モデルはまだありません。[cyan]{cmd} train[/] で学習させてください。",
    },
    "cli.models.col.id": {"en": "id", "ja": "ID"},
    "cli.models.col.date": {"en": "date", "ja": "日時"},
    "cli.models.col.like": {"en": "like", "ja": "好き"},
    "cli.models.col.dislike": {"en": "dislike", "ja": "好きでない"},
    "cli.models.col.auc": {"en": "AUC", "ja": "AUC"},
    "cli.models.col.brier": {"en": "Brier", "ja": "Brier"},
    "cli.models.col.thresholds": {"en": "thresholds", "ja": "しきい値"},
    "cli.models.col.suspects": {"en": "suspects", "ja": "疑わしいラベル"},
    "cli.models.legend": {
        "en": "* = current head. Roll back with [cyan]{cmd} models use ID[/].",
        "ja": "* = 使用中の判定モデル。[cyan]{cmd} models use ID[/] で以前のものに戻せます。",
    },
    "cli.models.bad_id": {
        "en": "'{id}' is not a head id.",
        "ja": "「{id}」は判定モデルの ID ではありません。",
    },
    "cli.models.bad_id.hint": {
        "en": "List them: {cmd} models",
        "ja": "一覧は {cmd} models で表示できます。",
    },
    "cli.models.used": {
        "en": "Current head is now [bold]{id}[/] (AUC {auc}, Brier {brier}). The next classify "
        "and score use it.",
        "ja": "使用中の判定モデルを [bold]{id}[/] に切り替えました（AUC {auc}、Brier {brier}）。"
        "次の classify と score から使われます。",
    },
    "cli.report.done": {
        "en": "Wrote {out} ({mb:.1f} MB): images scored by head {id}: {n}; suspect labels: "
        "{suspects}; bursts of near-duplicates: {groups}.",
        "ja": "{out} に書き出しました（{mb:.1f} MB）。判定モデル {id} で {n} 枚を採点、"
        "疑わしいラベル {suspects} 件、ほぼ同じ画像の連写 {groups} 組です。",
    },
    # -- review ------------------------------------------------------------------------------
    "cli.review.start": {
        "en": "konomi review: {n} images to review, head {id}.",
        "ja": "konomi review: 判定待ちの画像 {n} 枚、判定モデル {id}。",
        "count": "n",
        "en:1": "konomi review: 1 image to review, head {id}.",
    },
    "cli.review.start.nohead": {
        "en": "konomi review: {n} images to review, no trained head yet.",
        "ja": "konomi review: 判定待ちの画像 {n} 枚（判定モデルはまだ学習していません）。",
        "count": "n",
        "en:1": "konomi review: 1 image to review, no trained head yet.",
    },
    "cli.review.start.scanning": {
        "en": "konomi review: {n} images to start with; the whole library is checked in the "
        "background (the page shows how far).",
        "ja": "konomi review: まず {n} 枚から判定できます。ライブラリ全体はバックグラウンドで"
        "確認しています（進み具合はページに表示されます）。",
    },
    "cli.review.suggested": {
        "en": "{n} suggested this round ({cmd} round): the page shows the most informative first.",
        "ja": "今回のおすすめは {n} 枚です（{cmd} round より）。判定すると学習効果の大きい画像から"
        "順に表示します。",
    },
    "cli.review.note": {"en": "note:", "ja": "注意:"},
    "cli.review.link": {
        "en": "Open this link (it carries this session's token); Ctrl-C stops the server:",
        "ja": "このリンクを開いてください（このセッション用のトークン付き）。Ctrl-C でサーバーを"
        "止めます:",
    },
    "cli.review.nobrowser": {
        "en": "(No graphical browser found here: open the link yourself.)",
        "ja": "（ここではブラウザーを開けません。リンクを手動で開いてください。）",
    },
    "cli.review.stopped": {
        "en": "Stopped. This session: {liked} liked, {disliked} disliked, {skipped} skipped; "
        "{left} left.",
        "ja": "停止しました。このセッションの判定: 好き {liked} 枚、好きでない {disliked} 枚、"
        "スキップ {skipped} 枚。残り {left} 枚。",
    },
    "cli.review.next": {
        "en": "Next: [cyan]{cmd} round[/] (or train) to learn from them.",
        "ja": "次は [cyan]{cmd} round[/]（または train）で、判定した内容を学習させてください。",
    },
    # -- simulate ----------------------------------------------------------------------------
    "cli.sim.head": {
        "en": "Unknown head '{head}'.",
        "ja": "「{head}」という種類の判定モデルはありません。",
    },
    "cli.sim.head.hint": {"en": "Choose one of: {kinds}.", "ja": "次から選んでください: {kinds}"},
    "cli.sim.source": {
        "en": "Say what to simulate on: --embeddings FILE.npz or --from-workspace (not both).",
        "ja": "何でシミュレーションするかを指定してください: --embeddings FILE.npz か "
        "--from-workspace のどちらか一方です。",
    },
    "cli.sim.source.hint": {
        "en": "Example: {cmd} simulate --from-workspace --out sim/",
        "ja": "例: {cmd} simulate --from-workspace --out sim/",
    },
    "cli.sim.title.own": {
        "en": "your labelled images ({name})",
        "ja": "あなたのラベル付き画像（{name}）",
    },
    "cli.sim.wrote": {
        "en": "Wrote {rounds}, {summary} and {png} in {seconds:.0f} s.",
        "ja": "{rounds}、{summary}、{png} を書き出しました（{seconds:.0f} 秒）。",
    },
    "cli.sim.exported": {
        "en": "Your labelled images: {like} like / {dislike} dislike from {data}/train/, saved "
        "as {path}.",
        "ja": "{data}/train/ のラベル付き画像（好き {like}・好きでない {dislike}）を {path} に"
        "保存しました。",
    },
    "cli.sim.table": {
        "en": "Held-out AUC by strategy (mean over seeds)",
        "ja": "戦略ごとの検証用データでの AUC（シードの平均）",
    },
    "cli.sim.col.strategy": {"en": "strategy", "ja": "戦略"},
    "cli.sim.col.reach": {
        "en": "reviews to AUC {target:.2f}",
        "ja": "AUC {target:.2f} までの判定数",
    },
    "cli.sim.col.common": {"en": "AUC at {n:.0f} reviews", "ja": "判定 {n:.0f} 枚での AUC"},
    "cli.sim.col.final": {"en": "final AUC", "ja": "最終 AUC"},
    "cli.sim.col.reviews": {"en": "after reviews", "ja": "判定数"},
    "cli.sim.col.labels": {"en": "labels", "ja": "ラベル数"},
    "cli.sim.never": {"en": "never", "ja": "到達せず"},
    # -- init --------------------------------------------------------------------------------
    "cli.init.created": {
        "en": "Created a konomi workspace in {root}:",
        "ja": "{root} に konomi の作業フォルダーを作りました:",
    },
    "cli.init.ready": {
        "en": "{root} is already a konomi workspace: nothing to add.",
        "ja": "{root} はすでに konomi の作業フォルダーです。追加するものはありません。",
    },
    "cli.init.toml": {
        "en": "(every setting, commented out with its default)",
        "ja": "（すべての設定を既定値とともにコメントとして記載）",
    },
    "cli.init.toml.kept": {
        "en": "(already there: left as it is)",
        "ja": "（既にあるため、そのままにしました）",
    },
    "cli.init.next": {
        "en": "Next:\n"
        "  1. Put the photos to sort in data/unlabeled/ (or list your photo folders as "
        "libraries in konomi.toml) and run [cyan]{cmd} review{root}[/]: it starts from typical "
        "images of your photos and learns your taste as you judge them in your browser — no "
        "sorting by hand first.\n"
        "  2. Then run [cyan]{cmd} round{root}[/]: it sorts data/unlabeled into "
        "data/classified/ and says how many images to review next.\n"
        "  Already have liked and disliked images sorted? Put them in data/train/like/ and "
        "data/train/dislike/ and start with [cyan]{cmd} round{root}[/] instead.\n"
        "Check the setup any time with [cyan]{cmd} check-env{root}[/].",
        "ja": "次にすること:\n"
        "  1. 振り分けたい写真を data/unlabeled/ に入れ（または konomi.toml の libraries に写真の"
        "フォルダーを書き）、[cyan]{cmd} review{root}[/] を実行します。写真の中から代表的な画像を"
        "選んでブラウザーに表示し、判定するたびに好みを学習します。先に手で仕分ける必要は"
        "ありません。\n"
        "  2. 続けて [cyan]{cmd} round{root}[/] を実行します。data/unlabeled の画像を "
        "data/classified/ に振り分け、次に何枚判定すればよいかを表示します。\n"
        "  好きな画像と好きでない画像をすでに仕分けてある場合は、data/train/like/ と "
        "data/train/dislike/ に入れ、代わりに [cyan]{cmd} round{root}[/] から始めてください。\n"
        "環境の確認は、いつでも [cyan]{cmd} check-env{root}[/] でできます。",
    },
    "cli.init.two_roots": {
        "en": "DIR and --root name two different folders.",
        "ja": "DIR と --root で別々のフォルダーが指定されています。",
    },
    "cli.init.two_roots.hint": {
        "en": "Pass the workspace folder once: {cmd} init ~/my-taste",
        "ja": "作業フォルダーは 1 つだけ指定してください（例: {cmd} init ~/my-taste）。",
    },
    "init.not_a_folder": {
        "en": "{path} is a file, not a folder.",
        "ja": "{path} はファイルで、フォルダーではありません。",
    },
    "init.not_a_folder.hint": {
        "en": "Pass a folder for the workspace: {cmd} init ~/my-taste",
        "ja": "作業フォルダーにするフォルダーを指定してください（例: {cmd} init ~/my-taste）。",
    },
    "init.cannot_create": {
        "en": "Cannot create {path} ({why}).",
        "ja": "{path} を作成できません（{why}）。",
    },
    "init.cannot_create.hint": {
        "en": "Pick a folder you can write to, or fix its permissions.",
        "ja": "書き込みできるフォルダーを選ぶか、フォルダーの権限を直してください。",
    },
    # -- konomi.toml, as init writes it ------------------------------------------------------
    "init.toml.title": {
        "en": "konomi settings for this workspace. Every line below is commented out and shows "
        "the default.",
        "ja": "この作業フォルダーの konomi の設定です。以下の各行はコメントになっていて、既定値を"
        "示しています。",
    },
    "init.toml.how": {
        "en": "To change a setting, remove the leading '# ' of its line and edit the value. "
        "Command-line flags override these.",
        "ja": "変更するには、その行の先頭の「# 」を消して値を書き換えます。コマンドラインの"
        "オプションはここでの設定より優先されます。",
    },
    "init.key.model": {
        "en": "Image encoder: a Hugging Face repo id, a model folder or an .onnx file.",
        "ja": "画像エンコーダー: Hugging Face のリポジトリ ID、モデルのフォルダー、または .onnx "
        "ファイル。",
    },
    "init.key.like_threshold": {
        "en": "A score at or above this is proposed as like (0 to 1).",
        "ja": "スコアがこの値以上なら「好き」と提案します（0〜1）。",
    },
    "init.key.dislike_threshold": {
        "en": "A score at or below this is proposed as dislike (0 to 1).",
        "ja": "スコアがこの値以下なら「好きでない」と提案します（0〜1）。",
    },
    "init.key.target_precision": {
        "en": "0: use the thresholds above; else choose them so that this share of proposals "
        "is right (e.g. 0.95).",
        "ja": "0 なら上のしきい値を使います。0 より大きければ、提案のうちこの割合が正しくなる"
        "ようにしきい値を自動で決めます（例: 0.95）。",
    },
    "init.key.head": {
        "en": "Model trained on your labels: auto (= kernel), kernel, logreg, svm, mlp or knn.",
        "ja": "ラベルから学習する判定モデルの種類: auto（= kernel）、kernel、logreg、svm、mlp、"
        "knn。",
    },
    "init.key.device": {
        "en": "Where the encoder runs: auto, cpu, cuda, coreml, directml or openvino.",
        "ja": "エンコーダーを動かす場所: auto、cpu、cuda、coreml、directml、openvino。",
    },
    "init.key.precision": {
        "en": "fp32, or int8 (faster on the CPU; used only if it scores your labels like fp32).",
        "ja": "fp32 または int8（CPU で高速。ラベル付きの画像で fp32 "
        "と同じ採点結果になる場合だけ使います）。",
    },
    "init.key.batch_size": {
        "en": "Images encoded at once; 0 lets konomi choose from the model.",
        "ja": "一度にエンコードする画像の枚数。0 ならモデルに合わせて自動で決めます。",
    },
    "init.key.language": {
        "en": 'Language of messages: "en" or "ja"; empty: from KONOMI_LANG or the locale.',
        "ja": 'メッセージの言語: "en" または "ja"。空なら KONOMI_LANG かロケールに従います。',
    },
    "init.key.libraries": {
        "en": 'Photo folders scored in place, never moved (e.g. ["~/Pictures"]).',
        "ja": 'その場で採点するだけで、移動はしない写真フォルダー（例: ["~/Pictures"]）。',
    },
    "init.key.ratings_as_labels": {
        "en": "true: star ratings in XMP sidecars count as like / dislike labels.",
        "ja": "true にすると、XMP "
        "サイドカーファイルのレーティングを「好き」「好きでない」のラベルとして扱います。",
    },
    "init.key.like_rating": {
        "en": "With ratings_as_labels: a rating at or above this is a like (1 to 5).",
        "ja": "ratings_as_labels のとき、この値以上のレーティングを「好き」とみなします（1〜5）。",
    },
    "init.key.dislike_rating": {
        "en": "With ratings_as_labels: a rating at or below this (or rejected, -1) is a dislike.",
        "ja": "ratings_as_labels のとき、この値以下のレーティング（または除外 -1）"
        "を「好きでない」とみなします。",
    },
    "init.key.sidecar_name": {
        "en": "XMP sidecar names: with_extension (IMG_1.NEF.xmp) or without_extension (IMG_1.xmp).",
        "ja": "XMP サイドカーファイルの名前: with_extension（IMG_1.NEF.xmp）または "
        "without_extension（IMG_1.xmp）。",
    },
    "init.key.like_text": {
        "en": 'Phrases describing what you like (models with a text encoder), e.g. ["film '
        'grain portraits"].',
        "ja": "好きなものを表す言葉（テキストエンコーダー付きのモデル用）。例: "
        '["フィルムの粒子感のある人物写真"]',
    },
    "init.key.dislike_text": {
        "en": 'Phrases describing what you do not like, e.g. ["screenshots"].',
        "ja": '好きでないものを表す言葉。例: ["スクリーンショット"]',
    },
}
