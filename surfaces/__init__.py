"""Loss surfaces: the Surface dataclass (base), the built-in catalogue, grids for plotting."""
