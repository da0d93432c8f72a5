"""The Streamlit side: widgets, cached calls into the core, and page-level messages.

Nothing here computes numerics itself; it reads widgets, calls ``surfaces``, ``optimizers``,
``analysis`` and ``figures``, and shows their errors as messages.
"""
