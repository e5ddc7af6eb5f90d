print("settle-sim: not yet")
