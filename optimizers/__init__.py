"""Update rules, learning-rate schedules, gradient noise, mini-batches and the batched trajectory runner.

``rules`` (the one unified update), ``settings`` (what a student picks, checked), ``schedules``
(η_t in closed form), ``noise`` (injected Gaussian noise, a stand-in for mini-batch noise),
``minibatch`` (real mini-batches of per-example losses), ``trajectory`` (many runs in one loop), and the
runner's speed-up: ``operation_tape`` (record a gradient evaluation once, replay it) with
``numpy_kernels`` (the operations NumPy computes to the same bits as torch, faster on tiny arrays).
"""
