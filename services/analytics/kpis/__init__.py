"""KPIs against targets, the backlog by age, the at-risk list, service volume and the dictionary."""
