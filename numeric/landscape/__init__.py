"""The loss landscape: Hessians (enclosed and in double precision), stationary points and their
certification, and the scans over symmetric families and rings."""
