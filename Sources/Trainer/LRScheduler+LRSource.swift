// LRSchedules' scheduler is the training loop's LR source.

import LRSchedules

extension LRScheduler: LRSource {}
