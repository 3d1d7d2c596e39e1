"""Messages of photo libraries: scoring in place, labels from ratings, XMP sidecars."""

MESSAGES: dict[str, dict[str, str]] = {
    "library.inside_data": {
        "en": "The library {path} is inside the workspace's data/ folder, where konomi moves "
        "files; a library is never changed.",
        "ja": "ライブラリ {path} が作業フォルダーの data/ フォルダーの中にあります。data/ では "
        "konomi がファイルを移動しますが、ライブラリは決して変更しません。",
    },
    "library.holds_data": {
        "en": "The library {path} holds the workspace's data/ folder, where konomi moves files; "
        "a library is never changed.",
        "ja": "ライブラリ {path} の中に作業フォルダーの data/ フォルダーがあります。data/ では "
        "konomi がファイルを移動しますが、ライブラリは決して変更しません。",
    },
    "library.inside_data_hint": {
        "en": "List a folder outside data/ in libraries = [...] in konomi.toml.",
        "ja": "konomi.toml の libraries = [...] には data/ の外のフォルダーを指定してください。",
    },
    "library.missing": {
        "en": "The library {path} is not there now (an unplugged disk?); it is left out this time.",
        "ja": "ライブラリ {path} が見つかりません（ディスクが外れていませんか？）。"
        "今回は対象外にします。",
    },
    "library.no_labels": {
        "en": "No labelled images: data/train/like and data/train/dislike are empty or missing, "
        "and no library image has a label.",
        "ja": "ラベル付きの画像がありません。data/train/like と data/train/dislike が空か存在せず、"
        "ライブラリの画像にもラベルがありません。",
    },
    "library.no_labels_hint": {
        "en": "Start with {cmd} review: it shows typical images and learns as you judge them. "
        "Or put liked images in data/train/like/ and the others in data/train/dislike/, or set "
        "ratings_as_labels = true in konomi.toml to learn from your libraries' star ratings.",
        "ja": "まず {cmd} review を実行してください。代表的な画像を表示し、判定するたびに"
        "学習します。または、好きな画像を data/train/like/ に、そうでない画像を "
        "data/train/dislike/ に入れてください。konomi.toml で ratings_as_labels = true に"
        "すると、ライブラリのレーティングから学習することもできます。",
    },
    "library.train_counts": {
        "en": "  Library labels: {ratings} from XMP ratings, {review} from review decisions "
        "({likes} like / {dislikes} dislike).",
        "ja": "  ライブラリのラベル: XMP のレーティングから {ratings} 件、"
        "判定ページでの判定から {review} 件（好き {likes} 件・好きでない {dislikes} 件）"
        "。",
    },
    "library.labelled": {
        "en": "{label} {name} (library image: a label was recorded, the file stays where it is)",
        "ja": "{name} を「{label}」にしました（ライブラリの画像なのでラベルだけを記録し、"
        "ファイルはそのままです）",
    },
    "library.unlabelled": {
        "en": "Undone: the label of {names} was taken back.",
        "ja": "{names} のラベルを取り消しました。",
    },
    "library.like": {"en": "Liked", "ja": "好き"},
    "library.dislike": {"en": "Disliked", "ja": "好きでない"},
    "xmp.planned": {
        "en": "Dry run: nothing written. {n} sidecars would be written (library images: "
        "{images}; {created} new, {updated} updated, {unchanged} already up to date).",
        "ja": "試し実行: 何も書き込んでいません。実行すると、ライブラリの画像 {images} "
        "枚に対してサイドカーファイルを {n} 個書き込みます（新規 {created}、更新 "
        "{updated}、変更なし {unchanged}）。",
        "count": "n",
        "en:1": "Dry run: nothing written. 1 sidecar would be written (library images: "
        "{images}; {created} new, {updated} updated, {unchanged} already up to date).",
    },
    "xmp.written": {
        "en": "Wrote {n} XMP sidecars with head {head} (library images: {images}; {created} "
        "new, {updated} updated, {unchanged} already up to date).",
        "ja": "判定モデル {head} で、ライブラリの画像 {images} 枚の XMP サイドカーファイルを "
        "{n} 個書き込みました（新規 {created}、更新 {updated}、変更なし {unchanged}）。",
        "count": "n",
        "en:1": "Wrote 1 XMP sidecar with head {head} (library images: {images}; {created} "
        "new, {updated} updated, {unchanged} already up to date).",
    },
    "xmp.stars": {
        "en": "  Ratings proposed: {counts}.",
        "ja": "  提案したレーティング: {counts}。",
    },
    "xmp.stars.count": {"en": "★{stars}: {n}", "ja": "★{stars} が {n} 枚"},
    "xmp.stars.separator": {"en": ", ", "ja": "、"},
    "xmp.kept": {
        "en": "  {n} images keep the rating you gave them; konomi added only its own score.",
        "ja": "  {n} 枚はあなたが付けたレーティングをそのまま残し、konomi "
        "のスコアだけを追加しました。",
        "count": "n",
        "en:1": "  1 image keeps the rating you gave it; konomi added only its own score.",
    },
    "xmp.undo_hint": {
        "en": "  {cmd} undo puts every sidecar back as it was.",
        "ja": "  {cmd} undo ですべてのサイドカーファイルを元に戻せます。",
    },
    "xmp.no_libraries": {
        "en": "No library to write sidecars for: libraries = [...] in konomi.toml is empty.",
        "ja": "サイドカーファイルを書き込むライブラリがありません。konomi.toml の libraries = "
        "[...] が空です。",
    },
    "xmp.no_libraries_hint": {
        "en": 'Example: libraries = ["~/Pictures"] — konomi scores those images in place and '
        "never moves or changes them.",
        "ja": '例: libraries = ["~/Pictures"] — konomi はその画像をその場で採点し、'
        "移動も変更もしません。",
    },
    "xmp.skipped": {
        "en": "  {n} sidecars left alone:",
        "ja": "  {n} 個のサイドカーファイルには手を付けませんでした:",
        "count": "n",
        "en:1": "  1 sidecar left alone:",
    },
    "xmp.not_xmp": {
        "en": "its sidecar is not XMP konomi can merge into ({why})",
        "ja": "サイドカーファイルが konomi で統合できる XMP ではありません（{why}）",
    },
    "xmp.shared": {
        "en": "its sidecar {name} belongs to another image of the same name, already written",
        "ja": "サイドカーファイル {name} は同じ名前の別の画像のもので、すでに書き込み済みです",
    },
    "undo.edits": {
        "en": "Undid {kind} (operation {op}): sidecars restored {restored}, removed {removed}; "
        "labels taken back {unlabelled}.",
        "ja": "{kind}（操作 {op}）を取り消しました。サイドカーファイルを {restored} 個復元、"
        "{removed} 個削除し、ラベル {unlabelled} 件を外しました。",
    },
    # -- why a sidecar was not written or restored (listed beside its name) ----------------------
    "xmp.error.too_large": {
        "en": "too large for XMP ({size:,} bytes)",
        "ja": "XMP としては大きすぎます（{size:,} バイト）",
    },
    "xmp.error.not_xml": {
        "en": "not well-formed XML ({why})",
        "ja": "XML として正しくありません（{why}）",
    },
    "xmp.error.empty": {"en": "empty", "ja": "空です"},
    "xmp.error.no_rdf": {"en": "no rdf:RDF element", "ja": "rdf:RDF 要素がありません"},
    "edits.not_regular": {
        "en": "{name} is not a regular file (a link or folder)",
        "ja": "{name} は通常のファイルではありません（リンクかフォルダーです）",
    },
    "edits.changed_meanwhile": {
        "en": "it changed while konomi worked",
        "ja": "konomi の処理中に変更されました",
    },
    "edits.not_written": {
        "en": "could not write it ({why})",
        "ja": "書き込めませんでした（{why}）",
    },
    "edits.changed_after": {
        "en": "it was changed after konomi wrote it (left as it is)",
        "ja": "konomi が書き込んだ後に変更されています（そのままにしました）",
    },
    "edits.not_restored": {
        "en": "could not restore it ({why})",
        "ja": "元に戻せませんでした（{why}）",
    },
    "edits.refused.relative": {"en": "not an absolute path", "ja": "絶対パスではありません"},
    "edits.refused.not_sidecar": {
        "en": "not an XMP sidecar",
        "ja": "XMP サイドカーファイルではありません",
    },
    "edits.refused.linked": {
        "en": "reached through {folder}, a symbolic link or not a folder (konomi never writes a "
        "sidecar through one)",
        "ja": "シンボリックリンクかフォルダーでないもの（{folder}）を通った先にあります"
        "（konomi はそこを通してサイドカーファイルを書き込みません）",
    },
    "edits.refused.outside": {
        "en": "not under a library of this workspace (see libraries in konomi.toml)",
        "ja": "この作業フォルダーのライブラリの中にありません"
        "（konomi.toml の libraries を確認してください）",
    },
}
