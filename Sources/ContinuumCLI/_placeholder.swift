enum _PlaceholderContinuumCLI {}
