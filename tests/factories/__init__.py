"""Test factories: tiny ONNX encoders in Immich/HF-cache layouts (`factories.models`), and
generated photo folders (`factories.images`). Import from the submodules."""
