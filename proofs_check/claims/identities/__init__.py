"""Claims on exact identities of the model: the reduction (Eq. 1), the Stein gradient (Lemma 2.2), the EM bridge."""
