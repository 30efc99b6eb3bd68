enum _PlaceholderContinuumTesting {}
