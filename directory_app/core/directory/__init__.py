"""What the directory is: the data model, the controlled vocabularies, the rules a center must
obey, saving a person's edits, and the coordinator's shortlist."""
