// Simulator lives here.
