"""Second-order analysis of a surface: autograd derivatives, point reports, the critical-point atlas."""
