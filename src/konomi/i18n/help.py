"""The command line's `--help` texts: what each command does (`cli.help.<command>`) and what
each option or argument means (`cli.help.<command>.<option>`; `cli.help.option.<name>` for the
options every command shares).

Paragraphs are separated by a blank line and never broken inside: the help renderer joins the
lines of a paragraph with a space, which would put spaces into a Japanese sentence. Rich markup
(`[cyan]…[/]`) is kept; a literal brace is written `{{`.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "cli.help.konomi": {
        "en": "konomi (好み) learns how much you like an image, asking you as little as possible.",
        "ja": "konomi（好み）は、あなたに尋ねる手間をできるだけ少なくしながら、"
        "画像をどれくらい好きかを学習します。",
    },
    # -- options shared by the commands (cli/options.py) ------------------------------------------
    "cli.help.option.root": {
        "en": "Workspace folder (default: $KONOMI_ROOT or the current one).",
        "ja": "作業フォルダー（省略時は $KONOMI_ROOT、なければ現在のフォルダー）。",
    },
    "cli.help.option.model": {
        "en": "Hugging Face repo id, model folder, or .onnx file "
        "(default: $KONOMI_MODEL, konomi.toml, immich-app/ViT-B-32__openai).",
        "ja": "Hugging Face のリポジトリ ID、モデルのフォルダー、または .onnx ファイル"
        "（省略時は $KONOMI_MODEL、konomi.toml、immich-app/ViT-B-32__openai の順に探します）。",
    },
    "cli.help.option.device": {
        "en": "auto, cpu, cuda, coreml, directml or openvino.",
        "ja": "推論に使うデバイス。auto、cpu、cuda、coreml、directml、openvino のいずれかです。",
    },
    "cli.help.option.precision": {
        "en": "fp32, or int8 (faster on the CPU; used only if it scores your labelled images "
        "like fp32).",
        "ja": "fp32 または int8。int8 は CPU で速く、ラベル付きの画像を fp32 と同じように"
        "採点できる場合にだけ使われます。",
    },
    "cli.help.option.debug": {
        "en": "Show the full traceback of an error (or KONOMI_DEBUG=1).",
        "ja": "エラーのトレースバックをすべて表示します（KONOMI_DEBUG=1 でも同じです）。",
    },
    "cli.help.option.like_threshold": {
        "en": "Score ≥ this is a like proposal ({default}).",
        "ja": "スコアがこの値以上の画像を「好き」と提案します（既定値 {default}）。",
    },
    "cli.help.option.dislike_threshold": {
        "en": "Score ≤ this is a dislike proposal ({default}).",
        "ja": "スコアがこの値以下の画像を「好きでない」と提案します（既定値 {default}）。",
    },
    "cli.help.option.json": {
        "en": "Print JSON only (for scripts).",
        "ja": "JSON だけを出力します（スクリプト向け）。",
    },
    # -- check-env, embed -------------------------------------------------------------------------
    "cli.help.check-env": {
        "en": "Check Python, packages, ONNX Runtime, the model and the data folders.\n\n"
        "Exits non-zero when something required is missing, and says what to do.\n\n"
        "Example: [cyan]konomi check-env --model ./models/ViT-B-32__openai[/]",
        "ja": "Python、パッケージ、ONNX Runtime、エンコーダー、データのフォルダーを確認します。"
        "\n\n必要なものが欠けていれば、どうすればよいかを示し、0 "
        "以外の終了コードで終わります。\n\n例: [cyan]konomi check-env --model "
        "./models/ViT-B-32__openai[/]",
    },
    "cli.help.embed": {
        "en": "Embed every image of the workspace into the cache (moves nothing).\n\n"
        "Example: [cyan]konomi embed --root ~/photos-workspace[/]",
        "ja": "作業フォルダーのすべての画像の埋め込みを計算し、キャッシュに保存します"
        "（ファイルは移動しません）。\n\n"
        "例: [cyan]konomi embed --root ~/photos-workspace[/]",
    },
    # -- train ------------------------------------------------------------------------------------
    "cli.help.train": {
        "en": "Train the preference head on data/train/like (1) and data/train/dislike (0).\n\n"
        "Example: [cyan]konomi train --target-precision 0.95[/]",
        "ja": "data/train/like（好き = 1）と data/train/dislike（好きでない = 0）の画像で、"
        "好みの判定モデルを学習します。\n\n"
        "例: [cyan]konomi train --target-precision 0.95[/]",
    },
    "cli.help.train.folds": {
        "en": "Cross-validation folds.",
        "ja": "交差検証の分割数。",
    },
    "cli.help.train.head": {
        "en": "auto (= kernel), kernel, logreg, svm, mlp or knn; see docs/simulation.md.",
        "ja": "判定モデルの種類。auto（= kernel）、kernel、logreg、svm、mlp、knn "
        "のいずれかです。違いは docs/simulation.md（英語）に書いてあります。",
    },
    "cli.help.train.target_precision": {
        "en": "Choose the like / dislike thresholds from cross-validation so that this share "
        "of proposals is right (e.g. 0.95).",
        "ja": "提案のうちこの割合が正しくなるように、「好き」と「好きでない」のしきい値を"
        "交差検証から選びます（例: 0.95）。",
    },
    # -- classify, score --------------------------------------------------------------------------
    "cli.help.classify": {
        "en": "Score data/unlabeled and sort it into data/classified/{{like,dislike,unsure}}.\n\n"
        "Every move is journaled and collision-safe; [cyan]konomi undo[/] puts them all back.\n\n"
        "Example: [cyan]konomi classify --like-threshold 0.8 --dry-run[/]",
        "ja": "data/unlabeled の画像を採点し、data/classified/{{like,dislike,unsure}} に"
        "振り分けます。\n\n"
        "移動はすべて記録され、同じ名前のファイルを上書きすることはありません。"
        "[cyan]konomi undo[/] ですべて元に戻せます。\n\n"
        "例: [cyan]konomi classify --like-threshold 0.8 --dry-run[/]",
    },
    "cli.help.classify.dry_run": {
        "en": "Show the plan only.",
        "ja": "移動の予定を表示するだけで、何も移動しません。",
    },
    "cli.help.score": {
        "en": "Score every image under data/ and write the CSV report (UTF-8 with BOM); or, with "
        "--input, score images anywhere into a Parquet file (docs/cluster.md).\n\n"
        "Example: [cyan]konomi score --out reports/today.csv[/]\n\n"
        "Example: [cyan]konomi score --input /nas/photos --out scores.parquet[/]",
        "ja": "data/ 以下のすべての画像を採点し、CSV のレポート（BOM 付き UTF-8）"
        "に書き出します。--input を付けると、どこにある画像でも採点して Parquet "
        "ファイルに書き出します（docs/cluster.md、英語）。\n\n例: [cyan]konomi score "
        "--out reports/today.csv[/]\n\n例: [cyan]konomi score --input /nas/photos --out "
        "scores.parquet[/]",
    },
    "cli.help.score.out": {
        "en": "CSV path (default: reports/scores.csv); with --input, a .parquet file.",
        "ja": "CSV の出力先（省略時は reports/scores.csv）。--input と使うときは .parquet "
        "ファイルを指定します。",
    },
    "cli.help.score.input": {
        "en": "Score images outside the workspace: a folder (recursive), a text file of paths, "
        "or a Parquet file with a 'path' column. Only read, never moved.",
        "ja": "作業フォルダーの外にある画像を採点します。フォルダー（サブフォルダーも含む）、"
        "パスを並べたテキストファイル、'path' 列のある Parquet ファイルのいずれかを指定します。"
        "画像は読むだけで、移動はしません。",
    },
    "cli.help.score.engine": {
        "en": "With --input: local, or ray (extra 'ray').",
        "ja": "--input と使います。local か、ray（追加機能 'ray' が必要）を指定します。",
    },
    "cli.help.score.address": {
        "en": "With --engine ray: the cluster to join (default: $RAY_ADDRESS, else "
        "a local Ray for the run).",
        "ja": "--engine ray と使います。接続する Ray クラスターです（省略時は $RAY_ADDRESS、"
        "なければこの実行のためにローカルで Ray を起動します）。",
    },
    "cli.help.score.cpus": {
        "en": "With --input: cores to use (local engine) or to start a local Ray "
        "with (default: all this process may use).",
        "ja": "--input と使います。local エンジンで使うコア数、またはローカルで起動する Ray の"
        "コア数です（省略時はこのプロセスが使えるすべてのコア）。",
    },
    "cli.help.score.with_embeddings": {
        "en": "With --input: add the embedding column.",
        "ja": "--input と使います。埋め込みの列も書き出します。",
    },
    # -- undo, round ------------------------------------------------------------------------------
    "cli.help.undo": {
        "en": "Revert the most recent operation: a whole classify or xmp run, or one review "
        "decision.\n\n"
        "Repeatable: each call reverts the next older one.\n\n"
        "Example: [cyan]konomi undo[/]",
        "ja": "直前の操作を取り消します。classify や xmp なら 1 回の実行をまるごと、review なら"
        "判定を 1 つ取り消します。\n\n"
        "繰り返し実行すると、さらに前の操作を順に取り消していきます。\n\n"
        "例: [cyan]konomi undo[/]",
    },
    "cli.help.round": {
        "en": "One turn of the loop: train → classify → score, then what to review next.\n\n"
        "A new head is trained only when the labelled images or the settings changed since the "
        "current one; otherwise the current head is kept, and said so.\n\n"
        "Example: [cyan]konomi round[/]",
        "ja": "学習のループを 1 周します。train → classify → score を続けて実行し、"
        "次に判定するとよい画像を示します。\n\n新しい判定モデルを学習するのは、"
        "今の判定モデルを作ったあとでラベル付きの画像か設定が変わったときだけです。"
        "変わっていなければ今の判定モデルをそのまま使い、そう表示します。\n\n例: "
        "[cyan]konomi round[/]",
    },
    # -- suspects, explain, models, report --------------------------------------------------------
    "cli.help.suspects": {
        "en": "Training images whose label disagrees most with the rest of your taste, most "
        "suspect first.\n\n"
        "Each training image is scored by a head that never saw it (cross-validation). A "
        '"like" that the rest of your labels put at 5 % is either in the wrong folder or an '
        "exception worth a second look. [cyan]--json[/] prints a list of objects with path, "
        "label, score, confidence.\n\n"
        "Example: [cyan]konomi suspects --top 10[/]",
        "ja": "学習用の画像のうち、ラベルがほかのラベルの示す好みと最も食い違うものを、"
        "疑わしい順に一覧にします。\n\n学習用の画像はどれも、"
        "その画像を見ていない判定モデルで採点します（交差検証）。ほかのラベルからは 5 % "
        "と判定される「好き」の画像は、フォルダーを間違えているか、"
        "見直す価値のある例外です。[cyan]--json[/] を付けると、path、label、score、"
        "confidence を持つオブジェクトの一覧を出力します。\n\n例: [cyan]konomi suspects "
        "--top 10[/]",
    },
    "cli.help.suspects.top": {
        "en": "How many to list.",
        "ja": "一覧にする画像の枚数。",
    },
    "cli.help.explain": {
        "en": "Why an image got its score: the score, and its nearest liked and disliked "
        "training images.\n\n"
        "Similarity is the cosine of the image embeddings (1 = identical, 0 = unrelated).\n\n"
        "Example: [cyan]konomi explain data/unlabeled/IMG_0042.jpg[/]",
        "ja": "画像がそのスコアになった理由を示します。スコアと、学習用の画像のうち最も"
        "似ている「好き」と「好きでない」の画像を表示します。\n\n"
        "類似度は画像の埋め込みのコサインです（1 = 同じ、0 = 無関係）。\n\n"
        "例: [cyan]konomi explain data/unlabeled/IMG_0042.jpg[/]",
    },
    "cli.help.explain.paths": {
        "en": "Image files to explain.",
        "ja": "理由を知りたい画像ファイル（いくつでも指定できます）。",
    },
    "cli.help.explain.k": {
        "en": "Neighbours of each label.",
        "ja": "ラベルごとに表示する、似ている画像の枚数。",
    },
    "cli.help.models": {
        "en": "Saved heads, oldest first: date, counts, AUC, Brier; * marks the current one.\n\n"
        "Every train keeps its head with its metrics. Roll back with "
        "[cyan]konomi models use ID[/] (the next classify and score use it). [cyan]--json[/] "
        "prints the list for scripts.\n\n"
        "Example: [cyan]konomi models[/], then [cyan]konomi models use 20250101-120000[/]",
        "ja": "保存された判定モデルを古い順に一覧にします。日時、画像の枚数、AUC、Brier "
        "スコアを表示し、使用中の判定モデルには * が付きます。\n\ntrain のたびに、"
        "判定モデルはその評価指標と一緒に保存されます。[cyan]konomi models use ID[/] "
        "で以前の判定モデルに戻せます（次の classify と score から使われます）。"
        "[cyan]--json[/] を付けると、スクリプト向けに一覧を出力します。\n\n例: "
        "[cyan]konomi models[/] のあとに [cyan]konomi models use 20250101-120000[/]",
    },
    "cli.help.models.use": {
        "en": "Make a saved head the current one (roll back, or forward again).\n\n"
        "Example: [cyan]konomi models use 20250101-120000[/]",
        "ja": "保存された判定モデルを使用中にします（以前の判定モデルに戻すときも、"
        "新しいほうへ戻すときも使えます）。\n\n例: [cyan]konomi models use "
        "20250101-120000[/]",
    },
    "cli.help.models.use.id": {
        "en": "A head id from konomi models.",
        "ja": "konomi models で表示される判定モデルの ID。",
    },
    "cli.help.report": {
        "en": "Write a self-contained HTML report (opens offline): thumbnails by score, "
        "filters, plots.\n\n"
        "Like / dislike / unsure / suspects / bursts filters, the score histogram, the "
        "reliability curve, the learning curve across saved heads, and each image's "
        "explanation on click.\n\n"
        "Example: [cyan]konomi report && open reports/index.html[/]",
        "ja": "1 つのファイルで完結する HTML レポートを書き出します（オフラインでも開けます）。"
        "スコア順のサムネイル、絞り込み、グラフが入っています。"
        "\n\n「好き」「好きでない」「保留」「疑わしいラベル」「連写」で絞り込めるほか、"
        "スコアのヒストグラム、信頼性曲線、保存された判定モデルをたどる学習曲線があり、"
        "画像をクリックするとそのスコアの理由が表示されます。\n\n例: [cyan]konomi report "
        "&& open reports/index.html[/]",
    },
    "cli.help.report.out": {
        "en": "HTML path (default: reports/index.html).",
        "ja": "HTML の出力先（省略時は reports/index.html）。",
    },
    "cli.help.report.duplicate_threshold": {
        "en": "Cosine similarity at which two images count as one burst.",
        "ja": "2 枚の画像を同じ連写とみなすコサイン類似度。",
    },
    # -- init, review, search, xmp ----------------------------------------------------------------
    "cli.help.init": {
        "en": "Create a workspace: data/train/like, data/train/dislike, data/unlabeled and a "
        "commented konomi.toml. Safe to run again: it only adds what is missing and never "
        "overwrites konomi.toml. DIR and --root mean the same; with --model, the new "
        "konomi.toml uses that model (its line is written out, not commented).\n\n"
        "Example: [cyan]konomi init ~/my-taste --model ./models/ViT-B-32__openai[/]",
        "ja": "作業フォルダーを作ります。中身は data/train/like、data/train/dislike、"
        "data/unlabeled と、説明のコメント付きの konomi.toml です。何度実行しても安全で、"
        "足りないものを加えるだけなので konomi.toml を上書きすることはありません。DIR と "
        "--root は同じ意味です。--model を付けると、新しい konomi.toml "
        "はそのモデルを使います（その行はコメントではなく、有効な設定として書かれます）。"
        "\n\n例: [cyan]konomi init ~/my-taste --model ./models/ViT-B-32__openai[/]",
    },
    "cli.help.init.dir": {
        "en": "Workspace folder to create (default: $KONOMI_ROOT or the current folder).",
        "ja": "作る作業フォルダー（省略時は $KONOMI_ROOT、なければ現在のフォルダー）。",
    },
    "cli.help.review": {
        "en": "Review the model's proposals in your browser: one image at a time, one key "
        "each.\n\n"
        "Shows data/classified/* and data/unlabeled/, most informative first, with the score. "
        "Keys: [bold]l[/] / → like (moves to data/train/like/), [bold]d[/] / ← dislike "
        "(data/train/dislike/), [bold]s[/] / ↓ skip, [bold]u[/] / Backspace undo, [bold]?[/] "
        "help. Every move is journaled: [cyan]konomi undo[/] reverts a decision too. The "
        "server listens on 127.0.0.1 only and needs the link it prints (a new token each "
        "start). Ctrl-C stops it.\n\n"
        "Example: [cyan]konomi review --port 8765 --no-browser[/]",
        "ja": "判定モデルの提案をブラウザーで判定します。画像を 1 枚ずつ表示し、キー 1 "
        "つで判定します。\n\ndata/classified/* と data/unlabeled/ の画像を、"
        "判定すると学習効果の大きいものから順に、スコアを添えて表示します。キーは "
        "[bold]l[/] / → で「好き」（data/train/like/ へ移動）、[bold]d[/] / ← "
        "で「好きでない」（data/train/dislike/ へ移動）、[bold]s[/] / ↓ でスキップ、"
        "[bold]u[/] / Backspace で取り消し、[bold]?[/] でヘルプです。"
        "移動はすべて記録されるので、[cyan]konomi undo[/] で判定も取り消せます。"
        "サーバーは 127.0.0.1 でだけ待ち受け、"
        "起動時に表示されるリンク（起動のたびに新しいトークンが付きます）"
        "からしか開けません。Ctrl-C で止まります。\n\n例: [cyan]konomi review --port "
        "8765 --no-browser[/]",
    },
    "cli.help.review.port": {
        "en": "Port on 127.0.0.1 (0: pick a free one).",
        "ja": "127.0.0.1 で使うポート番号（0 なら空いているポートを選びます）。",
    },
    "cli.help.review.no_browser": {
        "en": "Only print the link; do not open a browser.",
        "ja": "リンクを表示するだけで、ブラウザーは開きません。",
    },
    "cli.help.search": {
        "en": "Rank the workspace's images (data/ and the libraries) by how well they match "
        "TEXT.\n\n"
        "Needs a model with a text tower (Immich layout: textual/model.onnx beside visual/); "
        "for Japanese words, a multilingual one (docs/text.md). Image embeddings come from the "
        "cache.\n\n"
        'Example: [cyan]{cmd} search "quiet street at dusk" --top 10[/]',
        "ja": "作業フォルダーの画像（data/ とライブラリ）を、TEXT によく合う順に並べます。"
        "\n\nテキストエンコーダー付きのモデルが必要です（Immich の構成で、visual/ の隣に "
        "textual/model.onnx があるもの）。"
        "日本語の言葉で探すには多言語のモデルを使ってください（docs/text.md、英語）。"
        '画像の埋め込みはキャッシュから読みます。\n\n例: [cyan]{cmd} search "quiet '
        'street at dusk" --top 10[/]',
    },
    "cli.help.search.text": {
        "en": "What to look for, in words.",
        "ja": "探したいものを表す言葉。",
    },
    "cli.help.search.top": {
        "en": "How many images to list.",
        "ja": "一覧にする画像の枚数。",
    },
    "cli.help.search.json": {
        "en": "Print JSON only: a list of {{path, similarity}}, best first.",
        "ja": "JSON だけを出力します。{{path, similarity}} の一覧で、よく合うものが先に来ます。",
    },
    "cli.help.xmp": {
        "en": "Write an XMP sidecar with konomi's rating for every library image.\n\nRatings: "
        "like proposal ★4 (★5 at ≥ 0.9), unsure ★3, dislike ★2 (★1 at ≤ 0.1); the exact "
        "score too.\n\nA rating you set is never changed, sidecars are merged, images "
        "never touched.\n\n[cyan]konomi undo[/] puts every sidecar back. See "
        "docs/photo-libraries.md.\n\nExample: [cyan]{cmd} xmp --dry-run[/]",
        "ja": "ライブラリのすべての画像について、konomi のレーティングを書いた XMP "
        "サイドカーファイルを作ります。\n\nレーティングは「好き」の提案が ★4（スコア 0.9 "
        "以上なら ★5）、「保留」が ★3、「好きでない」が ★2（0.1 以下なら ★1）です。"
        "正確なスコアも書き込みます。\n\nあなたが付けたレーティングは変えません。"
        "既存のサイドカーファイルには内容を統合して書き込み、"
        "画像そのものには手を触れません。\n\n[cyan]konomi undo[/] "
        "ですべてのサイドカーファイルを元に戻せます。詳しくは docs/photo-libraries.ja.md "
        "を見てください。\n\n例: [cyan]{cmd} xmp --dry-run[/]",
    },
    "cli.help.xmp.dry_run": {
        "en": "Show what would be written; write nothing.",
        "ja": "書き込む内容を表示するだけで、何も書き込みません。",
    },
    # -- simulate ---------------------------------------------------------------------------------
    "cli.help.simulate": {
        "en": "Replay the active-learning loop on labelled embeddings and compare review "
        "strategies.\n\n"
        "Holds out part of the pool and starts from a balanced labelled set (or from nothing, "
        "with --start 0). With small starts (the session protocol) the whole pool is there at "
        "once and the head is retrained every --retrain-every judgements; with bigger ones "
        "(arrivals) new images arrive in batches and the head is retrained each round — always "
        "with the code [cyan]konomi train[/] uses. Writes OUT/rounds.csv (one row per strategy, "
        "seed and round), OUT/summary.csv and OUT/curves.png. It reads either an embeddings "
        "file (--embeddings) or, with --from-workspace, the labelled images of your own "
        "workspace (--root, --model): then the numbers are about your taste, not a synthetic "
        "one.\n\n"
        "Example: [cyan]konomi simulate --embeddings pool.npz --out sim/ --start 0[/]\n\n"
        "Example: [cyan]konomi simulate --embeddings pool.npz --out sim/ --seeds 3[/]\n\n"
        "Example: [cyan]konomi simulate --from-workspace --out sim-mine/[/]",
        "ja": "ラベル付きの埋め込みで能動学習のループを再現し、判定する画像の選び方（戦略）を"
        "比べます。\n\n"
        "データの一部を評価用に取り分け、「好き」と「好きでない」が半々のラベル付きの画像から"
        "始めます（--start 0 なら何もない状態から始めます）。出発点が小さいとき（session 方式）"
        "はデータ全体が最初からそろっていて、--retrain-every 回の判定ごとに判定モデルを学習し"
        "直します。大きいとき（arrivals 方式）は新しい画像がまとまって届き、届くたびに学習し"
        "直します。どちらも [cyan]konomi train[/] と同じコードで学習します。書き出すのは "
        "OUT/rounds.csv（戦略・シード・回ごとに 1 行）、OUT/summary.csv、OUT/curves.png です。"
        "読み込むのは埋め込みのファイル（--embeddings）か、--from-workspace を付けたときは"
        "自分の作業フォルダーのラベル付きの画像（--root、--model）です。後者なら、結果は"
        "合成された好みではなく、あなた自身の好みについての数字になります。\n\n"
        "例: [cyan]konomi simulate --embeddings pool.npz --out sim/ --start 0[/]\n\n"
        "例: [cyan]konomi simulate --embeddings pool.npz --out sim/ --seeds 3[/]\n\n"
        "例: [cyan]konomi simulate --from-workspace --out sim-mine/[/]",
    },
    "cli.help.simulate.out": {
        "en": "Folder for rounds.csv, summary.csv and curves.png.",
        "ja": "rounds.csv、summary.csv、curves.png を書き出すフォルダー。",
    },
    "cli.help.simulate.embeddings": {
        "en": ".npz with X (float32, n × d) and y (0/1, n).",
        "ja": "X（float32、n × d）と y（0/1、n）を含む .npz ファイル。",
    },
    "cli.help.simulate.from_workspace": {
        "en": "Simulate on your own labelled images (data/train of --root, embedded with "
        "--model); their embeddings are saved as OUT/pool.npz for later runs.",
        "ja": "自分のラベル付きの画像（--root の data/train を --model で埋め込んだもの）で"
        "シミュレーションします。その埋め込みは、次回以降のために OUT/pool.npz に保存します。",
    },
    "cli.help.simulate.strategies": {
        "en": "Comma-separated. Session protocol: cold, diverse, uncertainty, random "
        "(default: all four). Arrivals protocol: seed, confirm, random, uncertainty, "
        "diverse (default: all five).",
        "ja": "カンマ区切りで指定します。session 方式では cold、diverse、uncertainty、random"
        "（省略時は 4 つすべて）、arrivals 方式では seed、confirm、random、uncertainty、"
        "diverse（省略時は 5 つすべて）です。",
    },
    "cli.help.simulate.protocol": {
        "en": "session: the whole pool at once, the head retrained every few judgements (a "
        "first session); arrivals: new images in batches, one round each; auto: session "
        "when --start is under 100.",
        "ja": "session はデータ全体を最初から使い、"
        "数回の判定ごとに判定モデルを学習し直します（最初のセッションにあたります）。"
        "arrivals は新しい画像がまとまって届き、届くたびに 1 回学習します。auto なら "
        "--start が 100 未満のときに session を使います。",
    },
    "cli.help.simulate.retrain_every": {
        "en": "Session: judgements between two trainings of the head.",
        "ja": "session 方式で、判定モデルを学習し直すまでの判定の回数。",
    },
    "cli.help.simulate.judgements": {
        "en": "Session: judgements in all, first picks and start included.",
        "ja": "session 方式での判定の総数（最初に選ぶ画像と出発点の画像も含みます）。",
    },
    "cli.help.simulate.prompt_cosine": {
        "en": "Session: give the person a synthetic like and dislike prompt whose cosine to "
        "a liked / disliked theme's centre is this (0.3 vague … 0.7 telling; 0: none).",
        "ja": "session 方式で、「好き」と「好きでない」の合成プロンプトを与えます。この値は、"
        "プロンプトと好きなテーマ・好きでないテーマの中心とのコサインです（0.3 はあいまい、"
        "0.7 ははっきり。0 ならプロンプトを与えません）。",
    },
    "cli.help.simulate.prompts": {
        "en": "Session, with --prompt-cosine: like prompts (and dislike prompts), one theme each.",
        "ja": "session 方式で --prompt-cosine と使います。「好き」のプロンプトの数です"
        "（「好きでない」のプロンプトも同じ数）。プロンプトごとにテーマが 1 つあります。",
    },
    "cli.help.simulate.rounds": {
        "en": "Arrivals: rounds (batches of new images) per run.",
        "ja": "arrivals 方式で、1 回の実行で新しい画像が届く回数。",
    },
    "cli.help.simulate.batch": {
        "en": "New images per round (0: the pool split evenly over the rounds).",
        "ja": "1 回に届く新しい画像の枚数（0 ならデータを回数で均等に分けます）。",
    },
    "cli.help.simulate.budget": {
        "en": "Images the person labels per round in the budgeted strategies (0: what "
        "`konomi round` suggests: a quarter of the labels, in hundreds, 100 to 500).",
        "ja": "枚数に上限のある戦略で、1 回にラベルを付ける画像の枚数（0 なら `konomi round` が"
        "勧める枚数で、ラベル数の 4 分の 1 を 100 枚単位にした 100〜500 枚です）。",
    },
    "cli.help.simulate.seeds": {
        "en": "Repeats with different splits (mean and band).",
        "ja": "データの分け方を変えて繰り返す回数（平均と幅を出します）。",
    },
    "cli.help.simulate.seed": {
        "en": "Random seed: the same seed gives the same CSV.",
        "ja": "乱数のシード。同じシードなら同じ CSV になります。",
    },
    "cli.help.simulate.head": {
        "en": "Head to train each round: auto, kernel, logreg, svm, mlp, knn.",
        "ja": "毎回学習する判定モデルの種類。auto、kernel、logreg、svm、mlp、knn のいずれかです。",
    },
    "cli.help.simulate.start": {
        "en": "Starting labelled images, half like and half dislike, picked at random (0: "
        "nobody has labelled anything; each strategy makes its own first picks).",
        "ja": "最初からラベルが付いている画像の枚数。「好き」と「好きでない」を半分ずつ無作為に"
        "選びます（0 ならまだ誰もラベルを付けていない状態から始め、戦略ごとに最初の画像を"
        "選びます）。",
    },
    "cli.help.simulate.test_fraction": {
        "en": "Share of the pool held out for measuring, never trained on.",
        "ja": "評価のために取り分け、学習には使わないデータの割合。",
    },
    "cli.help.simulate.target": {
        "en": "AUC whose reviews-to-reach the summary reports.",
        "ja": "この AUC に届くまでに必要な判定の数を summary に書き出します。",
    },
    "cli.help.simulate.workers": {
        "en": "Worker processes (0: one per core).",
        "ja": "ワーカープロセスの数（0 ならコアごとに 1 つ）。",
    },
    # Typer's own words on help screens and usage errors (cli/main.py, typer_words).
    "cli.typer.options": {"en": "Options", "ja": "オプション"},
    "cli.typer.commands": {"en": "Commands", "ja": "コマンド"},
    "cli.typer.arguments": {"en": "Arguments", "ja": "引数"},
    "cli.typer.error": {"en": "Error", "ja": "エラー"},
    "cli.typer.aborted": {"en": "Aborted.", "ja": "中断しました。"},
    "cli.typer.default": {"en": "[default: {value}]", "ja": "[既定値: {value}]"},
    "cli.typer.env_var": {"en": "[env var: {value}]", "ja": "[環境変数: {value}]"},
    "cli.typer.required": {"en": "[required]", "ja": "[必須]"},
    "cli.typer.deprecated": {"en": "(deprecated) ", "ja": "（非推奨）"},
    "cli.typer.try_help": {
        "en": "Try [blue]'{command_path} {help_option}'[/] for help.",
        "ja": "[blue]'{command_path} {help_option}'[/] でヘルプを表示できます。",
    },
    "cli.usage.no_such_option": {
        "en": "No such option: {option}",
        "ja": "{option} というオプションはありません。",
    },
    "cli.usage.no_such_option_near": {
        "en": "No such option: {option} (Possible options: {near})",
        "ja": "{option} というオプションはありません（近いもの: {near}）。",
    },
    "cli.usage.missing": {
        "en": "Missing {param}.",
        "ja": "{param} を指定してください。",
    },
    "cli.usage.bad_value": {
        "en": "Invalid value for {param}: {detail}",
        "ja": "{param} の値が正しくありません（{detail}）。",
    },
    "cli.usage.no_such_command": {
        "en": "No such command '{name}'.",
        "ja": "'{name}' というコマンドはありません。",
    },
    "cli.usage.no_such_command_near": {
        "en": "No such command '{name}'. Did you mean '{near}'?",
        "ja": "'{name}' というコマンドはありません。'{near}' のことですか？",
    },
    "cli.usage.bad_value_said": {
        "en": "Invalid value for {param}: {said}.",
        "ja": "{param} の値が正しくありません。{said}。",
    },
    "cli.usage.original": {"en": " ({detail})", "ja": "（原文: {detail}）"},
    "cli.usage.extra": {
        "en": "Got unexpected extra argument(s) ({args})",
        "ja": "余分な引数があります（{args}）。",
    },
    "cli.typer.usage": {"en": "Usage: ", "ja": "使い方: "},
    "cli.typer.options_metavar": {"en": "[OPTIONS]", "ja": "[オプション]"},
    "cli.typer.command_metavar": {"en": "COMMAND [ARGS]...", "ja": "コマンド [引数]..."},
    "cli.typer.help_option": {
        "en": "Show this message and exit.",
        "ja": "このヘルプを表示して終了します。",
    },
    # The value an option takes, as help screens tag it (`<int>`); a flag shows none.
    "cli.typer.type.str": {"en": "<str>", "ja": "<文字列>"},
    "cli.typer.type.int": {"en": "<int>", "ja": "<整数>"},
    "cli.typer.type.float": {"en": "<float>", "ja": "<数値>"},
    "cli.typer.type.path": {"en": "<path>", "ja": "<パス>"},
    "cli.typer.type.file": {"en": "<file>", "ja": "<ファイル>"},
    "cli.typer.type.dir": {"en": "<dir>", "ja": "<フォルダー>"},
    "cli.typer.type.datetime": {"en": "<datetime>", "ja": "<日時>"},
    # Why a value does not parse (the common cases of the library's validation).
    "cli.usage.value.le": {"en": "at most {n}", "ja": "{n} 以下で指定してください"},
    "cli.usage.value.ge": {"en": "at least {n}", "ja": "{n} 以上で指定してください"},
    "cli.usage.value.lt": {"en": "less than {n}", "ja": "{n} より小さい値で指定してください"},
    "cli.usage.value.gt": {"en": "more than {n}", "ja": "{n} より大きい値で指定してください"},
    "cli.usage.value.int": {"en": "a whole number", "ja": "整数で指定してください"},
    "cli.usage.value.float": {"en": "a number", "ja": "数値で指定してください"},
    "cli.usage.value.bool": {
        "en": "true or false",
        "ja": "true か false で指定してください",
    },
    "cli.usage.value.choice": {
        "en": "one of {choices}",
        "ja": "{choices} のいずれかを指定してください",
    },
    "cli.usage.value.exists": {
        "en": "{path} does not exist",
        "ja": "{path} が見つかりません",
    },
    "cli.typer.range": {"en": "{min}<=x<={max}", "ja": "{min}〜{max}"},
    "cli.typer.range.min": {"en": "x>={min}", "ja": "{min} 以上"},
    "cli.typer.range.max": {"en": "x<={max}", "ja": "{max} 以下"},
}
