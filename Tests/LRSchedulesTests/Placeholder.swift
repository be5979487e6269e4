// Tests for LRSchedules.
