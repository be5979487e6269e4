// LR values printed by PyTorch itself, stepped the way a training loop steps them.
//
// From torch 2.15.0 torch.optim.lr_scheduler (SGD, momentum 0.9, one param group; lr read from
// optimizer.param_groups[0]["lr"] after k scheduler.step() calls), and for inverse_sqrt/wsd from
// LambdaLR with Hugging Face's lambdas. The throwaway script (xcheck.py) is described in the commit
// message of this file; over 300–1000 steps of 42 configurations every value agreed bit for bit.

import LRSchedules
import Testing

struct Reference: Sendable, CustomTestStringConvertible {
    let name: String
    let spec: ScheduleSpec
    let values: [(step: Int, lr: Double)]
    init(_ name: String, _ spec: ScheduleSpec, _ values: [(Int, Double)]) {
        self.name = name
        self.spec = spec
        self.values = values.map { (step: $0.0, lr: $0.1) }
    }
    var testDescription: String { name }
}

let torchReferences: [Reference] = [
    Reference("ConstantLR(1/3, 5)", .constant(lr: 0.3, factor: 0.3333333333333333, totalIters: 5),
              [(0, 0.09999999999999999), (4, 0.09999999999999999), (5, 0.3), (6, 0.3), (319, 0.3)]),
    Reference("StepLR(7, 0.5)", .step(lr: 0.7, stepSize: 7, gamma: 0.5),
              [(0, 0.7), (6, 0.7), (7, 0.35), (14, 0.175), (300, 1.5916157281026243e-13)]),
    Reference("MultiStepLR([50,10,50,200], 0.5)", .multistep(lr: 0.1, milestones: [50, 10, 50, 200], gamma: 0.5),
              [(0, 0.1), (9, 0.1), (10, 0.05), (49, 0.05), (50, 0.0125), (199, 0.0125), (200, 0.00625), (319, 0.00625)]),
    Reference("ExponentialLR(1.01)", .exponential(lr: 1e-4, gamma: 1.01),
              [(0, 0.0001), (1, 0.000101), (100, 0.00027048138294215275), (319, 0.0023906623206580786)]),
    Reference("PolynomialLR(50, 0.9)", .polynomial(lr: 0.05, totalIters: 50, power: 0.9),
              [(0, 0.05), (1, 0.049099093329828765), (49, 0.0014787576366283148), (50, 0.0), (51, 0.0), (319, 0.0)]),
    Reference("LinearLR(1, 0.01, 300)", .linear(lr: 0.1, startFactor: 1, endFactor: 0.01, totalIters: 300),
              [(0, 0.1), (1, 0.09967000000000001), (150, 0.05050000000000015), (299, 0.0013300000000000059),
               (300, 0.0010000000000000052), (319, 0.0010000000000000052)]),
    Reference("CosineAnnealingLR(100)", .cosine(lr: 0.1, tMax: 100, etaMin: 0),
              [(0, 0.1), (1, 0.09997532801828658), (50, 0.05000000000000004), (99, 2.4671981713420017e-05), (100, 0.0),
               (101, 2.467198171342e-05), (150, 0.04999999999999995), (200, 0.09999999999999994),
               (201, 0.09997532801828651), (399, 0.09997532801828647)]),
    Reference("CosineAnnealingLR(7)", .cosine(lr: 0.1, tMax: 7, etaMin: 0),
              [(0, 0.1), (6, 0.004951556604879048), (7, 0.0), (8, 0.004951556604879043), (13, 0.09504844339512099),
               (14, 0.10000000000000002), (15, 0.09504844339512099), (500, 0.03887395330218587),
               (999, 0.018825509907064678)]),
    Reference("CosineAnnealingLR(1, 0.01)", .cosine(lr: 0.1, tMax: 1, etaMin: 0.01),
              [(0, 0.1), (1, 0.01), (2, 0.1), (3, 0.01), (319, 0.01)]),
    Reference("CosineAnnealingWarmRestarts(10, 2)", .sgdr(lr: 0.1, t0: 10, tMult: 2, etaMin: 0),
              [(0, 0.1), (9, 0.0024471741852423235), (10, 0.1), (29, 0.0006155829702431171), (30, 0.1), (70, 0.1),
               (319, 0.09980495166258437)]),
    Reference("CyclicLR triangular2 10/30",
              .cyclic(.init(baseLR: 0.001, maxLR: 0.01, stepSizeUp: 10, stepSizeDown: 30, mode: .triangular2)),
              [(0, 0.001), (5, 0.0055000000000000005), (10, 0.010000000000000002), (20, 0.007), (39, 0.001299999999999999),
               (40, 0.001), (45, 0.0032500000000000003), (319, 0.00100234375)]),
    Reference("CyclicLR exp_range 0.99", .cyclic(.init(baseLR: 0.01, maxLR: 0.1, stepSizeUp: 15, mode: .expRange, gamma: 0.99)),
              [(0, 0.01), (7, 0.0491467446120936), (15, 0.08740525191771596), (30, 0.01), (45, 0.06725669374574839),
               (319, 0.012674059165791703)]),
    Reference("CyclicLR exp_range 25/5",
              .cyclic(.init(baseLR: 0, maxLR: 0.1, stepSizeUp: 25, stepSizeDown: 5, mode: .expRange, gamma: 0.995)),
              [(0, 0.0), (12, 0.04519789473189002), (25, 0.08822202429488006), (29, 0.01729415461135062), (30, 0.0),
               (319, 0.015359474249348925)]),
    Reference("OneCycleLR(1, 320)", .onecycle(.init(maxLR: 1, totalSteps: 320)),
              [(0, 0.040000000000000036), (1, 0.04026243647635552), (95, 1.0), (96, 0.999950826076484),
               (100, 0.9987711354624008), (200, 0.5490103741304998), (319, 4e-06)]),
    Reference("OneCycleLR three_phase linear",
              .onecycle(.init(maxLR: 0.5, totalSteps: 400, pctStart: 0.25, annealStrategy: .linear, threePhase: true)),
              [(0, 0.02), (99, 0.5), (100, 0.4951515151515152), (198, 0.020000000000000018), (199, 0.019900507462686567),
               (250, 0.014826388059701493), (399, 1.9999999999985307e-06)]),
    Reference("OneCycleLR three_phase cos",
              .onecycle(.init(maxLR: 0.2, totalSteps: 350, divFactor: 10, finalDivFactor: 100, threePhase: true)),
              [(0, 0.01999999999999999), (34, 0.0634395967240109), (69, 0.15421291499754894), (138, 0.1565604032759891),
               (200, 0.02261523643165532), (349, 0.0002)]),
    Reference("SequentialLR(LinearLR, CosineAnnealingLR(90))",
              .sequence(schedules: [.linear(lr: 0.1, startFactor: 0.1, endFactor: 1, totalIters: 10),
                                    .cosine(lr: 0.1, tMax: 90, etaMin: 0)], milestones: [10]),
              [(0, 0.010000000000000002), (9, 0.09100000000000004), (10, 0.1), (50, 0.058682408883346526),
               (99, 3.045864904521188e-05), (100, 0.0), (101, 3.0458649045211895e-05), (319, 0.039604415459112044)]),
    Reference("SequentialLR(MultiStepLR, Cosine, PolynomialLR)",
              .sequence(schedules: [.multistep(lr: 0.1, milestones: [0, 3], gamma: 0.5),
                                    .cosine(lr: 0.1, tMax: 20, etaMin: 0.001),
                                    .polynomial(lr: 0.1, totalIters: 30, power: 2)], milestones: [7, 120]),
              [(0, 0.05), (2, 0.05), (3, 0.025), (6, 0.025), (7, 0.1), (26, 0.001609427140540686), (27, 0.001),
               (47, 0.09999999999999995), (119, 0.06579634122155927), (120, 0.1), (150, 0.0), (319, 0.0)]),
    Reference("HF inverse_sqrt(20, 50)", .inverseSqrt(lr: 0.1, warmupSteps: 20, timescale: 50),
              [(0, 0.0), (10, 0.05), (19, 0.095), (20, 0.1), (21, 0.09901475429766743), (70, 0.07071067811865475),
               (319, 0.037850558205223234)]),
    Reference("HF wsd cosine/1-sqrt",
              .wsd(.init(lr: 0.1, warmupSteps: 30, stableSteps: 170, decaySteps: 100, warmupType: .cosine,
                         decayType: .oneMinusSqrt)),
              [(0, 0.0), (15, 0.049999999999999996), (19, 0.07033683215379001), (20, 0.075), (119, 0.1), (120, 0.1),
               (200, 0.1), (269, 0.016933761370819256), (270, 0.016333997346592445), (319, 0.0)]),
]

@Suite struct PyTorchReferenceTests {
    @Test(arguments: torchReferences)
    func steppedValuesEqualPyTorchBitForBit(_ ref: Reference) throws {
        let last = ref.values.map(\.step).max() ?? 0
        let lrs = try #require(stepped(ref.spec, last + 1), "\(ref.name): \(makeError(ref.spec) ?? "")")
        for (k, lr) in ref.values {
            #expect(lrs[k] == lr, "\(ref.name) step \(k): got \(lrs[k]), torch \(lr)")
        }
    }
}
