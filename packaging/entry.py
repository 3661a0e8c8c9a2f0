"""The desktop bundle's start script: the same `main` as the installed `directory-app` command."""

from directory_app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
