"""Running several hosts as one service: balancer configurations and replica processes."""
