"""Messages of `konomi score --input` (scoring a dataset, locally or on Ray)."""

MESSAGES: dict[str, dict[str, str]] = {
    "batch.input_missing": {
        "en": "The input {path} does not exist.",
        "ja": "入力 {path} が見つかりません。",
    },
    "batch.input_hint": {
        "en": "--input takes a folder of images, a text file with one path per line, or a "
        "Parquet file with a 'path' column.",
        "ja": "--input には、画像のフォルダー、1 行に 1 つのパスを書いたテキストファイル、"
        "または 'path' 列のある Parquet ファイルを指定してください。",
    },
    "batch.tar_unsupported": {
        "en": "{path} is a tar archive; WebDataset shards are not read yet.",
        "ja": "{path} は tar アーカイブです。WebDataset のシャードにはまだ対応していません。",
    },
    "batch.list_not_text": {
        "en": "{path} is not a UTF-8 text file of paths.",
        "ja": "{path} はパスを並べた UTF-8 のテキストファイルではありません。",
    },
    "batch.no_path_column": {
        "en": "{path} has no 'path' column (its columns: {columns}).",
        "ja": "{path} には 'path' 列がありません（列: {columns}）。",
    },
    "batch.parquet_unreadable": {
        "en": "{path} cannot be read as Parquet ({reason}).",
        "ja": "{path} を Parquet として読めません（{reason}）。",
    },
    "batch.no_pyarrow": {
        "en": "Writing Parquet needs pyarrow, which this install does not have.",
        "ja": "Parquet を書くには pyarrow が必要ですが、インストールされていません。",
    },
    "batch.no_pyarrow_hint": {
        "en": "Install the extra: {install_parquet}",
        "ja": "追加機能を入れてください: {install_parquet}",
    },
    "batch.no_ray": {
        "en": "--engine ray needs Ray, which this install does not have.",
        "ja": "--engine ray には Ray が必要ですが、インストールされていません。",
    },
    "batch.no_ray_hint": {
        "en": "Install the extra ({install_ray}), or use --engine local.",
        "ja": "追加機能を入れる（{install_ray}）か、--engine local を使ってください。",
    },
    "batch.unknown_engine": {
        "en": "Unknown engine '{engine}': choose local or ray.",
        "ja": "エンジン '{engine}' はありません。local か ray を選んでください。",
    },
    "batch.out_not_parquet": {
        "en": "With --input, --out must be a .parquet file (got {path}).",
        "ja": "--input を使うときは、--out に .parquet ファイルを指定してください"
        "（指定: {path}）。",
    },
    "batch.out_is_input": {
        "en": "The output {path} is also one of the inputs.",
        "ja": "出力先 {path} が入力にも含まれています。",
    },
    "batch.dim_mismatch": {
        "en": "The head expects {head}-d embeddings, the encoder gives {model}.",
        "ja": "判定モデルは {head} 次元の埋め込みを前提にしていますが、エンコーダーの出力は "
        "{model} 次元です。",
    },
    "batch.incomplete": {
        "en": "{missing} images got no result; what was scored is kept.",
        "ja": "{missing} 枚の画像に結果がありません。採点済みの分は保存されています。",
        "count": "missing",
        "en:1": "1 image got no result; what was scored is kept.",
    },
    "batch.incomplete_hint": {
        "en": "Run the same command again: it scores only what is missing.",
        "ja": "同じコマンドをもう一度実行してください。足りない分だけを採点します。",
    },
    "batch.wrote": {
        "en": "Wrote {path}: {total} images scored by head {head} ({engine} engine) — like "
        "{like}, unsure {unsure}, dislike {dislike}, unreadable {unreadable}.",
        "ja": "{path} に書き出しました。判定モデル {head} で {total} "
        "枚を採点しました（{engine} エンジン）。好き {like} 枚、保留 {unsure} 枚、"
        "好きでない {dislike} 枚、読めない画像 {unreadable} 枚です。",
        "count": "total",
        "en:1": "Wrote {path}: 1 image scored by head {head} ({engine} engine) — like {like}, "
        "unsure {unsure}, dislike {dislike}, unreadable {unreadable}.",
    },
    "batch.resumed": {
        "en": "{reused} images were already scored by an earlier run and kept; {scored} scored "
        "now.",
        "ja": "以前の実行で採点済みの {reused} 枚はそのまま使い、{scored} 枚を新たに採点しました。",
        "count": "reused",
        "en:1": "1 image was already scored by an earlier run and kept; {scored} scored now.",
    },
    "batch.speed": {
        "en": "{scored} images in {seconds:.1f} s ({rate:.1f} images/s).",
        "ja": "{scored} 枚を {seconds:.1f} 秒で採点しました（毎秒 {rate:.1f} 枚）。",
        "count": "scored",
        "en:1": "1 image in {seconds:.1f} s ({rate:.1f} images/s).",
    },
    "batch.ray_started": {
        "en": "Started a local Ray for this run ({cpus:g} CPUs, {gpus:g} GPUs) in {seconds:.1f} s; "
        "session {session}. It is stopped again.",
        "ja": "この実行のためにローカルの Ray を起動しました（CPU {cpus:g}、GPU {gpus:g}、"
        "{seconds:.1f} 秒）。セッション {session}。終了時に停止しました。",
    },
    "batch.ray_joined": {
        "en": "Ran on the Ray cluster at {address} ({cpus:g} CPUs, {gpus:g} GPUs); joined in "
        "{seconds:.1f} s.",
        "ja": "{address} の Ray クラスターで実行しました（CPU {cpus:g}、GPU {gpus:g}、"
        "接続に {seconds:.1f} 秒）。",
    },
    "batch.options_need_input": {
        "en": "{options} only apply with --input.",
        "ja": "{options} は --input と一緒にしか使えません。",
    },
    "batch.check_ray": {"en": "Ray (extra)", "ja": "Ray（追加機能）"},
    "batch.check_ray_present": {
        "en": "ray {version}: {cmd} score --engine ray is available",
        "ja": "ray {version}: {cmd} score --engine ray が使えます",
    },
    "batch.check_ray_absent": {
        "en": "not installed (only needed for --engine ray)",
        "ja": "未インストール（--engine ray を使うときだけ必要）",
    },
    "batch.check_ray_fix": {
        "en": "{install_ray}",
        "ja": "{install_ray}",
    },
}
