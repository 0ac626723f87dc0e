"""Key blocks: model, validation, import/export, derivation from OSM, segments per block."""
