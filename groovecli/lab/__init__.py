"""The workshop: datasets, training, evaluation and its judges. The product (every other wing)
never imports it; ``groove train`` and ``groove evaluate`` load it inside their commands."""
