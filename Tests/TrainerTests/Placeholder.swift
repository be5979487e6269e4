// Tests for Trainer.
