// The shape of a model (hidden widths, activation, BatchNorm) and where each parameter tensor lives.

/// How a Dense layer's weights start. Biases start at zero.
///
/// ```
/// he:     W ~ N(0, 2/fan_in)                          (Kaiming normal, for ReLU-like units)
/// xavier: W ~ U(−a, a),  a = √(6/(fan_in + fan_out))  (Glorot uniform, for tanh)
/// ```
public enum Initialization: String, Sendable, Equatable, CaseIterable {
    case he, xavier
}

/// A multilayer perceptron: `inputs → [Dense → BatchNorm? → activation] per hidden width → Dense → outputs`.
public struct ModelConfig: Sendable, Equatable {
    /// Hidden layer widths, input side first; empty gives a linear model.
    public var hidden: [Int]
    public var activation: Activation
    /// A BatchNorm1d after every hidden Dense layer (before the activation).
    public var batchNorm: Bool
    /// Whether BatchNorm has the learnable γ, β (PyTorch `affine=True`).
    public var batchNormAffine: Bool
    /// PyTorch `momentum` (0.1) and `eps` (1e-5); eps may be 0.
    public var batchNormMomentum: Double
    public var batchNormEps: Double
    /// Whether Dense layers have a bias.
    public var bias: Bool
    /// nil chooses by activation: He for ReLU and GELU, Xavier for tanh.
    public var initialization: Initialization?
    /// Keeps the output layer at its initial values (a fixed final classifier, as scale-invariant
    /// training needs); gradients still flow through it.
    public var freezeOutputLayer: Bool

    public init(hidden: [Int], activation: Activation = .relu, batchNorm: Bool = false,
                batchNormAffine: Bool = true, batchNormMomentum: Double = 0.1, batchNormEps: Double = 1e-5,
                bias: Bool = true, initialization: Initialization? = nil, freezeOutputLayer: Bool = false) {
        self.hidden = hidden
        self.activation = activation
        self.batchNorm = batchNorm
        self.batchNormAffine = batchNormAffine
        self.batchNormMomentum = batchNormMomentum
        self.batchNormEps = batchNormEps
        self.bias = bias
        self.initialization = initialization
        self.freezeOutputLayer = freezeOutputLayer
    }

    /// The initialisation actually used.
    public var resolvedInitialization: Initialization {
        initialization ?? (activation == .tanh ? .xavier : .he)
    }
}

/// One parameter tensor's place in the flat parameter vector.
public struct ParameterSegment: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case weight, bias, normScale, normShift
    }
    public var kind: Kind
    /// The Dense layer index (0 = first hidden layer; the output layer is last).
    public var layer: Int
    public var range: Range<Int>
    public var trainable: Bool

    public init(kind: Kind, layer: Int, range: Range<Int>, trainable: Bool) {
        self.kind = kind
        self.layer = layer
        self.range = range
        self.trainable = trainable
    }
}

/// Where one Dense layer (and the BatchNorm and activation after it) keeps its parameters and buffers.
/// Offsets index `MLP.parameters`, `MLP.runningStatistics` or the activation arena (rows are `maxBatch`).
struct LayerLayout: Sendable {
    var fanIn: Int
    var fanOut: Int
    var weight: Int           // (fanIn, fanOut) in parameters
    var bias: Int?            // (fanOut)
    var gamma: Int?           // (fanOut), BatchNorm affine
    var beta: Int?
    var runningMean: Int?     // (fanOut) in runningStatistics; non-nil iff the layer has BatchNorm
    var runningVar: Int?
    var activation: Activation?  // nil for the output layer
    var trainable: Bool
    // Arena offsets, each (maxBatch, fanOut) unless noted.
    var input: Int            // (maxBatch, fanIn): the previous layer's output or the model input
    var z: Int                // Dense output
    var xhat: Int             // BatchNorm x̂ (== z without BatchNorm)
    var h: Int                // BatchNorm output (== z without BatchNorm)
    var out: Int              // activation output (== h for the output layer)
    var stats: Int            // 4 × fanOut scratch: mean, 1/σ, dγ, dβ
}
