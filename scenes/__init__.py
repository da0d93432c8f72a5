"""What each page shows, computed from plain values without Streamlit: the pages cache and draw these."""
