// Tests for JSON5.
