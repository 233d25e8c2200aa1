import ArgumentParser
import Leapfrog

/// `leapfrog models`: the built-in models with their parameters, data and options.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the built-in models.")

    @Argument(help: "Show only this model.")
    var name: String?

    @Flag(help: "Print the model's graph in its JSON form (docs/model-format.md) instead; needs NAME.")
    var json = false

    @Option(name: .customLong("model-option"), help: "Options for the --json graph, key=value (repeatable).")
    var modelOptions: [String] = []

    @Option(name: .long, help: "Data file for models whose graph depends on the data (bnn-classifier).")
    var data: String?

    func validate() throws {
        if json && name == nil { throw ValidationError("--json needs a model NAME") }
    }

    func run() throws {
        guard let name else { return print(Self.listing(BuiltinModels.all)) }
        let model = try BuiltinModels.named(name)
        if json {
            let inst = try model.instantiate(options: try ModelOptions(parsing: modelOptions), data: try data.map(DataSource.file) ?? .bundled)
            print(try inst.graph.jsonString())
        } else {
            print(Self.listing([model]))
        }
    }

    static func listing(_ models: [BuiltinModel]) -> String {
        var out: [String] = []
        for m in models {
            out.append("\(m.name)\n  \(m.summary)\n  parameters: \(m.parameters)\n  data: \(m.dataHelp)")
            for key in m.options.keys.sorted() {
                out.append("  --model-option \(key)=…  \(m.options[key]!)")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
