"""Update rules, learning-rate schedules, gradient noise and the batched trajectory runner.

``rules`` (the one unified update), ``settings`` (what a student picks, checked), ``schedules``
(η_t in closed form), ``noise`` (mini-batch noise) and ``trajectory`` (many runs in one loop).
"""
