"""ClinicalTrials.gov and the hospital lists: reading the registry's formats (`ctgov`, `fields`,
`v2_json`, `streams`), inferring facts from free text (`classify`), turning sites into centers
(`sites`, `names`) and matching U.S. sites to HIFLD hospitals (`hifld`)."""
