"""The Qt-free core: models, storage, search, import/export. Nothing here may import Qt, so the
CLI and the tests can use all of it without a display."""
