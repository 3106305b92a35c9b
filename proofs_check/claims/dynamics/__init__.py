"""Claims on where gradient descent goes: Theorems 2.1, 3.2, 3.4, 3.5, 3.7 and Lemma 3.3 (hypotheses as data)."""
