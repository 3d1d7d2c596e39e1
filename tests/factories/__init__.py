"""Test factories: tiny ONNX encoders in Immich/HF-cache layouts (`factories.models`), and
generated photo folders (`factories.images`), and watching a command's moves from outside
(`factories.watch`). Import from the submodules."""
