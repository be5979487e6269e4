// Misspelled distributions get a did-you-mean; a spec with problems still yields what parsed, for the trial-level check.

import Foundation
import JSON5
@testable import Search
import Testing

@Suite struct SpecProblemsTests {
    @Test(arguments: [("log_uniform", "loguniform"), ("LogUniform", "loguniform"), ("choices", "choice"),
                      ("unifrom", "uniform"), ("ints", "int")])
    func aMisspelledDistributionKeywordGetsADidYouMean(written: String, meant: String) {
        let errors = specErrors("{ task: {}, lr: { \(written): [0.01, 1] }, schedules: [{ family: 'cosine' }] }")
        #expect(errors == ["s.json5:1:19: lr: unknown distribution '\(written)' (did you mean '\(meant)'?); "
                           + "distributions: uniform, loguniform, int, choice"])
    }

    @Test func singleKeyObjectsThatAreNotDistributionsAreLeftAlone() throws {
        for text in ["{ hidden: [8, 8] }", "{ milestones: [3, 6] }", "{ lrs: [0.1, 0.05] }", "{ values: [1, 2] }",
                     "{ schedules: [] }", "{ loguniform: 3 }"] {
            #expect(Distribution.misspelled(try JSON5Parser.parse(text), path: "x") == nil, "\(text)")
        }
    }

    @Test func aSpecWithProblemsStillYieldsWhatParsed() throws {
        let (spec, errors) = SearchSpec.parseAll(try JSON5Parser.parse("""
            { trials: 0, task: { dataset: "iris" }, optimizer: { momentum: { uniform: [0.99, 0.9] } },
              schedules: [{ family: "step", gamma: { uniform: [0.1, 0.5] } }, { gamma: 1 }] }
            """), defaultName: "t")
        #expect(errors.map(\.path) == ["trials", "optimizer.momentum", "schedules[1].family"])
        #expect(spec?.trials == 20)  // the default in place of the bad value
        #expect(spec?.schedules.map(\.family) == [.step])  // the bad entry left out
        #expect(spec?.schedules.first?.template.parameters.map(\.name) == ["schedules[0].gamma"])
        #expect(spec?.optimizer.parameters.isEmpty == true)  // the bad distribution stays a plain value…
        // …and a trial-level problem at its path is not reported twice.
        let again = ConfigError(path: "optimizer.momentum", location: nil, message: "expected a number")
        let other = ConfigError(path: "task.epochs", location: nil, message: "must be >= 1")
        #expect(SpecErrors.under(errors, dropping: [again, other]) == [other])
    }
}
