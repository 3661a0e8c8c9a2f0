"""Matching one patient's profile against centers and their trials ("who can take this patient?").

`profile` holds what a coordinator knows about the patient (never a name); `matcher` states per
criterion whether each center and each of its trials fits, does not fit, or is unknown, with the
fact and its source, and ranks the answers.
"""
