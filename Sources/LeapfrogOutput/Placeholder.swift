// LeapfrogOutput: filled by the output issue.
