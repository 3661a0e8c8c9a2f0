"""Where the directory is kept: the engine and sessions, opening the app's database (migrate,
back up, seed), backups and restore, locks for bulk writers, integrity checks, atomic files.

Layers, lowest first: `engine` (no app imports) <- `locks` <- `migrations` <- `backup_folder`
<- `health` <- `backup` <- `seed` <- `opening` (the "open the app's database" action)."""
