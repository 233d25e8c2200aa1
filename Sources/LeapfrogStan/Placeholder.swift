// LeapfrogStan: filled by the Stan front-end issue.
