// Numerics, layers, optimizers, datasets and the training loop (see Package.swift for the layout).
