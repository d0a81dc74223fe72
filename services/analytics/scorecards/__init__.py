"""Department scorecards (部门考核): rules from YAML, deductions along the responsibility chain."""
