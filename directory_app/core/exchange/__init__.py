"""The directory in and out as files: the app's own document form (`directory_form`), its CSV
and JSON files (`csv_file`, `json_file`), Open Referral HSDS (`hsds`) and `export`."""
