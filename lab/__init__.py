"""The Network Lab's engine: data sets (``lab.data``), networks (``lab.models``) and training (``lab.training``).

Pure numerics: nothing here imports streamlit.
"""
