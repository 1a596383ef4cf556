// Filled in by the rule-engine work.
