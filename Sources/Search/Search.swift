// Search specs, samplers, the concurrent executor, the journal and ranking.
