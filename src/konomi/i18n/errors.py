"""Messages of the errors raised below the CLI: settings, the workspace, the model, the app layer.

Each `KonomiError` is built from one message and one hint here, whole sentences with `{fields}`;
file names, keys and values are filled in, never translated.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # -- konomi.toml -----------------------------------------------------------------------------
    "errors.settings.where_line": {"en": "{file}, line {line}", "ja": "{file} の {line} 行目"},
    "errors.settings.at": {"en": "{where}: {message}", "ja": "{where}: {message}"},
    "errors.settings.example": {"en": "Example: {example}", "ja": "例: {example}"},
    "errors.settings.number": {
        "en": "{where}: '{key}' should be a number, got {value}.",
        "ja": "{where}: '{key}' には数値を指定してください（指定値: {value}）。",
    },
    "errors.settings.range": {
        "en": "{where}: '{key}' should be between {low} and {high}, got {value}.",
        "ja": "{where}: '{key}' には {low} から {high} までの値を指定してください"
        "（指定値: {value}）。",
    },
    "errors.settings.whole": {
        "en": "{where}: '{key}' should be a whole number, got {value}.",
        "ja": "{where}: '{key}' には整数を指定してください（指定値: {value}）。",
    },
    "errors.settings.bool": {
        "en": "{where}: '{key}' should be true or false, got {value}.",
        "ja": "{where}: '{key}' には true か false を指定してください（指定値: {value}）。",
    },
    "errors.settings.text": {
        "en": "{where}: '{key}' should be text in quotes, got {value}.",
        "ja": "{where}: '{key}' には引用符で囲んだ文字列を指定してください（指定値: {value}）。",
    },
    "errors.settings.texts": {
        "en": "{where}: '{key}' should be a list of texts in quotes, got {value}.",
        "ja": "{where}: '{key}' には引用符で囲んだ文字列のリストを指定してください"
        "（指定値: {value}）。",
    },
    "errors.settings.choice": {
        "en": "{where}: '{key}' should be one of {choices}, got {value}.",
        "ja": "{where}: '{key}' には {choices} のいずれかを指定してください（指定値: {value}）。",
    },
    "errors.settings.nested": {
        "en": "{file} is nested too deeply to be settings.",
        "ja": "{file} は入れ子が深すぎて、設定ファイルとして読めません。",
    },
    "errors.settings.nested_hint": {
        "en": "konomi.toml holds plain keys (model = …, like_threshold = …): see {cmd} init.",
        "ja": "konomi.toml には単純なキー（model = …、like_threshold = … など）だけを書きます。"
        "{cmd} init で作られる例を参照してください。",
    },
    "errors.settings.unknown_key": {
        "en": "{where}: unknown key '{key}'.",
        "ja": "{where}: '{key}' という設定キーはありません。",
    },
    "errors.settings.unknown_key_close": {
        "en": "{where}: unknown key '{key}' — did you mean '{close}'?",
        "ja": "{where}: '{key}' という設定キーはありません。'{close}' "
        "の書き間違いではありませんか？",
    },
    "errors.settings.known_keys": {
        "en": "Known keys: {keys}.",
        "ja": "使える設定キー: {keys}",
    },
    "errors.settings.symlink": {
        "en": "{file} is a symbolic link; konomi reads its settings only from a plain file in "
        "the workspace.",
        "ja": "{file} はシンボリックリンクです。konomi は作業フォルダー内の通常のファイルからしか"
        "設定を読みません。",
    },
    "errors.settings.symlink_hint": {
        "en": "Replace the link with a copy of the settings file.",
        "ja": "リンクを設定ファイルのコピーに置き換えてください。",
    },
    "errors.settings.cannot_read": {
        "en": "Cannot read {path} ({reason}).",
        "ja": "{path} を読めません（{reason}）。",
    },
    "errors.settings.not_regular": {
        "en": "{file} is not a regular file.",
        "ja": "{file} は通常のファイルではありません。",
    },
    "errors.settings.not_regular_hint": {
        "en": "Make it a plain text file.",
        "ja": "普通のテキストファイルにしてください。",
    },
    "errors.settings.too_large": {
        "en": "{file} is {size} bytes: too large to be settings.",
        "ja": "{file} は {size} バイトあり、設定ファイルとしては大きすぎます。",
    },
    "errors.settings.too_large_hint": {
        "en": "konomi.toml holds a few plain keys; see {cmd} init for an example.",
        "ja": "konomi.toml には単純なキーを数個書くだけです。{cmd} init で作られる例を"
        "参照してください。",
    },
    "errors.settings.not_utf8": {
        "en": "{file} is not UTF-8 text (byte {byte}).",
        "ja": "{file} は UTF-8 のテキストではありません（{byte} バイト目）。",
    },
    "errors.settings.not_utf8_hint": {
        "en": "Save it as UTF-8, or delete konomi.toml to use the defaults.",
        "ja": "UTF-8 で保存し直すか、konomi.toml を削除して既定の設定を使ってください。",
    },
    "errors.settings.toml": {
        "en": "{file} is not valid TOML: {problem}",
        "ja": "{file} を TOML として読めません: {problem}",
    },
    "errors.settings.toml_hint": {
        "en": "Fix it, or delete konomi.toml to use the defaults.",
        "ja": "書き直すか、konomi.toml を削除して既定の設定を使ってください。",
    },
    "errors.settings.toml_line": {
        "en": "{file}, line {line}, column {column} is not valid TOML — {problem}{shown}",
        "ja": "{file} の {line} 行目 {column} 文字目を TOML として読めません — {problem}{shown}",
    },
    "errors.settings.toml_line_key": {
        "en": "{file}, line {line}, column {column} (key '{key}') is not valid TOML — "
        "{problem}{shown}",
        "ja": "{file} の {line} 行目 {column} 文字目（キー '{key}'）を TOML として読めません — "
        "{problem}{shown}",
    },
    "errors.settings.toml_line_hint": {
        "en": 'Fix that line (text needs quotes: model = "owner/name"), or delete konomi.toml '
        "to use the defaults.",
        "ja": 'その行を直してください（文字列は引用符で囲みます: model = "owner/name"）。'
        "または konomi.toml を削除して既定の設定を使ってください。",
    },
    "errors.settings.thresholds": {
        "en": "Thresholds must satisfy 0 <= dislike ({dislike}) <= like ({like}) <= 1.",
        "ja": "しきい値は 0 <= dislike（{dislike}）<= like（{like}）<= 1 を満たす必要があります。",
    },
    "errors.settings.thresholds_hint": {
        "en": "Example: --like-threshold {like} --dislike-threshold {dislike}",
        "ja": "例: --like-threshold {like} --dislike-threshold {dislike}",
    },
    # -- the workspace ---------------------------------------------------------------------------
    "errors.workspace.not_found": {
        "en": "Workspace folder not found: {path}",
        "ja": "作業フォルダーが見つかりません: {path}",
    },
    "errors.workspace.not_found_hint": {
        "en": "Create a workspace there with: {cmd} init {path} — or pass an existing "
        "workspace with --root, or cd into it.",
        "ja": "{cmd} init {path} で作業フォルダーを作るか、--root で既存の作業フォルダーを"
        "指定するか、作業フォルダーに cd してから実行してください。",
    },
    "errors.workspace.state_is_file": {
        "en": "{path} is a file, but konomi keeps its state in a folder there.",
        "ja": "{path} はファイルですが、konomi はそこにフォルダーを作って状態を保存します。",
    },
    "errors.workspace.state_is_file_hint": {
        "en": "Move that file away (konomi recreates the folder), then run again.",
        "ja": "そのファイルを別の場所へ移してから（フォルダーは konomi が作り直します）、"
        "もう一度実行してください。",
    },
    "errors.workspace.cannot_create_state": {
        "en": "Cannot create {path} ({reason}).",
        "ja": "{path} を作成できません（{reason}）。",
    },
    "errors.workspace.cannot_create_state_hint": {
        "en": "konomi needs a writable workspace for its cache, journal and lock.",
        "ja": "konomi はキャッシュ・移動記録・ロックのために、"
        "書き込める作業フォルダーを必要とします。",
    },
    "errors.workspace.cannot_lock": {
        "en": "Cannot open the workspace lock {path} ({reason}).",
        "ja": "作業フォルダーのロック {path} を開けません（{reason}）。",
    },
    "errors.workspace.cannot_lock_hint": {
        "en": "konomi needs a writable .konomi/ folder in the workspace.",
        "ja": "konomi には、作業フォルダー内に書き込める .konomi/ フォルダーが必要です。",
    },
    "errors.workspace.orphaned": {
        "en": "Another konomi command was working in this workspace ({holder}), and this "
        "command's terminal or launcher has gone while it waited.",
        "ja": "別の konomi コマンドがこの作業フォルダーで処理中（{holder}）で、待っている間に"
        "このコマンドを起動した端末またはランチャーが終了しました。",
    },
    "errors.workspace.orphaned_hint": {
        "en": "Run this command again if it is still wanted.",
        "ja": "まだ必要なら、このコマンドをもう一度実行してください。",
    },
    "errors.workspace.busy": {
        "en": "Another konomi command is working in this workspace ({holder}).",
        "ja": "別の konomi コマンドがこの作業フォルダーで処理中です（{holder}）。",
    },
    "errors.workspace.unknown_holder": {"en": "unknown process", "ja": "不明なプロセス"},
    "errors.workspace.busy_hint": {
        "en": "Wait for it to finish (or stop it), then run this command again.",
        "ja": "それが終わるのを待つか止めてから、このコマンドをもう一度実行してください。",
    },
    # -- files and folders (OSError) -------------------------------------------------------------
    "errors.settings.syntax": {"en": "syntax error", "ja": "書き方の誤り"},
    "errors.os.failed": {
        "en": "{problem}",
        "ja": "ファイルの操作に失敗しました（{problem}）。",
    },
    "errors.os.failed_at": {
        "en": "{problem}: {path}",
        "ja": "{path} の操作に失敗しました（{problem}）。",
    },
    "errors.os.failed_between": {
        "en": "{problem}: {path} → {other}",
        "ja": "{path} → {other} の操作に失敗しました（{problem}）。",
    },
    "errors.os.nospace": {
        "en": "Free some disk space and run again; no image is lost (the next konomi command "
        "finishes or rolls back any half-done move).",
        "ja": "ディスクの空きを作ってから、もう一度実行してください。画像は失われていません"
        "（途中で止まった移動は、次の konomi コマンドが完了させるか元に戻します）。",
    },
    "errors.os.quota": {
        "en": "Your disk quota is full: free some space and run again.",
        "ja": "ディスクの割り当て容量がいっぱいです。空きを作ってから、もう一度実行してください。",
    },
    "errors.os.access": {
        "en": "Check the permissions of that file or folder (konomi needs to read and write "
        "the workspace).",
        "ja": "そのファイルまたはフォルダーのアクセス権を確認してください"
        "（konomi は作業フォルダーの読み書きを必要とします）。",
    },
    "errors.os.readonly": {
        "en": "The workspace is on a read-only disk: copy it somewhere writable.",
        "ja": "作業フォルダーが読み取り専用のディスクにあります。"
        "書き込める場所にコピーしてください。",
    },
    "errors.os.missing": {
        "en": "It may have been moved or deleted while konomi ran; run the command again.",
        "ja": "konomi の実行中に移動または削除されたのかもしれません。"
        "コマンドをもう一度実行してください。",
    },
    "errors.os.not_dir": {
        "en": "A path konomi expects to be a folder is a file: move that file away.",
        "ja": "フォルダーであるはずの場所がファイルになっています。そのファイルを別の場所へ"
        "移してください。",
    },
    "errors.os.is_dir": {
        "en": "A path konomi expects to be a file is a folder: move that folder away.",
        "ja": "ファイルであるはずの場所がフォルダーになっています。そのフォルダーを別の場所へ"
        "移してください。",
    },
    "errors.os.too_big": {
        "en": "A file grew beyond the size this system allows: free space or raise the limit.",
        "ja": "ファイルがこのシステムで許される大きさを超えました。空きを作るか、上限を"
        "引き上げてください。",
    },
    "errors.os.other": {
        "en": "Run again with --debug to see where it happened.",
        "ja": "--debug を付けてもう一度実行すると、どこで起きたかがわかります。",
    },
    # -- the app layer ---------------------------------------------------------------------------
    "errors.app.journal_unreadable": {
        "en": "{problem} Commands that move files refuse until it is fixed (see "
        "docs/safety.md, 'Inspect or reset the journal').",
        "ja": "{problem} これが直るまで、"
        "ファイルを移動するコマンドは実行できません（docs/safety.ja.md "
        "の「移動の記録を確かめる・リセットする」を参照してください）。",
    },
    "errors.app.no_train_list": {
        "en": "Head {head} kept no list of its training images.",
        "ja": "判定モデル {head} には、学習に使った画像の一覧が残っていません。",
    },
    "errors.app.retrain_hint": {
        "en": "Retrain: {cmd} train",
        "ja": "学習し直してください: {cmd} train",
    },
    "errors.app.no_such_image": {
        "en": "No such image: {path}",
        "ja": "その画像はありません: {path}",
    },
    "errors.app.no_such_image_hint": {
        "en": "Pass a path to an image file (relative to the current folder or the workspace).",
        "ja": "画像ファイルのパスを指定してください（今いるフォルダーか作業フォルダーからの"
        "相対パス）。",
    },
    "errors.app.train_missing": {
        "en": "Missing training folders: {folders}",
        "ja": "学習用フォルダーがありません: {folders}",
    },
    "errors.app.train_missing_hint": {
        "en": "Create the workspace with {cmd} init {root}, put your photos in data/unlabeled/ "
        "and run {cmd} review: it learns as you judge them (images already sorted go in "
        "data/train/like/ and data/train/dislike/).",
        "ja": "{cmd} init {root} で作業フォルダーを作り、写真を data/unlabeled/ に入れて "
        "{cmd} review を実行してください。判定するたびに学習します（仕分け済みの画像は "
        "data/train/like/ と data/train/dislike/ に入れます）。",
    },
    "errors.app.nothing_to_simulate": {
        "en": "No readable images in {like}/ or {dislike}/ to simulate on.",
        "ja": "{like}/ にも {dislike}/ にも、シミュレーションに使える読める画像がありません。",
    },
    "errors.app.nothing_to_simulate_hint": {
        "en": "Label some images first: the simulation replays the loop on your labelled images.",
        "ja": "先にいくつかの画像にラベルを付けてください。シミュレーションは、ラベル付きの画像で"
        "学習の流れを再現します。",
    },
    "errors.app.unknown_precision": {
        "en": "Unknown precision '{precision}'.",
        "ja": "'{precision}' という精度はありません。",
    },
    "errors.app.choose_one": {
        "en": "Choose one of: {choices}.",
        "ja": "次のいずれかを選んでください: {choices}",
    },
    "errors.app.int8_accelerator": {
        "en": "int8 speeds up the CPU only; on this accelerator konomi uses fp32 (it is faster).",
        "ja": "int8 が速いのは CPU だけです。このアクセラレーターでは、より速い fp32 を使います。",
    },
    "errors.app.int8_unchecked": {
        "en": "int8 not used: it is checked on your labelled images first, and that needs at "
        "least {n} readable images in each of data/train/like and data/train/dislike. "
        "Using fp32.",
        "ja": "int8 は使いません。int8 は先にラベル付きの画像で確かめる必要があり、それには "
        "data/train/like と data/train/dislike のそれぞれに読める画像が {n} 枚以上必要です。"
        "fp32 を使います。",
    },
    "errors.app.int8_refused": {
        "en": 'int8 refused: {why}. Using fp32 instead (set precision = "fp32" in konomi.toml '
        "to skip this check).",
        "ja": "int8 は使えません: {why}。代わりに fp32 を使います（この確認を省くには konomi.toml "
        'に precision = "fp32" と書いてください）。',
    },
    "errors.app.head_dim": {
        "en": "The head expects {expected}-d embeddings, the encoder gives {got}.",
        "ja": "判定モデルは {expected} 次元の埋め込みを前提にしていますが、"
        "エンコーダーの出力は {got} 次元です。",
    },
    # -- training: labels, heads, thresholds -----------------------------------------------------
    "errors.learn.no_like": {
        "en": "No readable images labelled 'like' (like: {like}, dislike: {dislike}).",
        "ja": "「好き」のラベルが付いた読める画像がありません"
        "（好き: {like}、好きでない: {dislike}）。",
    },
    "errors.learn.no_dislike": {
        "en": "No readable images labelled 'dislike' (like: {like}, dislike: {dislike}).",
        "ja": "「好きでない」のラベルが付いた読める画像がありません"
        "（好き: {like}、好きでない: {dislike}）。",
    },
    "errors.learn.no_class_hint": {
        "en": "Start from zero with {cmd} review: it shows typical images of your photos and "
        "learns as you judge them. Or put a few images in {folder} (about 200 each is a good "
        "start) and train again.",
        "ja": "ラベルがなくても {cmd} review から始められます。写真の中から代表的な画像を表示し、"
        "判定するたびに学習します。または {folder} に数枚以上の画像を入れてから（それぞれ "
        "200 枚ほどあると十分な出発点になります）、もう一度学習してください。",
    },
    "errors.learn.too_few": {
        "en": "Too few images to train (like: {like}, dislike: {dislike}).",
        "ja": "学習するには画像が少なすぎます（好き: {like}、好きでない: {dislike}）。",
    },
    "errors.learn.too_few_hint": {
        "en": "Judge more images in {cmd} review, or add images to data/train/like and "
        "data/train/dislike.",
        "ja": "{cmd} review でさらに画像を判定するか、data/train/like と data/train/dislike に"
        "画像を追加してください。",
    },
    "errors.learn.unknown_kind": {
        "en": "Unknown head kind {kind}.",
        "ja": "{kind} という種類の判定モデルはありません。",
    },
    "errors.learn.unknown_head": {
        "en": "Unknown head '{head}'.",
        "ja": "'{head}' という判定モデルはありません。",
    },
    "errors.learn.target": {
        "en": "--target-precision must be between 0.5 and 1 (exclusive), got {target}.",
        "ja": "--target-precision には 0.5 より大きく 1 より小さい値を指定してください"
        "（指定値: {target}）。",
    },
    "errors.learn.target_hint": {
        "en": "Example: --target-precision 0.95 (95 % of proposals right).",
        "ja": "例: --target-precision 0.95（提案の 95 % が正しい）",
    },
    "errors.learn.overridden": {
        "en": "{key} (set by a flag or in konomi.toml) overrides the threshold chosen for "
        "{target:.0%} precision when classifying.",
        "ja": "振り分けでは、オプションか konomi.toml で指定した {key} が、適合率 {target:.0%} "
        "を目指して選んだしきい値より優先されます。",
    },
    "errors.learn.overridden_both": {
        "en": "like_threshold and dislike_threshold (set by a flag or in konomi.toml) override "
        "the thresholds chosen for {target:.0%} precision when classifying.",
        "ja": "振り分けでは、オプションか konomi.toml で指定した like_threshold と "
        "dislike_threshold が、適合率 {target:.0%} を目指して選んだしきい値より優先されます。",
    },
    # -- the stores: the cache, the journal, the labels, saved heads ------------------------------
    "errors.store.newer": {
        "en": "{file} was written by a newer konomi (schema {schema}; this one knows up to "
        "{latest}).",
        "ja": "{file} は、より新しい konomi で書かれています（スキーマ {schema}。この konomi が"
        "扱えるのは {latest} までです）。",
    },
    "errors.store.newer_hint": {
        "en": "Update konomi (uv sync in its folder, or uv tool upgrade konomi).",
        "ja": "konomi を更新してください（konomi のフォルダーで uv sync を実行するか、"
        "uv tool upgrade konomi）。",
    },
    "errors.store.writable_hint": {
        "en": "Check that the workspace is writable and the disk is not full.",
        "ja": "作業フォルダーに書き込めるか、ディスクがいっぱいでないかを確かめてください。",
    },
    "errors.store.labels_cannot_open": {
        "en": "Cannot open the label store {path} ({why}).",
        "ja": "ラベルの保存ファイル {path} を開けません（{why}）。",
    },
    "errors.store.cache_corrupt": {
        "en": "The embedding cache was corrupt ({why}); it was moved to {aside} and is being "
        "rebuilt (images are embedded again).",
        "ja": "埋め込みキャッシュが壊れていました（{why}）。{aside} に移して作り直しています"
        "（画像はもう一度埋め込まれます）。",
    },
    "errors.store.cache_unusable": {
        "en": "The embedding cache {file} cannot be used ({why}).",
        "ja": "埋め込みキャッシュ {file} を使えません（{why}）。",
    },
    "errors.store.cache_unusable_hint": {
        "en": "Free some disk space or make the workspace writable (the cache's companion files "
        "-wal and -shm too), then run again. Deleting the cache is always safe — it is "
        "rebuilt: rm -f {names}",
        "ja": "ディスクの空きを作るか、作業フォルダー（キャッシュに付随する -wal と -shm の"
        "ファイルも）を書き込めるようにしてから、もう一度実行してください。キャッシュは"
        "作り直されるので、消しても問題ありません: rm -f {names}",
    },
    "errors.journal.cannot_open": {
        "en": "Cannot open the move journal {path} ({why}). Nothing was moved.",
        "ja": "移動の記録 {path} を開けません（{why}）。何も移動していません。",
    },
    "errors.journal.cannot_use": {
        "en": "Cannot use the move journal {path} ({why}). Nothing was moved.",
        "ja": "移動の記録 {path} を使えません（{why}）。何も移動していません。",
    },
    "errors.journal.cannot_use_hint": {
        "en": "Check that the disk is not full and the workspace is writable, then retry.",
        "ja": "ディスクがいっぱいでないか、作業フォルダーに書き込めるかを確かめてから、"
        "もう一度実行してください。",
    },
    "errors.journal.damaged": {
        "en": "The move journal {path} is damaged ({why}). Nothing was moved.",
        "ja": "移動の記録 {path} が壊れています（{why}）。何も移動していません。",
    },
    "errors.journal.damaged_hint": {
        "en": "Inspect it with: sqlite3 {path} .dump — once your files are where you want them, "
        "set it aside (mv {path} {path}.bad) to start a fresh journal; only the undo history "
        "is lost, no image is touched (docs/safety.md).",
        "ja": "中身は sqlite3 {path} .dump で確かめられます。"
        "ファイルが望みどおりの場所にそろったら、記録を別名にして（mv {path} {path}.bad）"
        "新しく始めてください。失われるのは取り消しの履歴だけで、"
        "画像には一切触れません（docs/safety.ja.md）。",
    },
    "errors.journal.not_written": {
        "en": "The move journal could not be written ({why}).",
        "ja": "移動の記録に書き込めませんでした（{why}）。",
    },
    "errors.journal.not_written_hint": {
        "en": "Free some disk space (or make the workspace writable) and run the command again: "
        "it first finishes or rolls back every half-done move; no image is lost.",
        "ja": "ディスクの空きを作るか、作業フォルダーを書き込めるようにしてから、"
        "もう一度実行してください。実行するとまず、"
        "途中で止まった移動を完了させるか元に戻すので、画像は失われません。",
    },
    "errors.heads.no_such": {
        "en": "No saved head '{head}' (recent: {recent}).",
        "ja": "'{head}' という保存済みの判定モデルはありません（最近のもの: {recent}）。",
    },
    "errors.heads.no_such_none": {
        "en": "No saved head '{head}' (none is saved yet).",
        "ja": "'{head}' という保存済みの判定モデルはありません（まだ一つも保存されていません）。",
    },
    "errors.heads.none_yet": {
        "en": "No trained model yet.",
        "ja": "まだ学習済みの判定モデルがありません。",
    },
    "errors.heads.none_yet_hint": {
        "en": "Start with {cmd} review: it shows typical images of your photos and learns as "
        "you judge them. (With images already sorted into data/train/like and "
        "data/train/dislike, run {cmd} train.)",
        "ja": "まず {cmd} review を実行してください。写真の中から代表的な画像を"
        "表示し、判定するたびに学習します（data/train/like と data/train/dislike に"
        "仕分け済みの画像がある場合は {cmd} train を実行してください）。",
    },
    "errors.heads.pointer_corrupt": {
        "en": "{path} is corrupt.",
        "ja": "{path} が壊れています。",
    },
    # -- what is wrong with a head's JSON record (in errors.heads.corrupt's parentheses) -------
    "errors.json.not_object": {
        "en": "not a JSON object",
        "ja": "JSON のオブジェクトではありません",
    },
    "heads.problem.not_text": {"en": "'{key}' is not text", "ja": "'{key}' が文字列ではありません"},
    "heads.problem.field_not_object": {
        "en": "'{key}' is not an object",
        "ja": "'{key}' がオブジェクトではありません",
    },
    "heads.problem.not_positive": {
        "en": "'{key}' is not a positive whole number",
        "ja": "'{key}' が正の整数ではありません",
    },
    "heads.problem.not_whole": {
        "en": "'{key}' is not a whole number",
        "ja": "'{key}' が整数ではありません",
    },
    "heads.problem.not_whole_numbers": {
        "en": "'{key}' are not whole numbers",
        "ja": "'{key}' の値が整数ではありません",
    },
    "heads.problem.not_numbers": {
        "en": "'{key}' are not numbers",
        "ja": "'{key}' の値が数値ではありません",
    },
    "heads.problem.threshold.like": {
        "en": "the like threshold is not a number between 0 and 1",
        "ja": "「好き」のしきい値が 0 から 1 の間の数値ではありません",
    },
    "heads.problem.threshold.dislike": {
        "en": "the dislike threshold is not a number between 0 and 1",
        "ja": "「好きでない」のしきい値が 0 から 1 の間の数値ではありません",
    },
    "errors.heads.missing": {
        "en": "The trained head {head} is missing ({file}).",
        "ja": "学習済みの判定モデル {head} が見つかりません（{file}）。",
    },
    "errors.heads.corrupt": {
        "en": "The trained head {head} is corrupt ({why}).",
        "ja": "学習済みの判定モデル {head} が壊れています（{why}）。",
    },
    "errors.heads.other_encoder": {
        "en": "The current head was trained with another image encoder ({trained}), not {model}.",
        "ja": "今の判定モデルは別のエンコーダー（{trained}）で学習したもので、{model} "
        "で学習したものではありません。",
    },
    "errors.heads.other_encoder_hint": {
        "en": "Retrain with this model: {cmd} train (or pass the --model it was made with).",
        "ja": "このエンコーダーで学習し直すか（{cmd} train）、判定モデルを作ったときの --model "
        "を指定してください。",
    },
    # -- the model -------------------------------------------------------------------------------
    "errors.model.cfg_json": {
        "en": "The model's preprocessing file is not valid JSON: {path} ({problem})",
        "ja": "モデルの前処理ファイルが正しい JSON ではありません: {path}（{problem}）",
    },
    "errors.model.cfg_json_hint": {
        "en": "Re-download the model, or fix that file.",
        "ja": "モデルをダウンロードし直すか、そのファイルを直してください。",
    },
    "errors.model.cfg_object": {
        "en": "{path} should hold a JSON object.",
        "ja": "{path} には JSON のオブジェクトが必要です。",
    },
    "errors.model.cfg_keys": {
        "en": "Keys missing from {path}: {keys}.",
        "ja": "{path} にキーがありません: {keys}",
    },
    "errors.model.cfg_keys_hint": {
        "en": "A preprocess_cfg.json needs at least size, mean and std.",
        "ja": "preprocess_cfg.json には少なくとも size、mean、std が必要です。",
    },
    "errors.model.cfg_values": {
        "en": "{path} has invalid values ({problem}).",
        "ja": "{path} の値が正しくありません（{problem}）。",
    },
    "errors.model.no_onnx": {
        "en": "Model folder {folder} has no visual/model.onnx.",
        "ja": "モデルフォルダー {folder} に visual/model.onnx がありません。",
    },
    "errors.model.no_onnx_hint": {
        "en": "Expected the Immich layout: config.json, visual/model.onnx, "
        "visual/preprocess_cfg.json (or model.onnx in the folder itself). Or pass the .onnx "
        "file itself with --model.",
        "ja": "Immich の構成（config.json、visual/model.onnx、visual/preprocess_cfg.json。"
        "またはフォルダー直下の model.onnx）を想定しています。.onnx ファイルそのものを "
        "--model で指定することもできます。",
    },
    "errors.model.file_not_found": {
        "en": "Model file not found: {path}",
        "ja": "モデルファイルが見つかりません: {path}",
    },
    "errors.model.file_not_found_hint": {
        "en": "Check the path given to --model.",
        "ja": "--model に指定したパスを確認してください。",
    },
    "errors.model.int8_agreement": {
        "en": "on your {n} labelled images its scores rank like fp32's with Spearman "
        "{spearman:.4f} (needs ≥ {min_spearman}) and give the same like/dislike decision for "
        "{same:.1%} (needs ≥ {min_same:.0%})",
        "ja": "ラベル付きの画像 {n} 枚で、スコアの順位の fp32 との一致はスピアマン相関で "
        "{spearman:.4f}（{min_spearman} 以上が必要）、好き・好きでないの判定が同じになったのは "
        "{same:.1%}（{min_same:.0%} 以上が必要）でした",
    },
    "errors.model.int8_unwritable": {
        "en": "Cannot write the int8 model anywhere ({why}).",
        "ja": "int8 のモデルを書き込める場所がありません（{why}）。",
    },
    "errors.model.int8_unwritable_hint": {
        "en": "Free some disk space or use --precision fp32.",
        "ja": "ディスクの空きを作るか、--precision fp32 を使ってください。",
    },
    "errors.model.int8_impossible": {
        "en": "This model cannot be quantised to int8 ({why}).",
        "ja": "このモデルは int8 に量子化できません（{why}）。",
    },
    "errors.model.use_fp32": {
        "en": "Use --precision fp32.",
        "ja": "--precision fp32 を使ってください。",
    },
    "errors.model.not_found": {
        "en": "Model not found: {value}",
        "ja": "モデルが見つかりません: {value}",
    },
    "errors.model.not_found_hint": {
        "en": "Pass a Hugging Face repo id (owner/name), a model folder, or a .onnx file.",
        "ja": "Hugging Face のリポジトリ ID（owner/name）、モデルフォルダー、.onnx ファイルの"
        "いずれかを指定してください。",
    },
    "errors.model.no_repo": {
        "en": "Hugging Face has no model '{repo}' (or it is private).",
        "ja": "Hugging Face にモデル '{repo}' がありません（または非公開です）。",
    },
    "errors.model.no_repo_hint": {
        "en": "Check the name, e.g. immich-app/ViT-B-32__openai.",
        "ja": "名前を確認してください（例: immich-app/ViT-B-32__openai）。",
    },
    "errors.model.offline": {
        "en": "The model '{repo}' is not downloaded yet and cannot be downloaded now ({why}).",
        "ja": "モデル '{repo}' はまだダウンロードされておらず、今はダウンロードできません"
        "（{why}）。",
    },
    "errors.model.offline_hint": {
        "en": "Fix: connect to the internet once and rerun (it is cached afterwards; unset "
        "HF_HUB_OFFLINE if set), or pass a local copy: --model /path/to/model-folder "
        "(or /path/to/model.onnx).",
        "ja": "一度インターネットにつないでから実行し直してください（以後はキャッシュが使われます。"
        "HF_HUB_OFFLINE を設定している場合は解除してください）。または手元のコピーを指定して"
        "ください: --model /path/to/model-folder（または /path/to/model.onnx）。",
    },
    "errors.model.unknown_device": {
        "en": "Unknown device '{device}'.",
        "ja": "'{device}' というデバイスはありません。",
    },
    "errors.model.device_unavailable": {
        "en": "Device '{device}' is not available here (ONNX Runtime has {available}).",
        "ja": "デバイス '{device}' はこの環境では使えません（ONNX Runtime で使えるのは "
        "{available} です）。",
    },
    "errors.model.device_unavailable_hint": {
        "en": "Use --device auto or cpu, or install {package} in place of onnxruntime "
        "(uv pip install {package}).",
        "ja": "--device auto か cpu を使うか、onnxruntime の代わりに {package} をインストール"
        "してください（uv pip install {package}）。",
    },
    "errors.model.device_unavailable_hint_other": {
        "en": "Use --device auto or cpu, or install the onnxruntime package that has it.",
        "ja": "--device auto か cpu を使うか、そのデバイスに対応した onnxruntime のパッケージを"
        "インストールしてください。",
    },
    "errors.model.does_not_load": {
        "en": "The model file does not load: {path} ({problem})",
        "ja": "モデルファイルを読み込めません: {path}（{problem}）",
    },
    "errors.model.does_not_load_hint": {
        "en": "The file may be truncated or not an ONNX model; delete it and download again, "
        "or pass another --model.",
        "ja": "ファイルが途中で切れているか、ONNX モデルではない可能性があります。削除して"
        "ダウンロードし直すか、別の --model を指定してください。",
    },
    "errors.model.fell_back": {
        "en": "Device '{device}' could not be used: ONNX Runtime fell back to {got}.",
        "ja": "デバイス '{device}' を使えず、ONNX Runtime は {got} に切り替えました。",
    },
    "errors.model.fell_back_hint": {
        "en": "Check the drivers and libraries of that device ({cmd} check-env), "
        "or use --device cpu.",
        "ja": "そのデバイスのドライバーとライブラリを確認するか（{cmd} check-env）、"
        "--device cpu を使ってください。",
    },
    "errors.model.inputs": {
        "en": "{path}: expected one image input, found {n}.",
        "ja": "{path}: 画像の入力は 1 つのはずですが、{n} 個あります。",
    },
    "errors.model.input_shape": {
        "en": "{path}: the input should be an image batch [N, 3, H, W], found {shape}.",
        "ja": "{path}: 入力は画像のバッチ [N, 3, H, W] のはずですが、{shape} です。",
    },
    "errors.model.input_shape_hint": {
        "en": "Use the visual (image) tower of a CLIP model.",
        "ja": "CLIP モデルの画像側（visual）のモデルを使ってください。",
    },
    "errors.model.non_square": {
        "en": "{path}: non-square input {h}x{w} is not supported.",
        "ja": "{path}: 正方形でない入力 {h}x{w} には対応していません。",
    },
    "errors.model.too_small": {
        "en": "{path}: input size {size} px is too small to be an image model.",
        "ja": "{path}: 入力サイズ {size} px は、画像モデルとしては小さすぎます。",
    },
    "errors.model.output_shape": {
        "en": "{path}: the output should be embeddings [N, d], found shape {shape}.",
        "ja": "{path}: 出力は埋め込み [N, d] のはずですが、形が {shape} です。",
    },
    "errors.model.output_shape_hint": {
        "en": "Use the visual tower's embedding output.",
        "ja": "画像側モデルの埋め込み出力を使ってください。",
    },
    "errors.model.batch_failed": {
        "en": "The model failed on a batch of images ({problem})",
        "ja": "画像のバッチでモデルが失敗しました（{problem}）",
    },
    "errors.model.batch_failed_hint": {
        "en": "The model may be damaged or not a CLIP image encoder; pass another --model.",
        "ja": "モデルが壊れているか、CLIP の画像エンコーダーではない可能性があります。"
        "別の --model を指定してください。",
    },
    "errors.ingest.worker_stopped": {
        "en": "A worker process stopped while embedding images (out of memory, or a decoder "
        "crashed on a file).",
        "ja": "画像の埋め込み中に作業プロセスが止まりました（メモリ不足か、"
        "あるファイルでデコーダーが異常終了しました）。",
    },
    "errors.ingest.worker_stopped_hint": {
        "en": "What was embedded is kept: run the command again to go on from there.",
        "ja": "埋め込み済みの分は保存されています。もう一度実行すると、続きから再開します。",
    },
    "errors.model.batch_shape": {
        "en": "The model returned shape {shape}; expected ({n}, d).",
        "ja": "モデルの出力の形が {shape} でした。（{n}, d）のはずです。",
    },
}
