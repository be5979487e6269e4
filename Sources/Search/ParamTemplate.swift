// A JSON template whose leaves may be distributions: the parameter space of one part of a spec.

import JSON5

/// One step of a path into a JSON tree.
public enum PathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)
}

/// A sampled parameter: where it sits in the template, its distribution and where it was written.
public struct Parameter: Sendable, Equatable {
    public var path: [PathComponent]
    /// The field path as text: `optimizer.weight_decay.lambda_new`, `schedules[1].gamma`.
    public var name: String
    public var distribution: Distribution
    public var location: SourceLocation?
}

/// A JSON value with distribution leaves (`{ uniform: [a, b] }` …) found and parsed. `instantiate`
/// puts one value in place of each distribution and returns a plain JSON value.
public struct ParamTemplate: Sendable, Equatable {
    public var template: JSONNode
    /// The non-fixed leaves, in document order. A sampler draws one value for each.
    public var parameters: [Parameter]

    /// Walks `node` (written at field path `path`), parsing every distribution it holds; throws the
    /// first problem.
    public init(_ node: JSONNode, path: String) throws(ConfigError) {
        var problems: [ConfigError] = []
        self.init(node, path: path, problems: &problems)
        if let first = problems.first { throw first }
    }

    /// As above, appending every problem to `problems`; a distribution that does not parse stays in
    /// the template as a plain value, so the rest of the template can still be checked.
    public init(_ node: JSONNode, path: String, problems: inout [ConfigError]) {
        template = node
        parameters = []
        collect(node, path: path, components: [], problems: &problems)
    }

    /// A template with no parameters.
    public init(fixed value: JSONValue) {
        template = JSONNode(value)
        parameters = []
    }

    private mutating func collect(_ node: JSONNode, path: String, components: [PathComponent],
                                  problems: inout [ConfigError]) {
        if Distribution.isDistribution(node) {
            do throws(ConfigError) {
                let d = try Distribution.parse(node, path: path)
                parameters.append(Parameter(path: components, name: path, distribution: d, location: node.location))
            } catch {
                problems.append(error)
            }
            return
        }
        if let problem = Distribution.misspelled(node, path: path) {
            problems.append(problem)
            return
        }
        switch node.value {
        case .object(let members):
            for m in members {
                collect(m.value, path: joinPath(path, m.key), components: components + [.key(m.key)], problems: &problems)
            }
        case .array(let elements):
            for (i, e) in elements.enumerated() {
                collect(e, path: "\(path)[\(i)]", components: components + [.index(i)], problems: &problems)
            }
        default:
            break
        }
    }

    /// The template with `values[i]` in place of `parameters[i]` (locations kept for fixed parts).
    public func instantiate(_ values: [JSONValue]) -> JSONNode {
        precondition(values.count == parameters.count, "need \(parameters.count) values, got \(values.count)")
        var node = template
        for (p, v) in zip(parameters, values) {
            Self.replace(&node, at: p.path[...], with: JSONNode(v, at: p.location))
        }
        return node
    }

    /// The template with each parameter at the point `u` of its unit interval.
    public func instantiate(unit u: [Double]) -> JSONNode {
        instantiate(zip(parameters, u).map { $0.distribution.value(at: $1) })
    }

    private static func replace(_ node: inout JSONNode, at path: ArraySlice<PathComponent>, with value: JSONNode) {
        guard let first = path.first else { node = value; return }
        switch (first, node.value) {
        case (.key(let k), .object(var members)):
            guard let i = members.firstIndex(where: { $0.key == k }) else { return }
            replace(&members[i].value, at: path.dropFirst(), with: value)
            node.value = .object(members)
        case (.index(let i), .array(var elements)) where i < elements.count:
            replace(&elements[i], at: path.dropFirst(), with: value)
            node.value = .array(elements)
        default:
            return
        }
    }
}
