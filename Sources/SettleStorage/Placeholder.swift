// Storage lives here.
