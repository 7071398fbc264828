"""Helpers shared by the behaviour detectors (activity, automation) and the operation profile.

``timeline`` loads per-account event times as numpy arrays; ``rhythm`` fits a
human day/week rhythm to an hour-of-week histogram to infer a UTC offset.
Nothing here registers a detector.
"""
