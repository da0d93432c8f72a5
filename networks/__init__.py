"""The Network Lab's engine: data sets (``networks.data``), networks (``networks.models``) and training (``networks.training``).

Pure numerics: nothing here imports streamlit.
"""
