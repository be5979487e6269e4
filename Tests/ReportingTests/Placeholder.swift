// Tests for Reporting.
