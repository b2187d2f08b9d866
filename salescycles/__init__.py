"""How a sale progresses: sales cycles, their ordered stages and the stages' date formulas."""
