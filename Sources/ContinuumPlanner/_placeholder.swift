enum _PlaceholderContinuumPlanner {}
