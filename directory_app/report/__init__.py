"""Printable documents made from the directory (the referral sheet). Qt is used here for its
PDF writer, so nothing in `core` imports this package."""
