"""The first code cell shared by every notebook (see _build.py)."""

SETUP = """\
import jax
jax.config.update("jax_enable_x64", True)  # float64 reference (the library never sets this)
import matplotlib.pyplot as plt
import numpy as np
import rnn_ntk"""
