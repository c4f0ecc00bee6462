"""payroll domain."""
