"""Import as one user action: `importer.run_import` over any accepted file, all-or-nothing,
with a report (`report`) and "undo last import" (`undo`). Registry studies go through
`registry_studies` (`study_rules`, `site_matching`, `writes`); the app's own files through
`own_format`."""
