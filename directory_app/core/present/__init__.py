"""How a center's facts read: one presenter (`center_facts`) and one vocabulary (`words`) that
every view lays out, so the detail pane, compare, the referral sheet, exports and the command
line say the same thing in the same words."""
