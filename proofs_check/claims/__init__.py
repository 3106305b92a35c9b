"""One module per claim of the paper (see ../shared/spec/paper.md, section 3)."""
