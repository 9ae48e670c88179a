"""The application layer: what the commands do, without the command line.

`settings` (the run settings and their one rule), `gather` (the schedules a command asked for,
evaluated), `compare_as` (one intent as each framework's users would write it). The CLI parses
flags and prints; it calls these.
"""
