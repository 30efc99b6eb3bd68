enum _PlaceholderContinuumState {}
